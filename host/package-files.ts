// Files the shadowdiff package ships beside its code (the capture contract, the compiled filter),
// found by walking up from this module to the package root, so they resolve the same from host/
// (the sources) and from dist/host/ (the built and installed command).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The nearest folder above this module with package.json and proto/. */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "proto"))) return dir;
    if (dirname(dir) === dir) throw new Error(`shadowdiff: no package root (package.json and proto/) above ${start}`);
  }
}

export function captureProtoPath(): string {
  return join(packageRoot(), "proto", "shadowdiff", "v1", "capture.proto");
}

/** The release build of the filter (`make build`; shipped in the package). */
export function filterWasmPath(): string {
  return join(packageRoot(), "build", "shadowdiff.wasm");
}

/** The release build that also receives request bodies, for `request_bodies` (shipped in the package). */
export function bodiesFilterWasmPath(): string {
  return join(packageRoot(), "build", "shadowdiff-bodies.wasm");
}

/** The page the collector serves at `/`, as `make build` bundles it (shipped in the package). */
export function pageAssetsPath(): string {
  return join(packageRoot(), "dist", "page");
}
