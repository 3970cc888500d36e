import protobuf from "protobufjs";
import { captureProtoPath } from "../package-files.js";

export { captureProtoPath };

export interface CaptureProtoOptions {
  /** "proto" (the default) keeps the .proto's snake_case names; "camelCase" is protobufjs' usual form. */
  fieldNames?: "proto" | "camelCase";
}

/** The capture contract as protobufjs reflection: the one place the .proto is read. */
export function loadCaptureProto(options: CaptureProtoOptions = {}): protobuf.Root {
  return new protobuf.Root().loadSync(captureProtoPath(), { keepCase: (options.fieldNames ?? "proto") === "proto" });
}
