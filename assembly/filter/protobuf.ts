// A protobuf writer: varints and length-delimited fields into a growing byte array. Enough for
// the capture contract and envoy.config.core.v3.GrpcService; nothing is ever decoded here.

const WIRE_VARINT: u32 = 0;
const WIRE_LENGTH_DELIMITED: u32 = 2;

export class ProtoWriter {
  private data: Uint8Array;
  length: i32 = 0;

  constructor(initialCapacity: i32 = 64) {
    this.data = new Uint8Array(initialCapacity);
  }

  private ensure(extra: i32): void {
    const needed = this.length + extra;
    if (needed <= this.data.length) return;
    let capacity = this.data.length * 2;
    if (capacity < needed) capacity = needed;
    const grown = new Uint8Array(capacity);
    memory.copy(grown.dataStart, this.data.dataStart, <usize>this.length);
    this.data = grown;
  }

  varint(value: u64): void {
    this.ensure(10);
    const base = this.data.dataStart;
    while (value >= 0x80) {
      store<u8>(base + <usize>this.length, <u8>(value & 0x7f) | 0x80);
      this.length++;
      value >>= 7;
    }
    store<u8>(base + <usize>this.length, <u8>value);
    this.length++;
  }

  raw(ptr: usize, size: i32): void {
    this.ensure(size);
    memory.copy(this.data.dataStart + <usize>this.length, ptr, <usize>size);
    this.length += size;
  }

  /** Field with a varint value; proto3 leaves zero values out. */
  uint(field: u32, value: u64): void {
    if (value == 0) return;
    this.varint(<u64>(field << 3 | WIRE_VARINT));
    this.varint(value);
  }

  bool(field: u32, value: bool): void {
    this.uint(field, value ? 1 : 0);
  }

  /** Length-delimited field; empty values left out (proto3 strings and bytes). */
  bytes(field: u32, value: ArrayBuffer): void {
    if (value.byteLength == 0) return;
    this.bytesAlways(field, changetype<usize>(value), value.byteLength);
  }

  /** Length-delimited field written even when empty (sub-messages that must be present). */
  bytesAlways(field: u32, ptr: usize, size: i32): void {
    this.varint(<u64>(field << 3 | WIRE_LENGTH_DELIMITED));
    this.varint(<u64>size);
    this.raw(ptr, size);
  }

  string(field: u32, value: string): void {
    this.bytes(field, String.UTF8.encode(value));
  }

  message(field: u32, nested: ProtoWriter): void {
    this.bytesAlways(field, nested.data.dataStart, nested.length);
  }

  finish(): ArrayBuffer {
    const out = new ArrayBuffer(this.length);
    memory.copy(changetype<usize>(out), this.data.dataStart, <usize>this.length);
    return out;
  }
}

export function varintSize(value: u64): i32 {
  let n = 1;
  while (value >= 0x80) { value >>= 7; n++; }
  return n;
}
