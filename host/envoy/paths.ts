// Where shadowdiff's Envoy-side files live: the binary, the compiled filter, the repository root.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this file that holds package.json (works from host/ and dist/host/). */
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
