// Where the repository's built parts are: the Envoy binary, the compiled filter, the collector command.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this file with package.json and proto/ (works from the sources and from a build). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "proto"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`shadowdiff: no repository root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The Envoy binary: $ENVOY, else the one `make envoy` links into .venv/. */
export function envoyBinary(): string {
  const fromEnv = process.env.ENVOY;
  return fromEnv !== undefined && fromEnv !== "" ? resolve(fromEnv) : join(repoRoot(), ".venv", "envoy");
}

/** The release build of the filter, made by `make build`. */
export function filterWasmPath(): string {
  return join(repoRoot(), "build", "shadowdiff.wasm");
}

/** The `shadowdiff` command as `make build` leaves it in dist/ (what users run). */
export function shadowdiffCommandPath(): string {
  const path = join(repoRoot(), "dist", "host", "cli.js");
  if (!existsSync(path)) throw new Error(`shadowdiff: ${path} is missing; run \`make build\``);
  return path;
}
