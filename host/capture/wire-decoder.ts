import { isUtf8 } from "node:buffer";
import protobuf from "protobufjs";

/** A message decoded field by field; names as written in the .proto (snake_case). */
export type WireMessage = { [field: string]: WireValue | WireValue[] };
export type WireValue = string | number | boolean | Buffer | WireMessage;

/** The input is not a valid encoding of the message; `message` names the field and the problem. */
export class WireDecodeError extends Error {}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

// What a field holds, decided once per field when the decoder is built.
const KIND_MESSAGE = 0;
const KIND_STRING = 1;
const KIND_BYTES = 2;
const KIND_UINT32 = 3;
const KIND_UINT64 = 4;
const KIND_INT32 = 5;
const KIND_BOOL = 6;

const VARINT_KINDS: Record<string, number> = { uint32: KIND_UINT32, uint64: KIND_UINT64, int32: KIND_INT32, bool: KIND_BOOL };

interface FieldPlan {
  name: string;
  kind: number;
  repeated: boolean;
  message: MessagePlan | null;
}

/** A message type's fields by field number, worked out from the .proto's reflection. */
interface MessagePlan {
  fields: (FieldPlan | undefined)[];
}

/**
 * Decodes one message type of a .proto strictly: strings must be valid UTF-8 (protobufjs would
 * silently turn bad bytes into U+FFFD), wire types must match the declared field types, and a
 * truncated or malformed input is an error naming the field. Unknown fields are skipped, as
 * protobuf requires for forward compatibility. The per-field plan is built from the .proto's
 * reflection, so the .proto stays the single description of the contract; decoding itself is a
 * plain loop over the bytes, since it runs for every pair the collector receives.
 */
export class WireDecoder {
  private readonly plan: MessagePlan;
  private readonly strings = new RecentStrings();

  constructor(root: protobuf.Type) {
    this.plan = planOf(root, new Map());
  }

  /** Decodes bytes[start, end) (all of `bytes` by default); bytes fields are views into `bytes`. */
  decode(bytes: Uint8Array, start = 0, end = bytes.length): WireMessage {
    return new Decoding(asBuffer(bytes), this.strings, start).message(this.plan, end);
  }
}

/** Where one occurrence of a field lies in the bytes of its message. */
export interface FieldSpan {
  start: number;
  end: number;
}

/**
 * The spans of every occurrence of the length-delimited field `fieldNumber` (named `name`) at
 * the top level of a message, other fields skipped: how a batch is cut into pairs, so that each
 * pair is decoded, and refused, on its own.
 */
