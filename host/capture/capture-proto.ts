import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

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

export interface CaptureProtoOptions {
  /** "proto" (the default) keeps the .proto's snake_case names; "camelCase" is protobufjs' usual form. */
  fieldNames?: "proto" | "camelCase";
}

/** The capture contract as protobufjs reflection: the one place the .proto is read. */
export function loadCaptureProto(options: CaptureProtoOptions = {}): protobuf.Root {
  return new protobuf.Root().loadSync(captureProtoPath(), { keepCase: (options.fieldNames ?? "proto") === "proto" });
}
