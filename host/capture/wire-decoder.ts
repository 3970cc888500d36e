import { isUtf8 } from "node:buffer";
import protobuf from "protobufjs";

/** A message decoded field by field; names as written in the .proto (snake_case). */
export type WireMessage = { [field: string]: WireValue | WireValue[] };
export type WireValue = string | number | boolean | Buffer | WireMessage;

/** The input is not a valid encoding of the message; `message` names the field and the problem. */
export class WireDecodeError extends Error {}

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const VARINT_TYPES = new Set(["uint32", "uint64", "int32", "bool"]);

/**
 * Decodes one message type of a .proto strictly: strings must be valid UTF-8 (protobufjs would
 * silently turn bad bytes into U+FFFD), wire types must match the declared field types, and a
 * truncated or malformed input is an error naming the field. Unknown fields are skipped, as
 * protobuf requires for forward compatibility. Driven by the .proto's reflection, so the .proto
 * stays the single description of the contract.
 */
export class WireDecoder {
  constructor(private readonly root: protobuf.Type) {
    checkSupported(root, new Set());
  }

  decode(bytes: Uint8Array): WireMessage {
    const reader = protobuf.Reader.create(bytes);
    try {
      return decodeMessage(this.root, reader, bytes.length, "");
    } catch (error) {
      if (error instanceof WireDecodeError) throw error;
      // protobufjs throws RangeError("index out of range") on truncated input.
      throw new WireDecodeError(`malformed protobuf: ${(error as Error).message}`);
    }
  }
}

function checkSupported(type: protobuf.Type, seen: Set<protobuf.Type>): void {
  if (seen.has(type)) return;
  seen.add(type);
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field.resolvedType instanceof protobuf.Type) checkSupported(field.resolvedType, seen);
    else if (field.resolvedType instanceof protobuf.Enum) continue;
    else if (field.type !== "string" && field.type !== "bytes" && !VARINT_TYPES.has(field.type)) {
      throw new Error(`field ${type.name}.${field.name} has type ${field.type}, which the capture decoder does not handle`);
    }
    if (field.repeated && !(field.resolvedType instanceof protobuf.Type) && field.type !== "string" && field.type !== "bytes") {
      throw new Error(`field ${type.name}.${field.name}: repeated scalars are not handled by the capture decoder`);
    }
  }
}

function decodeMessage(type: protobuf.Type, reader: protobuf.Reader, end: number, prefix: string): WireMessage {
  const message: WireMessage = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = type.fieldsById[tag >>> 3];
    const wireType = tag & 7;
    if (field === undefined) {
      reader.skipType(wireType);
      continue;
    }
    const value = decodeField(field, wireType, reader, prefix, message);
    if (field.repeated) {
      const list = (message[field.name] as WireValue[] | undefined) ?? [];
      list.push(value);
      message[field.name] = list;
    } else {
      message[field.name] = value;
    }
  }
  if (reader.pos !== end) throw new WireDecodeError(`malformed protobuf: ${prefix || "message"} overruns its length`);
  return message;
}

/** `prefix` + the field's name is the field's path in error messages, built only when needed. */
function decodeField(field: protobuf.Field, wireType: number, reader: protobuf.Reader, prefix: string, parent: WireMessage): WireValue {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const name = prefix + field.name;
    expectWireType(wireType, WIRE_LENGTH_DELIMITED, name);
    const length = reader.uint32();
    const end = reader.pos + length;
    if (end > reader.len) throw new WireDecodeError(`malformed protobuf: field "${name}" is longer than the message`);
    const index = field.repeated ? ((parent[field.name] as WireValue[] | undefined)?.length ?? 0) : -1;
    return decodeMessage(resolved, reader, end, index >= 0 ? `${name}[${index}].` : `${name}.`);
  }
  if (resolved instanceof protobuf.Enum || VARINT_TYPES.has(field.type)) {
    expectWireType(wireType, WIRE_VARINT, prefix, field);
    if (field.type === "bool") return reader.bool();
    if (field.type === "uint64") return toNumber(reader.uint64() as unknown as number | { toNumber(): number });
    if (field.type === "uint32") return reader.uint32();
    return reader.int32();
  }
  expectWireType(wireType, WIRE_LENGTH_DELIMITED, prefix, field);
  const bytes = reader.bytes();
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (field.type === "bytes") return buffer;
  if (!isUtf8(buffer)) throw new WireDecodeError(`field "${prefix}${field.name}" is not valid UTF-8`);
  return buffer.toString("utf8");
}

function expectWireType(actual: number, expected: number, prefix: string, field?: protobuf.Field): void {
  if (actual !== expected) {
    const name = field ? prefix + field.name : prefix;
    throw new WireDecodeError(`malformed protobuf: field "${name}" has wire type ${actual}, expected ${expected}`);
  }
}

function toNumber(value: number | { toNumber(): number }): number {
  return typeof value === "number" ? value : value.toNumber();
}
