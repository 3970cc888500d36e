// Where the repository's built parts are: the Envoy binary, the compiled filter, the collector command.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { bodiesFilterWasmPath, filterWasmPath, packageRoot } from "../host/package-files.js";

/** The repository root: where package.json and proto/ are (works from the sources and from a build). */
export const repoRoot = packageRoot;

export { bodiesFilterWasmPath, filterWasmPath };

/** The Envoy binary: $ENVOY, else the one `make envoy` links into .venv/. */
export function envoyBinary(): string {
  const fromEnv = process.env.ENVOY;
  return fromEnv !== undefined && fromEnv !== "" ? resolve(fromEnv) : join(repoRoot(), ".venv", "envoy");
}

/** The `shadowdiff` command as `make build` leaves it in dist/ (what users run). */
export function shadowdiffCommandPath(): string {
  const path = join(repoRoot(), "dist", "host", "cli.js");
  if (!existsSync(path)) throw new Error(`shadowdiff: ${path} is missing; run \`make build\``);
  return path;
}

/** The descriptor set of the demo's gRPC catalog, as `make descriptor-sets` has protoc make it. */
export function catalogDescriptorSetPath(): string {
  const path = join(repoRoot(), "build", "proto", "catalog.pb");
  if (!existsSync(path)) throw new Error(`shadowdiff: ${path} is missing; run \`make descriptor-sets\``);
  return path;
}
