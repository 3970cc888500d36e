// One version of the gRPC catalog as its own process (`node build/tools/demo/grpc-catalog-service.js v2`),
// as catalog-service.ts is for the HTTP one. It prints one JSON line with its port when it listens,
// and stops on SIGTERM.
import { catalogDescriptorSetPath } from "../support/paths.js";
import { GRPC_CATALOG_VERSIONS, startGrpcCatalog, type GrpcCatalogVersion } from "./grpc-catalog.js";

const version = process.argv[2];
if (!(GRPC_CATALOG_VERSIONS as readonly string[]).includes(version ?? "")) {
  console.error(`usage: grpc-catalog-service.js ${GRPC_CATALOG_VERSIONS.join("|")}`);
  process.exit(2);
}
const service = await startGrpcCatalog(version as GrpcCatalogVersion, catalogDescriptorSetPath());
console.log(JSON.stringify({ msg: "grpc catalog listening", version, port: service.port }));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => void service.close().then(() => process.exit(0)));
}
