import { fromBinary, toJson, type DescMessage, type FileRegistry, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { reflect, type ReflectList, type ReflectMap, type ReflectMessage } from "@bufbuild/protobuf/reflect";

/** A message read through the descriptor sets: its type and its proto3 JSON form, or why not. */
export type DecodedMessage = { ok: true; typeName: string; json: JsonValue } | { ok: false; detail: string };

/** A method's request and response types, or why it has none. */
export type MethodTypes = { ok: true; input: DescMessage; output: DescMessage } | { ok: false; detail: string };

/** The key under which a field the descriptors do not know shows in a message's JSON form. */
export function unknownFieldKey(fieldNumber: number): string {
  return `unknown field ${fieldNumber}`;
}

/**
 * gRPC messages as the comparison reads them: a call's path names its method in the descriptor
 * sets, and a message becomes its proto3 JSON form (protobuf-es's toJson, conformance-tested):
 * fields by their JSON names, defaults left out (so a default equals an absent field), maps as
 * objects, enums by name, 64-bit integers as strings, google.protobuf.* well-known types in their
 * JSON forms. Fields the descriptors do not know are kept, as `"unknown field N"` members of the
 * message they were found in, so that a version that adds a field shows it.
 */
export class GrpcMessages {
  /** `descriptorSets`: the files the registry was read from (their base names are shown with examples). */
  constructor(
    private readonly registry: FileRegistry | null,
    readonly descriptorSets: readonly string[] = [],
  ) {}

  /** `/package.Service/Method` → its types. */
  method(path: string): MethodTypes {
    if (this.registry === null) return { ok: false, detail: "no descriptor sets are configured (compare.descriptorSets)" };
    const match = /^\/([^/]+)\/([^/]+)$/.exec(path);
    if (match === null) return { ok: false, detail: `${JSON.stringify(path.slice(0, 200))} is not a gRPC method's path` };
    const service = this.registry.getService(match[1] as string);
    const method = service?.methods.find((candidate) => candidate.name === match[2]);
    if (method === undefined) return { ok: false, detail: `method ${path} is not in the descriptor sets` };
    return { ok: true, input: method.input, output: method.output };
  }

  decode(type: DescMessage, bytes: Uint8Array): DecodedMessage {
    try {
      const message = fromBinary(type, bytes);
      const json = toJson(type, message, { registry: this.registry ?? undefined });
      withUnknownFields(reflect(type, message), json);
      return { ok: true, typeName: type.typeName, json };
    } catch (error) {
      // Malformed bytes, a wire type the field does not take, nesting past the stack, an Any of an unknown type.
      return { ok: false, detail: `not a valid ${type.typeName}: ${(error as Error).message}` };
    }
  }
}

/** Adds each message's unknown fields to its JSON object, wherever messages are nested (lists and maps too). */
function withUnknownFields(message: ReflectMessage, json: JsonValue): void {
  // Well-known types have JSON forms of their own, with no place for a member.
  if (!isObject(json) || message.desc.typeName.startsWith("google.protobuf.")) return;
  for (const field of message.getUnknown() ?? []) {
    const key = unknownFieldKey(field.no);
    const value = `wire type ${field.wireType}: ${Buffer.from(field.data).toString("base64")}`;
    const seen = json[key];
    json[key] = Array.isArray(seen) ? [...seen, value] : [value];
  }
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    const inner = json[field.jsonName];
    if (field.fieldKind === "message") {
      withUnknownFields(message.get(field) as ReflectMessage, inner as JsonValue);
    } else if (field.fieldKind === "list" && field.listKind === "message" && Array.isArray(inner)) {
      for (const [index, item] of (message.get(field) as ReflectList<ReflectMessage>).entries()) withUnknownFields(item, inner[index] as JsonValue);
    } else if (field.fieldKind === "map" && field.mapKind === "message" && isObject(inner)) {
      for (const [key, value] of message.get(field) as ReflectMap<unknown, ReflectMessage>) withUnknownFields(value, inner[String(key)] as JsonValue);
    }
  }
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
