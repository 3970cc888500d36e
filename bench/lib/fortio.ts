// Running fortio (Istio's load generator, pinned in the Makefile) at a constant rate against one
// URL, and reading its JSON result.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../support/paths.js";

export interface FortioOptions {
  url: string;
  /** Requests per second over all connections. */
  qps: number;
  connections: number;
  durationSeconds: number;
}

export interface FortioResult {
  requests: number;
  actualQps: number;
  /** Responses other than 200, and requests that failed. */
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

interface FortioJson {
  ActualQPS: number;
  RetCodes: Record<string, number>;
  DurationHistogram: { Count: number; Max: number; Percentiles: { Percentile: number; Value: number }[] };
}

/** make tools installs fortio into .tools/; FORTIO (exported by the Makefile) names it. */
export function fortioBinary(): string {
  return process.env.FORTIO ?? join(repoRoot(), ".tools", "fortio-v1.68.2", "fortio");
}

export async function runFortio(options: FortioOptions): Promise<FortioResult> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-fortio-"));
  const jsonPath = join(dir, "result.json");
  // -uniform spreads the connections' starts over the period, so 16 connections do not fire in step;
  // -r 0.00001: 10 µs histogram buckets, fine enough for sub-millisecond percentiles.
  const args = [
    "load", "-quiet", "-uniform", "-qps", String(options.qps), "-c", String(options.connections), "-t", `${options.durationSeconds}s`,
    "-p", "50,90,99", "-r", "0.00001", "-json", jsonPath, options.url,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(fortioBinary(), args, { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", (error) => reject(new Error(`shadowdiff bench: fortio (${fortioBinary()}) did not start: ${error.message}; run make tools`)));
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`shadowdiff bench: fortio exited ${code}\n${stderr}`))));
    });
    const result = JSON.parse(readFileSync(jsonPath, "utf8")) as FortioJson;
    const percentile = (p: number): number => {
      const found = result.DurationHistogram.Percentiles.find((entry) => entry.Percentile === p);
      if (found === undefined) throw new Error(`shadowdiff bench: fortio's result has no p${p}`);
      return found.Value * 1000;
    };
    const ok = result.RetCodes["200"] ?? 0;
    return {
      requests: result.DurationHistogram.Count,
      actualQps: result.ActualQPS,
      // Every call is in the histogram; socket errors are in RetCodes as -1.
      errors: result.DurationHistogram.Count - ok,
      latencyMs: { p50: percentile(50), p90: percentile(90), p99: percentile(99), max: result.DurationHistogram.Max * 1000 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
