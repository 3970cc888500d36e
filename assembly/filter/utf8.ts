// Protobuf strings must be valid UTF-8; header bytes need not be. Invalid sequences become U+FFFD.

const REPLACEMENT_SIZE = 3; // EF BF BD

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(base: usize, i: i32, end: i32): i32 {
  const b0 = <u32>load<u8>(base + <usize>i);
  if (b0 < 0x80) return 1;
  let need = 0;
  let lo: u32 = 0x80, hi: u32 = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    if (b0 == 0xe0) lo = 0xa0;
    else if (b0 == 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    if (b0 == 0xf0) lo = 0x90;
    else if (b0 == 0xf4) hi = 0x8f;
  } else return 0;
  if (i + need >= end) return 0; // sequence cut short by the end of the bytes
  const b1 = <u32>load<u8>(base + <usize>(i + 1));
  if (b1 < lo || b1 > hi) return 0;
  for (let k = 2; k <= need; k++) {
    const b = <u32>load<u8>(base + <usize>(i + k));
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return need + 1;
}

/** Whether `size` bytes at `base` are valid UTF-8. */
export function isValidUtf8(base: usize, size: i32): bool {
  for (let i = 0; i < size; ) {
    const n = sequenceLength(base, i, size);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

/** The same bytes when they are valid UTF-8, else a copy with each invalid byte replaced. */
export function validUtf8(bytes: ArrayBuffer): ArrayBuffer {
  const base = changetype<usize>(bytes);
  const end = bytes.byteLength;
  let invalid = 0;
  for (let i = 0; i < end; ) {
    const n = sequenceLength(base, i, end);
    if (n == 0) { invalid++; i++; } else i += n;
  }
  if (invalid == 0) return bytes;
  const out = new ArrayBuffer(end + invalid * (REPLACEMENT_SIZE - 1));
  const dst = changetype<usize>(out);
  let o: usize = 0;
  for (let i = 0; i < end; ) {
    const n = sequenceLength(base, i, end);
    if (n == 0) {
      store<u8>(dst + o, 0xef);
      store<u8>(dst + o + 1, 0xbf);
      store<u8>(dst + o + 2, 0xbd);
      o += REPLACEMENT_SIZE;
      i++;
    } else {
      memory.copy(dst + o, base + <usize>i, <usize>n);
      o += <usize>n;
      i += n;
    }
  }
  return out;
}

/** Text for decisions and logs: never fails, whatever the bytes. */
export function textOf(bytes: ArrayBuffer): string {
  return String.UTF8.decode(validUtf8(bytes));
}
