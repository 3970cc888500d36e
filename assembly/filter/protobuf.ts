// Protobuf wire primitives, measure then write: a message's size is added up first, so it is
// written once, straight where it belongs, and no nested message is built apart and copied.
// A tag is one byte for fields below 16, two from 16 to 2047. Nothing is decoded.

const VARINT: u8 = 0;
const LENGTH_DELIMITED: u8 = 2;

function putTag(at: usize, field: u32, wire: u8): usize {
  return putVarint(at, <u64>((field << 3) | wire));
}

function tagSize(field: u32): i32 {
  return field < 16 ? 1 : 2;
}

export function varintSize(value: u64): i32 {
  let n = 1;
  while (value >= 0x80) { value >>= 7; n++; }
  return n;
}

/** The filter's one varint writer: returns where the varint ends. */
export function putVarint(at: usize, value: u64): usize {
  while (value >= 0x80) {
    store<u8>(at++, <u8>(value & 0x7f) | 0x80);
    value >>= 7;
  }
  store<u8>(at++, <u8>value);
  return at;
}

/** A length-delimited field written even when empty (sub-messages). */
export function lengthField(size: i32, field: u32 = 1): i32 {
  return tagSize(field) + varintSize(<u64>size) + size;
}

/** Strings and bytes: proto3 leaves empty ones out. */
export function bytesField(size: i32, field: u32 = 1): i32 {
  return size == 0 ? 0 : lengthField(size, field);
}

/** Varints: proto3 leaves zeros out. */
export function uintField(value: u64): i32 {
  return value == 0 ? 0 : 1 + varintSize(value);
}

/** The tag and length of a length-delimited field; its `size` bytes go next. */
export function putLengthHeader(at: usize, field: u32, size: i32): usize {
  return putVarint(putTag(at, field, LENGTH_DELIMITED), <u64>size);
}

export function putBytesAlways(at: usize, field: u32, ptr: usize, size: i32): usize {
  at = putLengthHeader(at, field, size);
  memory.copy(at, ptr, <usize>size);
  return at + <usize>size;
}

export function putBytes(at: usize, field: u32, value: ArrayBuffer): usize {
  if (value.byteLength == 0) return at;
  return putBytesAlways(at, field, changetype<usize>(value), value.byteLength);
}

export function putUint(at: usize, field: u32, value: u64): usize {
  if (value == 0) return at;
  return putVarint(putTag(at, field, VARINT), value);
}
