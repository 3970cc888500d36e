// What the Envoy benchmarks take of their rounds: medians, figures rounded for the results, and
// ratios between scenarios measured in the same run.
import type { WrkResult } from "./wrk.js";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** One measurement of one scenario. */
export interface LoadRun {
  wrk: WrkResult;
  /** Envoy's CPU time per request served: unlike throughput, barely moved by other load on the machine. */
  envoyCpuMicrosPerRequest: number;
}

export interface LoadSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  envoyCpuMicrosPerRequest: number;
  errors: number;
}

/** The medians of a scenario's rounds, and every error. */
export function summarizeRuns(runs: LoadRun[]): LoadSummary {
  return {
    requestsPerSecond: round(median(runs.map((run) => run.wrk.requestsPerSecond)), 1),
    p50Ms: round(median(runs.map((run) => run.wrk.latencyMs.p50))),
    p99Ms: round(median(runs.map((run) => run.wrk.latencyMs.p99))),
    envoyCpuMicrosPerRequest: round(median(runs.map((run) => run.envoyCpuMicrosPerRequest)), 1),
    errors: runs.reduce((sum, run) => sum + run.wrk.errors, 0),
  };
}

export interface Ratio {
  throughput: number;
  cpuPerRequest: number;
}

export function ratio(over: LoadSummary, under: LoadSummary): Ratio {
  return {
    throughput: round(over.requestsPerSecond / under.requestsPerSecond),
    cpuPerRequest: round(over.envoyCpuMicrosPerRequest / under.envoyCpuMicrosPerRequest),
  };
}
