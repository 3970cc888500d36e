// Debian's h2load (nghttp2-client, `make h2load`): HTTP/2 load as fast as Envoy answers, over a
// fixed number of connections, each request a POST of the same body: here, one unary gRPC call.
import { spawn } from "node:child_process";

export interface H2loadOptions {
  url: string;
  /** The request body, a file h2load reads (-d). */
  dataPath: string;
  headers: Record<string, string>;
  clients: number;
  threads: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface H2loadResult {
  requests: number;
  succeeded: number;
  failed: number;
  requestsPerSecond: number;
  meanMs: number;
}

export async function runH2load(options: H2loadOptions): Promise<H2loadResult> {
  const args = [
    "-c", String(options.clients), "-t", String(options.threads), "-m", "1",
    "-D", String(options.durationSeconds), "--warm-up-time", String(options.warmupSeconds),
    "-d", options.dataPath,
    ...Object.entries(options.headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
    options.url,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn("h2load", args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`shadowdiff bench: h2load exited ${code}\n${text}`))));
  });
  return parseH2load(output);
}

/** The figures of h2load's summary: "requests: N total, N started, N done, N succeeded, N failed...",
 * "finished in Xs, Y req/s", "time for request: min max mean sd". */
export function parseH2load(output: string): H2loadResult {
  const requests = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(output);
  const rate = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(output);
  const time = /time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(output);
  if (requests === null || rate === null || time === null) throw new Error(`shadowdiff bench: h2load printed no summary:\n${output}`);
  const scale = time[2] === "us" ? 1e-3 : time[2] === "s" ? 1e3 : 1;
  return {
    requests: Number(requests[1]),
    succeeded: Number(requests[2]),
    failed: Number(requests[3]),
    requestsPerSecond: Number(rate[1]),
    meanMs: Number(time[1]) * scale,
  };
}
