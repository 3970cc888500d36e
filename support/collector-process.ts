// The collector as users run it, `shadowdiff collector --config FILE` from dist/, in its own process.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNodeChild } from "./child-process.js";
import { shadowdiffCommandPath } from "./paths.js";

export interface CollectorProcess {
  readonly pid: number;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** The HTTP base URL: http://127.0.0.1:PORT. */
  readonly url: string;
  /** What the collector wrote so far (its JSON log lines, and stderr). */
  output(): string;
  /** SIGTERM (the collector finishes what it accepted), then the exit code. */
  stop(): Promise<number | null>;
}

export interface CollectorProcessOptions {
  /** Pin the collector to one CPU (taskset), when the machine has taskset. */
  cpu?: number;
  /** More environment, e.g. SHADOWDIFF_LOG_LEVEL. */
  env?: Record<string, string>;
}

/** Starts the collector with `configYaml` as its file and waits for its "collector listening" line. */
export async function startCollectorProcess(configYaml: string, options: CollectorProcessOptions = {}): Promise<CollectorProcess> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-collector-"));
  const configPath = join(dir, "collector.yaml");
  writeFileSync(configPath, configYaml);
  // The addresses come from the file alone: an override in the environment would move the ports.
  const env = { ...process.env, ...options.env };
  delete env.SHADOWDIFF_GRPC_ADDRESS;
  delete env.SHADOWDIFF_HTTP_ADDRESS;
  try {
    const child = await startNodeChild(
      shadowdiffCommandPath(),
      ["collector", "--config", configPath],
      (message) => message.msg === "collector listening" && typeof message.grpcPort === "number" && typeof message.httpPort === "number",
      { env, ...(options.cpu !== undefined && hasTaskset() ? { cpu: options.cpu } : {}) },
    );
    const grpcPort = child.ready.grpcPort as number;
    const httpPort = child.ready.httpPort as number;
    return {
      pid: child.pid,
      grpcPort,
      httpPort,
      url: `http://127.0.0.1:${httpPort}`,
      output: child.output,
      stop: async () => {
        const code = await child.stop();
        rmSync(dir, { recursive: true, force: true });
        return code;
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
