// The filter's one growable byte buffer: bytes added at the end, room made by doubling. Whoever
// owns one bounds it (a body copy by max_body_bytes, the batch by batch_max_bytes or one pair);
// the memory is kept from one use to the next, since memory in a wasm VM never shrinks anyway.

export class ByteBuffer {
  private data: ArrayBuffer = new ArrayBuffer(0);
  /** How many bytes it holds, from `ptr`. */
  length: i32 = 0;

  /** Where the bytes lie: valid until the buffer next grows. */
  get ptr(): usize {
    return changetype<usize>(this.data);
  }

  /** Makes room for `extra` more bytes, growing to no more than `limit` when that is enough, and
   * returns where they go; `advance` then counts what was written there. */
  reserve(extra: i32, limit: i32 = i32.MAX_VALUE): usize {
    const needed = this.length + extra;
    if (needed > this.data.byteLength) {
      let capacity = this.data.byteLength * 2;
      if (capacity < needed) capacity = needed;
      if (capacity > limit && limit >= needed) capacity = limit;
      const grown = new ArrayBuffer(capacity);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.data), <usize>this.length);
      this.data = grown;
    }
    return changetype<usize>(this.data) + <usize>this.length;
  }

  advance(written: i32): void {
    this.length += written;
  }

  append(ptr: usize, size: i32, limit: i32 = i32.MAX_VALUE): void {
    memory.copy(this.reserve(size, limit), ptr, <usize>size);
    this.length += size;
  }

  /** Empty again; the memory is kept. */
  clear(): void {
    this.length = 0;
  }
}
