// Identities: the configuration's version (a hash of its text, less the collector's token) and a
// pair id made from host randomness when a request has no x-request-id.
import { randomU64 } from "../abi/hostcalls";
import { fnv1a32, hex } from "./hash";

/** 8 hex digits that change when any character of the plugin configuration does, but those of
 * the token at [tokenStart, tokenEnd): nothing of a secret travels in a pair. */
export function configVersion(text: string, tokenStart: i32, tokenEnd: i32): string {
  const kept = tokenEnd > tokenStart ? text.substring(0, tokenStart) + text.substring(tokenEnd) : text;
  const bytes = String.UTF8.encode(kept);
  return hex(<u64>fnv1a32(changetype<usize>(bytes), <usize>bytes.byteLength), 8);
}

/** 32 hex digits from 128 random bits. */
export function randomPairId(): ArrayBuffer {
  return String.UTF8.encode(hex(randomU64(), 16) + hex(randomU64(), 16));
}
