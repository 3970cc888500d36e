import { readFileSync, statSync } from "node:fs";
import { createFileRegistry, equals, fromBinary, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";

/** A descriptor set this large is not one: the collector reads each whole at start. */
export const MAX_DESCRIPTOR_SET_BYTES = 64 * 1024 * 1024;

/**
 * The protobuf types of the services whose calls are compared, from the descriptor sets the
 * collector is given (`protoc --descriptor_set_out=FILE --include_imports`, or `buf build -o
 * FILE`): every file of every set in one registry. Read once at start; a file that is missing,
 * too large, not a FileDescriptorSet, or whose imports are in no set, is refused with a message
 * naming it and what is wrong.
 */
export function loadDescriptorSets(paths: readonly string[]): FileRegistry {
  const files = new Map<string, { proto: FileDescriptorProto; from: string }>();
  for (const path of paths) {
    for (const proto of readSet(path).file) {
      const seen = files.get(proto.name);
      // --include_imports puts shared imports (google/protobuf/*.proto) in every set: one copy is kept.
      if (seen !== undefined) {
        if (equals(FileDescriptorProtoSchema, seen.proto, proto)) continue;
        throw new Error(`descriptor sets ${seen.from} and ${path} both hold ${proto.name}, differently: give one version of it`);
      }
      files.set(proto.name, { proto, from: path });
    }
  }
  try {
    return createFileRegistry({ $typeName: "google.protobuf.FileDescriptorSet", file: [...files.values()].map(({ proto }) => proto) });
  } catch (error) {
    throw new Error(`descriptor sets ${paths.join(", ")}: ${(error as Error).message} (build each with --include_imports)`);
  }
}

function readSet(path: string) {
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > MAX_DESCRIPTOR_SET_BYTES) throw new Error(`it holds ${size} bytes, more than ${MAX_DESCRIPTOR_SET_BYTES}`);
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`descriptor set ${path}: ${(error as Error).message}`);
  }
  let set;
  try {
    set = fromBinary(FileDescriptorSetSchema, bytes);
  } catch (error) {
    throw new Error(`descriptor set ${path} is not a FileDescriptorSet (protoc --descriptor_set_out, buf build -o): ${(error as Error).message}`);
  }
  if (set.file.length === 0) throw new Error(`descriptor set ${path} holds no .proto file`);
  for (const [index, proto] of set.file.entries()) {
    if (proto.name === "") throw new Error(`descriptor set ${path} is not a FileDescriptorSet: file ${index} has no name`);
  }
  return set;
}
