// A collector inside the test's own process, on 127.0.0.1 ports the kernel picks, with its log
// lines kept for the test to read and its database in a temporary folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCollector, type CollectorConfigInput, type RunningCollector } from "../host/collector.js";
import { createLogger, type Logger } from "../host/log.js";

export interface TestCollector extends RunningCollector {
  grpcAddress: string;
  httpUrl: string;
  logLines: string[];
  dbPath: string;
  /** Closes the collector (unless closed already) and removes its folder. */
  cleanup(): Promise<void>;
}

export async function startTestCollector(config: CollectorConfigInput = {}): Promise<TestCollector> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-collector-"));
  const dbPath = config.examples?.path ?? join(dir, "examples.db");
  const logLines: string[] = [];
  const log: Logger = createLogger((line) => logLines.push(line), "debug");
  let collector: RunningCollector;
  try {
    collector = await startCollector(
      {
        ...config,
        grpc: { address: "127.0.0.1:0", ...config.grpc },
        http: { address: "127.0.0.1:0", ...config.http },
        examples: { ...config.examples, path: dbPath },
      },
      { log },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let closed = false;
  return {
    ...collector,
    grpcAddress: `127.0.0.1:${collector.grpcPort}`,
    httpUrl: `http://127.0.0.1:${collector.httpPort}`,
    logLines,
    dbPath,
    close: async () => {
      closed = true;
      await collector.close();
    },
    cleanup: async () => {
      if (!closed) await collector.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}