export function lengthDelimitedSpans(bytes: Uint8Array, fieldNumber: number, name: string): FieldSpan[] {
  // No string is read here: a one-slot table will do.
  return new Decoding(asBuffer(bytes), new RecentStrings(1), 0).spans(fieldNumber, name);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function planOf(type: protobuf.Type, plans: Map<protobuf.Type, MessagePlan>): MessagePlan {
  const known = plans.get(type);
  if (known) return known;
  const plan: MessagePlan = { fields: [] };
  plans.set(type, plan);
  for (const field of type.fieldsArray) {
    field.resolve();
    const resolved = field.resolvedType;
    let kind: number | undefined;
    if (resolved instanceof protobuf.Type) kind = KIND_MESSAGE;
    else if (resolved instanceof protobuf.Enum) kind = KIND_INT32;
    else if (field.type === "string") kind = KIND_STRING;
    else if (field.type === "bytes") kind = KIND_BYTES;
    else kind = VARINT_KINDS[field.type];
    if (kind === undefined) throw new Error(`field ${type.name}.${field.name} has type ${field.type}, which the capture decoder does not handle`);
    if (field.repeated && kind !== KIND_MESSAGE && kind !== KIND_STRING && kind !== KIND_BYTES) {
      throw new Error(`field ${type.name}.${field.name}: repeated scalars are not handled by the capture decoder`);
    }
    plan.fields[field.id] = { name: field.name, kind, repeated: field.repeated, message: resolved instanceof protobuf.Type ? planOf(resolved, plans) : null };
  }
  return plan;
}

const RECENT_SLOTS = 1024;
const RECENT_MAX_BYTES = 64;

/**
 * Short ASCII strings seen recently (header names, methods, hosts), by a hash of their bytes:
 * the same bytes give back the same string instead of a new copy. A slot holds the last string
 * whose hash fell in it, so the table never grows.
 */
class RecentStrings {
  private readonly slots: (string | undefined)[];

  constructor(slots = RECENT_SLOTS) {
    this.slots = new Array<string | undefined>(slots);
  }

  /** The UTF-8 text of bytes[start, end), or null when it is not valid UTF-8. */
  read(bytes: Buffer, start: number, end: number): string | null {
    const length = end - start;
    if (length === 0) return "";
    if (length <= RECENT_MAX_BYTES) {
      let hash = length;
      let ascii = true;
      for (let at = start; at < end; at++) {
        const byte = bytes[at] as number;
        if (byte >= 0x80) {
          ascii = false;
          break;
        }
        hash = (Math.imul(hash, 31) + byte) | 0;
      }
      if (ascii) {
        // ASCII is valid UTF-8 as it is.
        const slot = hash & (RECENT_SLOTS - 1);
        const seen = this.slots[slot];
        if (seen !== undefined && seen.length === length && sameAscii(seen, bytes, start)) return seen;
        const text = bytes.toString("latin1", start, end);
        this.slots[slot] = text;
        return text;
      }
    }
    const view = bytes.subarray(start, end);
    return isUtf8(view) ? view.toString("utf8") : null;
  }
}

class Decoding {
  private pos = 0;
  /** Bits 32..63 of the last varint read. */
  private high = 0;
  /** The message fields being decoded, outermost first, to name a field in an error. */
  private readonly path: { name: string; index: number }[] = [];

  constructor(
    private readonly bytes: Buffer,
    private readonly strings: RecentStrings,
    start: number,
  ) {
    this.pos = start;
  }

  spans(fieldNumber: number, name: string): FieldSpan[] {
    const spans: FieldSpan[] = [];
    const end = this.bytes.length;
    while (this.pos < end) {
      const tag = this.varint();
      const wireType = tag & 7;
      if (tag >>> 3 !== fieldNumber) {
        this.skip(wireType, tag >>> 3);
        continue;
      }
      if (wireType !== WIRE_LENGTH_DELIMITED) {
        throw new WireDecodeError(`malformed protobuf: field "${name}" has wire type ${wireType}, expected ${WIRE_LENGTH_DELIMITED}`);
      }
      const length = this.varint();
      const start = this.pos;
      if (start + length > end) throw new WireDecodeError(`malformed protobuf: field "${name}" is longer than the message`);
      this.pos = start + length;
      spans.push({ start, end: this.pos });
    }
    return spans;
  }

  message(plan: MessagePlan, end: number): WireMessage {
    const message: WireMessage = {};
    const { bytes } = this;
    while (this.pos < end) {
      const tag = this.varint();
      const wireType = tag & 7;
      const field = plan.fields[tag >>> 3];
      if (field === undefined) {
        this.skip(wireType, tag >>> 3);
        continue;
      }
      let value: WireValue;
      if (field.kind === KIND_MESSAGE) {
        if (wireType !== WIRE_LENGTH_DELIMITED) throw this.wireTypeError(field, wireType, WIRE_LENGTH_DELIMITED);
        const length = this.varint();
        const valueEnd = this.pos + length;
        if (valueEnd > end) throw new WireDecodeError(`malformed protobuf: field "${this.prefix()}${field.name}" is longer than the message`);
        this.path.push({ name: field.name, index: field.repeated ? ((message[field.name] as WireValue[] | undefined)?.length ?? 0) : -1 });
        value = this.message(field.message as MessagePlan, valueEnd);
        this.path.pop();
      } else if (field.kind === KIND_STRING || field.kind === KIND_BYTES) {
        if (wireType !== WIRE_LENGTH_DELIMITED) throw this.wireTypeError(field, wireType, WIRE_LENGTH_DELIMITED);
        const length = this.varint();
        const start = this.pos;
        const valueEnd = start + length;
        if (valueEnd > end) throw new WireDecodeError(`malformed protobuf: field "${this.prefix()}${field.name}" is longer than the message`);
        this.pos = valueEnd;
        if (field.kind === KIND_BYTES) {
          value = Buffer.from(bytes.buffer, bytes.byteOffset + start, length);
        } else {
          const text = this.strings.read(bytes, start, valueEnd);
          if (text === null) throw new WireDecodeError(`field "${this.prefix()}${field.name}" is not valid UTF-8`);
          value = text;
        }
      } else {
        if (wireType !== WIRE_VARINT) throw this.wireTypeError(field, wireType, WIRE_VARINT);
        const low = this.varint();
        if (field.kind === KIND_UINT64) value = this.high * 4294967296 + low;
        else if (field.kind === KIND_INT32) value = low | 0;
        else if (field.kind === KIND_BOOL) value = low !== 0;
        else value = low;
      }
      if (field.repeated) {
        const list = message[field.name] as WireValue[] | undefined;
        if (list) list.push(value);
        else message[field.name] = [value];
      } else {
        message[field.name] = value;
      }
    }
    if (this.pos !== end) throw new WireDecodeError(`malformed protobuf: ${this.prefix() || "message"} overruns its length`);
    return message;
  }

  /**
   * A varint of up to 10 bytes: returns bits 0..31 as an unsigned number and keeps bits 32..63
   * in `high`, as protobuf's 64-bit varints need.
   */
  private varint(): number {
    const { bytes } = this;
    let low = 0;
    let high = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = bytes[this.pos++];
      if (byte === undefined) throw new WireDecodeError(`malformed protobuf: truncated at byte ${bytes.length}`);
      const bits = byte & 0x7f;
      if (shift < 28) low |= bits << shift;
      else if (shift === 28) {
        low |= bits << 28;
        high = bits >>> 4;
      } else high |= bits << (shift - 32);
      if (byte < 0x80) {
        this.high = high >>> 0;
        return low >>> 0;
      }
    }
    throw new WireDecodeError(`malformed protobuf: varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** Skips an unknown field's value. */
  private skip(wireType: number, fieldNumber: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_FIXED64) this.advance(8);
    else if (wireType === WIRE_FIXED32) this.advance(4);
    else if (wireType === WIRE_LENGTH_DELIMITED) this.advance(this.varint());
    else if (wireType === WIRE_START_GROUP) this.skipGroup(fieldNumber);
    else throw new WireDecodeError(`malformed protobuf: invalid wire type ${wireType} at byte ${this.pos}`);
  }

  /**
   * Skips a (deprecated) group up to its end tag. Groups nest, and the input decides how deep:
   * the open groups are kept in an array, never on the call stack.
   */
  private skipGroup(fieldNumber: number): void {
    const open = [fieldNumber];
    while (open.length > 0) {
      const tag = this.varint();
      const wireType = tag & 7;
      if (wireType === WIRE_END_GROUP) {
        const expected = open.pop();
        if (tag >>> 3 !== expected) throw new WireDecodeError(`malformed protobuf: group ${expected} ends as ${tag >>> 3}`);
      } else if (wireType === WIRE_START_GROUP) {
        open.push(tag >>> 3);
      } else {
        this.skip(wireType, tag >>> 3);
      }
    }
  }

  private advance(count: number): void {
    if (this.pos + count > this.bytes.length) throw new WireDecodeError(`malformed protobuf: truncated at byte ${this.bytes.length}`);
    this.pos += count;
  }

  /** The path of the message being decoded, as `pairs[3].primary.`; empty at the top. */
  private prefix(): string {
    return this.path.map(({ name, index }) => (index >= 0 ? `${name}[${index}].` : `${name}.`)).join("");
  }

  private wireTypeError(field: FieldPlan, actual: number, expected: number): WireDecodeError {
    return new WireDecodeError(`malformed protobuf: field "${this.prefix()}${field.name}" has wire type ${actual}, expected ${expected}`);
  }
}

function sameAscii(text: string, bytes: Buffer, start: number): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) !== bytes[start + k]) return false;
  return true;
}
