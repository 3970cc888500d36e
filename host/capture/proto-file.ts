import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";

/**
 * The capture contract's .proto, found by walking up from this module to the package root, so it
 * resolves the same from host/ (tests run the sources) and from dist/host/ (the built command).
 */
export function captureProtoPath(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, "proto", "shadowdiff", "v1", "capture.proto");
    if (existsSync(candidate) && existsSync(join(dir, "package.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`proto/shadowdiff/v1/capture.proto not found above ${start}`);
  }
}
