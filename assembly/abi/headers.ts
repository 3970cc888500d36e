// The header-map pairs codec of the spec ("Serialization"): a u32 count, then a (name length,
// value length) u32 pair per entry, then each name and value followed by a NUL byte.
// Integers are little-endian, as wasm stores them.

/** One header as UTF-8 bytes, name (lower case, as Envoy hands them over) and value. */
export class Header {
  constructor(public name: ArrayBuffer, public value: ArrayBuffer) {}
}

export function encodeHeaderPairs(headers: Array<Header>): ArrayBuffer {
  const count = headers.length;
  let size: usize = 4 + <usize>count * 8;
  for (let i = 0; i < count; i++) {
    size += <usize>headers[i].name.byteLength + <usize>headers[i].value.byteLength + 2;
  }
  const out = new ArrayBuffer(<i32>size);
  const base = changetype<usize>(out);
  store<u32>(base, <u32>count);
  let sizes = base + 4;
  let bytes = sizes + <usize>count * 8;
  for (let i = 0; i < count; i++) {
    const name = headers[i].name;
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

/** Walks a serialized header map in place, entry by entry, staying inside its bounds: nothing is
 * decoded or copied unless the caller asks. */
export class PairsCursor {
  private sizes: usize = 0;
  private bytes: usize = 0;
  private end: usize = 0;
  private left: usize = 0;
  namePtr: usize = 0;
  nameSize: usize = 0;
  valuePtr: usize = 0;
  valueSize: usize = 0;

  /** Over the `size` bytes of a serialized map at `base`. */
  constructor(base: usize, size: usize) {
    this.reset(base, size);
  }

  /** Starts over on another map: one cursor can serve every request, allocating nothing. */
  reset(base: usize, size: usize): void {
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

const STATUS = String.UTF8.encode(":status");

/** The :status of a serialized response map: its digits as Envoy passed them (any of 100 to
 * 999); 0 when absent or not a number. */
export function statusOf(base: usize, size: usize): u32 {
  const cursor = new PairsCursor(base, size);
  while (cursor.next()) {
    if (!cursor.nameIs(STATUS)) continue;
    let status: u32 = 0;
    for (let i: usize = 0; i < cursor.valueSize; i++) {
      const digit = <u32>load<u8>(cursor.valuePtr + i) - 0x30;
      if (digit > 9 || status > 99999) return 0;
      status = status * 10 + digit;
    }
    return status;
  }
  return 0;
}
