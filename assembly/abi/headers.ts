// The header-map pairs codec of the spec ("Serialization"): a u32 count, then a (name length,
// value length) u32 pair per entry, then each name and value followed by a NUL byte.
// Integers are little-endian, as wasm stores them.

export class Header {
  /** The name as UTF-8, when the one who made the header had it already (saves an encode). */
  nameBytes: ArrayBuffer | null = null;

  constructor(public name: string, public value: ArrayBuffer) {}

  static of(name: string, value: string): Header {
    return new Header(name, String.UTF8.encode(value));
  }

  valueText(): string {
    return String.UTF8.decode(this.value);
  }
}

export function decodeHeaderPairs(data: ArrayBuffer): Array<Header> {
  const out = new Array<Header>();
  const size = <usize>data.byteLength;
  if (size < 4) return out;
  const base = changetype<usize>(data);
  const count = <usize>load<u32>(base);
  let sizes = base + 4;
  let bytes = sizes + count * 8;
  const end = base + size;
  if (bytes > end) return out;
  for (let i: usize = 0; i < count; i++) {
    const nameSize = <usize>load<u32>(sizes);
    const valueSize = <usize>load<u32>(sizes + 4);
    sizes += 8;
    if (bytes + nameSize + valueSize + 2 > end) break;
    const name = String.UTF8.decodeUnsafe(bytes, nameSize);
    bytes += nameSize + 1;
    const value = new ArrayBuffer(<i32>valueSize);
    memory.copy(changetype<usize>(value), bytes, valueSize);
    bytes += valueSize + 1;
    out.push(new Header(name, value));
  }
  return out;
}

export function encodeHeaderPairs(headers: Array<Header>): ArrayBuffer {
  const count = headers.length;
  const names = new Array<ArrayBuffer>(count);
  let size: usize = 4 + <usize>count * 8;
  for (let i = 0; i < count; i++) {
    const name = String.UTF8.encode(headers[i].name);
    names[i] = name;
    size += <usize>name.byteLength + <usize>headers[i].value.byteLength + 2;
  }
  const out = new ArrayBuffer(<i32>size);
  const base = changetype<usize>(out);
  store<u32>(base, <u32>count);
  let sizes = base + 4;
  let bytes = sizes + <usize>count * 8;
  for (let i = 0; i < count; i++) {
    const name = names[i];
    const value = headers[i].value;
    const nameSize = <usize>name.byteLength;
    const valueSize = <usize>value.byteLength;
    store<u32>(sizes, <u32>nameSize);
    store<u32>(sizes + 4, <u32>valueSize);
    sizes += 8;
    memory.copy(bytes, changetype<usize>(name), nameSize);
    bytes += nameSize;
    store<u8>(bytes++, 0);
    memory.copy(bytes, changetype<usize>(value), valueSize);
    bytes += valueSize;
    store<u8>(bytes++, 0);
  }
  return out;
}

/** The first header named `name` (names are lower case, as Envoy hands them over). */
export function findHeader(headers: Array<Header>, name: string): Header | null {
  for (let i = 0; i < headers.length; i++) {
    if (headers[i].name == name) return headers[i];
  }
  return null;
}

/** Walks a serialized header map in place, entry by entry, with the bounds decodeHeaderPairs
 * keeps: nothing is decoded or copied unless the caller asks. */
export class PairsCursor {
  private sizes: usize;
  private bytes: usize;
  private end: usize;
  private left: usize;
  namePtr: usize = 0;
  nameSize: usize = 0;
  valuePtr: usize = 0;
  valueSize: usize = 0;

  constructor(data: ArrayBuffer) {
    const size = <usize>data.byteLength;
    const base = changetype<usize>(data);
    this.end = base + size;
    this.sizes = base + 4;
    const count = size >= 4 ? <usize>load<u32>(base) : 0;
    this.bytes = this.sizes + count * 8;
    this.left = this.bytes <= this.end ? count : 0;
  }

  next(): bool {
    if (this.left == 0) return false;
    this.left--;
    const nameSize = <usize>load<u32>(this.sizes);
    const valueSize = <usize>load<u32>(this.sizes + 4);
    this.sizes += 8;
    if (this.bytes + nameSize + valueSize + 2 > this.end) {
      this.left = 0;
      return false;
    }
    this.namePtr = this.bytes;
    this.nameSize = nameSize;
    this.valuePtr = this.bytes + nameSize + 1;
    this.valueSize = valueSize;
    this.bytes += nameSize + valueSize + 2;
    return true;
  }

  nameIs(name: ArrayBuffer): bool {
    return bytesEqual(this.namePtr, this.nameSize, name);
  }

  value(): ArrayBuffer {
    return copyBytes(this.valuePtr, this.valueSize);
  }
}

export function bytesEqual(ptr: usize, size: usize, other: ArrayBuffer): bool {
  return size == <usize>other.byteLength && memory.compare(ptr, changetype<usize>(other), size) == 0;
}

export function bytesStartWith(ptr: usize, size: usize, prefix: ArrayBuffer): bool {
  const prefixSize = <usize>prefix.byteLength;
  return size >= prefixSize && memory.compare(ptr, changetype<usize>(prefix), prefixSize) == 0;
}

export function copyBytes(ptr: usize, size: usize): ArrayBuffer {
  const out = new ArrayBuffer(<i32>size);
  memory.copy(changetype<usize>(out), ptr, size);
  return out;
}

/** The index of the first of `names` equal to the bytes at ptr, or -1. */
export function indexOfBytes(names: Array<ArrayBuffer>, ptr: usize, size: usize): i32 {
  for (let i = 0; i < names.length; i++) {
    if (bytesEqual(ptr, size, names[i])) return i;
  }
  return -1;
}

/** The first value of `name` in a serialized map, copied; null when absent. */
export function findPairValue(data: ArrayBuffer, name: ArrayBuffer): ArrayBuffer | null {
  const cursor = new PairsCursor(data);
  while (cursor.next()) {
    if (cursor.nameIs(name)) return cursor.value();
  }
  return null;
}
