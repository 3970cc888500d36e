// What bench-request-bodies takes of its wrk rounds: medians of each scenario, and ratios between
// scenarios measured in the same run.
import { median, round } from "./figures.js";
import type { WrkResult } from "./wrk.js";

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
