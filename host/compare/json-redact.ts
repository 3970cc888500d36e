import type { PathMatcher, PathNode, PathStep } from "../json-path/matcher.js";
import { JSON_BYTES, jsonLexer } from "./json-lexer.js";

// Constants of this module, so that V8 inlines them into the scan (see json-lexer.ts).
const { CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE } = JSON_BYTES;
const { decodeString, skipSpace, skipString, skipValue } = jsonLexer;

export const REDACTED = Buffer.from('"[redacted]"');

/**
 * The JSON text with every value that `redact` names replaced by "[redacted]", every other byte
 * as it was (numbers keep their digits, keys their order); null when the bytes are not exactly one
 * JSON value, which then cannot be redacted. Iterative, linear in the text.
 *
 * `prefix` is for a text cut short (a body captured up to its cap): the redacted text up to the
 * first place it stops being JSON, where it was cut, and nothing after; never null. Whatever is
 * kept was read as JSON, with every named value replaced; an unfinished value at a named place
 * is left out whole.
 */
export function redactJsonText(bytes: Buffer, redact: PathMatcher, options: { prefix?: boolean } = {}): Buffer | null {
  if (redact.matchesRoot) return jsonLexer.isOneValue(bytes) ? REDACTED : options.prefix === true ? Buffer.alloc(0) : null;
  const pieces: Buffer[] = [];
  let copiedTo = 0;
  // Where the text stops being JSON: null, or, for a prefix, what was read before that point.
  const stop = (at: number): Buffer | null => {
    if (options.prefix !== true) return null;
    pieces.push(bytes.subarray(copiedTo, Math.max(copiedTo, at)));
    return Buffer.concat(pieces);
  };
  // Per open container: whether it is an array, and its place.
  const arrays: boolean[] = [];
  const places: PathNode[] = [];
  let place = redact.root;
  let i = skipSpace(bytes, 0);
  let child: PathStep | undefined;
  for (;;) {
    // At a value; `child` is set inside a container.
    if (child !== undefined && child.matched) {
      const end = skipValue(bytes, i);
      if (end < 0) return stop(i);
      pieces.push(bytes.subarray(copiedTo, i), REDACTED);
      copiedTo = end;
      i = end;
    } else {
      if (child !== undefined) place = child.node;
      const c = bytes[i];
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        const inner = skipSpace(bytes, i + 1);
        if (bytes[inner] === (c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) {
          i = inner + 1;
        } else {
          arrays.push(c === OPEN_ARRAY);
          places.push(place);
          i = inner;
          child = c === OPEN_ARRAY ? redact.step(place, 0) : undefined;
          if (c === OPEN_OBJECT) {
            const member = i;
            i = memberValue(bytes, i, place, redact, (step) => (child = step));
            if (i < 0) return stop(member);
          }
          continue;
        }
      } else {
        const end = skipValue(bytes, i);
        if (end < 0) return stop(i);
        i = end;
      }
    }
    // Just past a value: close what ends here, then a comma leads to the next value.
    child = undefined;
    for (;;) {
      const depth = arrays.length;
      if (depth === 0) {
        if (skipSpace(bytes, i) !== bytes.length) return stop(i);
        pieces.push(bytes.subarray(copiedTo));
        return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
      }
      i = skipSpace(bytes, i);
      const b = bytes[i];
      const isArray = arrays[depth - 1] as boolean;
      const parent = places[depth - 1] as PathNode;
      if (b === (isArray ? CLOSE_ARRAY : CLOSE_OBJECT)) {
        arrays.pop();
        places.pop();
        i++;
        continue;
      }
      if (b !== COMMA) return stop(i);
      i = skipSpace(bytes, i + 1);
      if (isArray) {
        child = redact.step(parent, 0);
      } else {
        const member = i;
        i = memberValue(bytes, i, parent, redact, (step) => (child = step));
        if (i < 0) return stop(member);
      }
      break;
    }
  }
}

/** Reads `"key" :` at `at`, tells the key's step, and returns the position of the member's value (or -1). */
function memberValue(bytes: Buffer, at: number, parent: PathNode, redact: PathMatcher, found: (step: PathStep) => void): number {
  if (bytes[at] !== QUOTE) return -1;
  const end = skipString(bytes, at);
  if (end < 0) return -1;
  // An escape can spell a name in more bytes than it has: such a key is decoded to be known.
  const escaped = bytes.subarray(at, end).indexOf(0x5c) >= 0;
  found(escaped ? redact.step(parent, decodeString(bytes, at, end)) : redact.stepBytes(parent, bytes, at + 1, end - 1));
  const colon = skipSpace(bytes, end);
  if (bytes[colon] !== COLON) return -1;
  return skipSpace(bytes, colon + 1);
}
