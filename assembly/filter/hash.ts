// The filter's two hashes: FNV-1a 32 for the configuration's version, and FNV-1a 64 with a
// finalizer where the bits must spread evenly (the sample cuts, the suffix of a shortened id).

export function fnv1a32(base: usize, size: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < size; i++) {
    h ^= <u32>load<u8>(base + i);
    h *= 0x01000193;
  }
  return h;
}

/** Request ids differ in few bytes, so raw FNV bits would not spread evenly enough for a
 * percentage cut: a finalizer mixes them. */
export function mixedHash64(base: usize, size: usize): u64 {
  let h: u64 = 0xcbf29ce484222325;
  for (let i: usize = 0; i < size; i++) {
    h ^= <u64>load<u8>(base + i);
    h *= 0x100000001b3;
  }
  return mix64(h);
}

/** MurmurHash3's 64-bit finalizer: every input bit moves every output bit, and no two inputs
 * give one output. */
export function mix64(h: u64): u64 {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return h;
}

const HEX = "0123456789abcdef";

/** The low `digits` hex digits of `value`. */
export function hex(value: u64, digits: i32): string {
  let out = "";
  for (let i = digits - 1; i >= 0; i--) {
    out += HEX.charAt(<i32>((value >> (<u64>i * 4)) & 0xf));
  }
  return out;
}
