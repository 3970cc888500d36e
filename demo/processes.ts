// The demo's other programs, each in its own process: the collector as the user runs it
// (`shadowdiff collector --config FILE`) and the two versions of the sample catalog.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../host/envoy/paths.js";
import { startNodeChild } from "./child-process.js";

export interface CollectorProcess {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startCollectorProcess(configYaml: string): Promise<CollectorProcess> {
  const configPath = join(mkdtempSync(join(tmpdir(), "shadowdiff-collector-")), "collector.yaml");
  writeFileSync(configPath, configYaml);
  // The addresses come from the file alone: an override in the environment would move the ports.
  const env = { ...process.env };
  delete env.SHADOWDIFF_GRPC_ADDRESS;
  delete env.SHADOWDIFF_HTTP_ADDRESS;
  const child = await startNodeChild(
    join(repoRoot(), "dist", "host", "cli.js"),
    ["collector", "--config", configPath],
    (message) => message.msg === "collector listening" && typeof message.grpcPort === "number" && typeof message.httpPort === "number",
    { env },
  );
  const grpcPort = child.ready.grpcPort as number;
  const httpPort = child.ready.httpPort as number;
  return { grpcPort, httpPort, url: `http://127.0.0.1:${httpPort}`, output: child.output, stop: child.stop };
}

/** One version of the sample catalog in its own process (demo/catalog-service.ts). */
export async function startCatalogProcess(version: "v1" | "v2"): Promise<{ port: number; stop(): Promise<void> }> {
  const child = await startNodeChild(
    join(repoRoot(), "dist", "demo", "catalog-service.js"),
    [version],
    (message) => message.msg === "catalog listening" && typeof message.port === "number",
  );
  return { port: child.ready.port as number, stop: child.stop };
}
