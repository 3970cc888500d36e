// Identities: the configuration's version (a hash of its bytes) and a pair id made from host
// randomness when a request has no x-request-id.
import { randomU64 } from "../abi/hostcalls";

function fnv1a32(bytes: ArrayBuffer): u32 {
  let h: u32 = 0x811c9dc5;
  const base = changetype<usize>(bytes);
  for (let i = 0; i < bytes.byteLength; i++) {
    h ^= <u32>load<u8>(base + <usize>i);
    h *= 0x01000193;
  }
  return h;
}

const HEX = "0123456789abcdef";

function hex(value: u64, digits: i32): string {
  let out = "";
  for (let i = digits - 1; i >= 0; i--) {
    out += HEX.charAt(<i32>((value >> (<u64>i * 4)) & 0xf));
  }
  return out;
}

/** 8 hex digits that change when any byte of the plugin configuration does. */
export function configVersion(configuration: ArrayBuffer): string {
  return hex(<u64>fnv1a32(configuration), 8);
}

/** 32 hex digits from 128 random bits. */
export function randomPairId(): ArrayBuffer {
  return String.UTF8.encode(hex(randomU64(), 16) + hex(randomU64(), 16));
}
