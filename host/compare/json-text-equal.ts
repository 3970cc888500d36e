import type { PathMatcher, PathNode, PathStep } from "../json-path/matcher.js";
import { JSON_BYTES, jsonLexer, type StringToken } from "./json-lexer.js";

// Constants of this module, so that V8 inlines them into the scan (see json-lexer.ts).
const { CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, MINUS, NINE, OPEN_ARRAY, OPEN_OBJECT, QUOTE, ZERO } = JSON_BYTES;
const { decodeString, isOneValue, isTokenByte, sameString, skipLiteral, skipNumber, skipSpace, skipValue } = jsonLexer;

// Live traffic mostly differs only in ignored fields (a timestamp, a request id), so most pairs
// can be settled on the JSON texts themselves: both texts are scanned side by side, token by
// token, and must be the same token for token (whitespace aside) except inside values an ignore
// path covers, which are only checked to be valid JSON. Only `true` is an answer: `false` means
// "not settled here", and the caller parses and diffs as usual. Structure and tokens being the
// same outside ignored values means JSON.parse would give equal values there, so the structural
// diff would find nothing; anything unusual (a difference elsewhere, other key order, invalid
// JSON, a byte-order mark) falls back.

const IN_OBJECT = 0;
const IN_ARRAY = 1;

/** True when both texts are valid JSON and the same outside values that `ignore` covers. */
export function jsonTextsEqualOutsideIgnored(p: Buffer, s: Buffer, ignore: PathMatcher): boolean {
  if (ignore.matchesRoot) return isOneValue(p) && isOneValue(s);
  // Per open container: its kind and its place.
  const kinds: number[] = [];
  const places: PathNode[] = [];
  let i = skipSpace(p, 0);
  let j = skipSpace(s, 0);
  let place = ignore.root;
  // Each turn starts at a value, or (`afterValue`) just past one. `child` is set at a value inside
  // a container: the edge its key or index follows, which may make an ignore path cover it.
  let afterValue = false;
  let child: PathStep | undefined;
  const key: StringToken = { escaped: false };
  for (;;) {
    if (child !== undefined) {
      if (child.matched) {
        // Each side's value only has to be valid JSON.
        i = skipValue(p, i);
        j = skipValue(s, j);
        if (i < 0 || j < 0) return false;
        afterValue = true;
      } else {
        place = child.node;
      }
      child = undefined;
    }
    if (!afterValue) {
      const c = p[i];
      if (c !== s[j]) return false;
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        i = skipSpace(p, i + 1);
        j = skipSpace(s, j + 1);
        const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
        const empty = p[i] === close;
        if (empty !== (s[j] === close)) return false;
        if (empty) {
          i++;
          j++;
          afterValue = true;
          continue;
        }
        places.push(place);
        if (c === OPEN_ARRAY) {
          kinds.push(IN_ARRAY);
          child = ignore.step(place, 0);
          continue;
        }
        kinds.push(IN_OBJECT);
      } else if (c === QUOTE) {
        const end = sameString(p, i, s, j);
        if (end < 0) return false;
        j += end - i;
        i = end;
        afterValue = true;
        continue;
      } else {
        const end = c === MINUS || (c !== undefined && c >= ZERO && c <= NINE) ? skipNumber(p, i) : skipLiteral(p, i);
        if (end < 0) return false;
        for (let k = 1; k < end - i; k++) if (p[i + k] !== s[j + k]) return false;
        j += end - i;
        i = end;
        // The shadow's token must end where the primary's does (`1` against `12`).
        if (isTokenByte(s[j])) return false;
        afterValue = true;
        continue;
      }
    } else {
      i = skipSpace(p, i);
      j = skipSpace(s, j);
      const depth = kinds.length;
      if (depth === 0) return i === p.length && j === s.length;
      const c = p[i];
      if (c !== s[j]) return false;
      i = skipSpace(p, i + 1);
      j = skipSpace(s, j + 1);
      const kind = kinds[depth - 1];
      if ((kind === IN_OBJECT && c === CLOSE_OBJECT) || (kind === IN_ARRAY && c === CLOSE_ARRAY)) {
        kinds.pop();
        places.pop();
        continue;
      }
      if (c !== COMMA) return false;
      afterValue = false;
      if (kind === IN_ARRAY) {
        child = ignore.step(places[depth - 1] as PathNode, 0);
        continue;
      }
    }
    // At an object's member, whose key comes first.
    if (p[i] !== QUOTE) return false;
    const end = sameString(p, i, s, j, key);
    if (end < 0) return false;
    const parent = places[places.length - 1] as PathNode;
    // An escape can spell a name in more bytes than it has: such a key is decoded to be known.
    child = key.escaped ? ignore.step(parent, decodeString(p, i, end)) : ignore.stepBytes(parent, p, i + 1, end - 1);
    j = skipSpace(s, j + (end - i));
    i = skipSpace(p, end);
    if (p[i] !== COLON || s[j] !== COLON) return false;
    i = skipSpace(p, i + 1);
    j = skipSpace(s, j + 1);
  }
}
