// Text as the capture contract takes it: valid UTF-8 (bytes that are not become U+FFFD), cut at a
// character boundary to the field's limit (limits.ts), and an over-long request id shortened so
// that two long ids stay told apart.
import { mixedHash64, hex } from "./hash";
import { ID_HASH_DIGITS, ID_KEPT_BYTES, MAX_ID_BYTES } from "./limits";
import { validUtf8 } from "./utf8";

// Enough of the bytes past the limit that a character straddling it is read whole.
const LONGEST_CHARACTER: i32 = 4;

/** Whether the last fitText cut something off. */
export let lastCut = false;

/** The `size` bytes at `ptr` as valid UTF-8 of at most `limit` bytes, copied. */
export function fitText(ptr: usize, size: usize, limit: i32): ArrayBuffer {
  const take = size < <usize>(limit + LONGEST_CHARACTER) ? size : <usize>(limit + LONGEST_CHARACTER);
  const raw = new ArrayBuffer(<i32>take);
  memory.copy(changetype<usize>(raw), ptr, take);
  const valid = validUtf8(raw);
  lastCut = take < size || valid.byteLength > limit;
  return lastCut ? cutAtCharacter(valid, limit) : valid;
}

/** The longest prefix of valid UTF-8 `text` of at most `limit` bytes that ends between characters. */
function cutAtCharacter(text: ArrayBuffer, limit: i32): ArrayBuffer {
  const base = changetype<usize>(text);
  let end = limit < text.byteLength ? limit : text.byteLength;
  while (end > 0 && end < text.byteLength && (load<u8>(base + <usize>end) & 0xc0) == 0x80) end--;
  return text.slice(0, end);
}

/** Whether the last pairId shortened the id. */
export let lastShortened = false;

/** A request id for Pair.id: as it is up to MAX_ID_BYTES, else its first ID_KEPT_BYTES, "~" and
 * ID_HASH_DIGITS hex digits of a hash of the whole id. */
export function pairId(ptr: usize, size: usize): ArrayBuffer {
  const valid = fitText(ptr, size, MAX_ID_BYTES);
  lastShortened = lastCut;
  if (!lastCut) return valid;
  const suffix = String.UTF8.encode("~" + hex(mixedHash64(ptr, size) >> 4, ID_HASH_DIGITS));
  const kept = cutAtCharacter(valid, ID_KEPT_BYTES);
  const out = new ArrayBuffer(kept.byteLength + suffix.byteLength);
  memory.copy(changetype<usize>(out), changetype<usize>(kept), <usize>kept.byteLength);
  memory.copy(changetype<usize>(out) + <usize>kept.byteLength, changetype<usize>(suffix), <usize>suffix.byteLength);
  return out;
}
