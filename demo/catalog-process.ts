// One version of the sample catalog in its own process (demo/catalog-service.ts), HTTP or gRPC.
import { fileURLToPath } from "node:url";
import { startNodeChild } from "../support/child-process.js";
import type { CatalogVersion } from "./catalog.js";
import type { GrpcCatalogVersion } from "./grpc-catalog.js";

export async function startCatalogProcess(version: CatalogVersion): Promise<{ port: number; stop(): Promise<unknown> }> {
  const child = await startNodeChild(
    fileURLToPath(new URL("catalog-service.js", import.meta.url)),
    [version],
    (message) => message.msg === "catalog listening" && typeof message.port === "number",
  );
  return { port: child.ready.port as number, stop: child.stop };
}

/** One version of the gRPC catalog in its own process (demo/grpc-catalog-service.ts). */
export async function startGrpcCatalogProcess(version: GrpcCatalogVersion): Promise<{ port: number; stop(): Promise<unknown> }> {
  const child = await startNodeChild(
    fileURLToPath(new URL("grpc-catalog-service.js", import.meta.url)),
    [version],
    (message) => message.msg === "grpc catalog listening" && typeof message.port === "number",
  );
  return { port: child.ready.port as number, stop: child.stop };
}
