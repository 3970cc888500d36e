// One version of the sample catalog as its own process (`node build/tools/demo/catalog-service.js v2`),
// so that each service has its own event loop, as it would in a cluster. It prints one JSON line
// with its port when it listens, and stops on SIGTERM.
import { CATALOG_VERSIONS, catalogHandler, type CatalogVersion } from "./catalog.js";
import { startHttpService } from "../support/http-service.js";

const version = process.argv[2];
if (!(CATALOG_VERSIONS as readonly string[]).includes(version ?? "")) {
  console.error(`usage: catalog-service.js ${CATALOG_VERSIONS.join("|")}`);
  process.exit(2);
}
const service = await startHttpService(catalogHandler(version as CatalogVersion));
console.log(JSON.stringify({ msg: "catalog listening", version, port: service.port }));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => void service.close().then(() => process.exit(0)));
}
