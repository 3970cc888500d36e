// Running wrk (Debian's package) against one URL and reading its summary.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../../support/paths.js";

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationSeconds: number;
  /** Every request with a body of `bytes` bytes; else GETs. */
  body?: { method: string; bytes: number };
}

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  /** Responses other than 2xx/3xx, and socket errors. */
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  errors: Record<"connect" | "read" | "write" | "status" | "timeout", number>;
  latencyUs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const script = join(repoRoot(), "bench", "lib", "wrk-report.lua");
  const args = ["-t", String(options.threads), "-c", String(options.connections), "-d", `${options.durationSeconds}s`, "-s", script, options.url];
  const output = await new Promise<string>((resolve, reject) => {
    const body = options.body === undefined ? {} : { SHADOWDIFF_WRK_METHOD: options.body.method, SHADOWDIFF_WRK_BODY_BYTES: String(options.body.bytes) };
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...body } });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`shadowdiff bench: wrk exited ${code}\n${text}`))));
  });
  const line = output.split("\n").find((candidate) => candidate.startsWith('{"requests"'));
  if (line === undefined) throw new Error(`shadowdiff bench: no summary in wrk's output\n${output}`);
  const summary = JSON.parse(line) as WrkSummary;
  const ms = (us: number): number => us / 1000;
  return {
    requests: summary.requests,
    requestsPerSecond: summary.requests / (summary.durationUs / 1e6),
    errors: Object.values(summary.errors).reduce((sum, value) => sum + value, 0),
    latencyMs: {
      p50: ms(summary.latencyUs.p50),
      p90: ms(summary.latencyUs.p90),
      p99: ms(summary.latencyUs.p99),
      max: ms(summary.latencyUs.max),
      mean: ms(summary.latencyUs.mean),
    },
  };
}
