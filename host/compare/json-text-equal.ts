import { advance, initialStates, type CompiledPaths, type MatchFlag, type PathSegment, type PathStates } from "./json-path.js";

// Live traffic mostly differs only in ignored fields (a timestamp, a request id), so most pairs
// can be settled on the JSON texts themselves: both texts are scanned side by side, token by
// token, and must be the same token for token (whitespace aside) except inside values an ignore
// path covers, which are only checked to be valid JSON. Only `true` is an answer: `false` means
// "not settled here", and the caller parses and diffs as usual. Structure and tokens being the
// same outside ignored values means JSON.parse would give equal values there, so the structural
// diff would find nothing; anything unusual (a difference elsewhere, other key order, invalid
// JSON, a byte-order mark) falls back.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const IN_OBJECT = 0;
const IN_ARRAY = 1;

/** What the ignore paths can tell apart: a key that is none of their names acts like any other. */
interface KeyNames {
  names: ReadonlySet<string>;
  /** The names as UTF-8 bytes, by byte length, to recognise a key without decoding it. */
  byLength: readonly ((readonly { bytes: Buffer; name: string }[]) | undefined)[];
  /** Names that `$..name` ignores at any depth. */
  anywhere: ReadonlySet<string>;
  /** The states at the root, one array for every body, so transitions from it can be remembered. */
  initial: PathStates;
  /**
   * advance() results by parent states and segment (a name or `other`), so each is worked out
   * once. Finite whatever the bodies: segments are the configured names or `other`, and the
   * states reached from `initial` through them are the same arrays every time.
   */
  transitions: WeakMap<PathStates, Map<string, Transition>>;
  /** Stands for every key that is not a name; chosen to be none of them. */
  other: string;
}

const keyNamesCache = new WeakMap<CompiledPaths, KeyNames>();

function keyNamesOf(paths: CompiledPaths): KeyNames {
  let cached = keyNamesCache.get(paths);
  if (!cached) {
    const names = new Set<string>(paths.anywhere);
    for (const steps of paths.patterns) for (const step of steps) if (step.kind !== "any") names.add(step.name);
    let other = "\u0000";
    while (names.has(other)) other += "\u0000";
    const byLength: { bytes: Buffer; name: string }[][] = [];
    for (const name of names) {
      const bytes = Buffer.from(name);
      (byLength[bytes.length] ??= []).push({ bytes, name });
    }
    cached = { names, byLength, anywhere: paths.anywhere, other, initial: initialStates(paths), transitions: new WeakMap() };
    keyNamesCache.set(paths, cached);
  }
  return cached;
}

interface Transition {
  states: PathStates;
  ignored: boolean;
}

function transition(paths: CompiledPaths, keyNames: KeyNames, parent: PathStates, segment: string): Transition {
  let bySegment = keyNames.transitions.get(parent);
  if (bySegment === undefined) {
    bySegment = new Map();
    keyNames.transitions.set(parent, bySegment);
  }
  let next = bySegment.get(segment);
  if (next === undefined) {
    const flag: MatchFlag = { matched: false };
    next = { states: advance(paths, parent, segment, flag), ignored: flag.matched };
    bySegment.set(segment, next);
  }
  return next;
}

/** True when both texts are valid JSON and the same outside values that `ignore` covers. */
export function jsonTextsEqualOutsideIgnored(p: Buffer, s: Buffer, ignore: CompiledPaths): boolean {
  const keyNames = keyNamesOf(ignore);
  const kinds: number[] = [];
  const states: PathStates[] = [];
  const indices: number[] = [];
  // Per open container: the states of its children whose segment is an index or a key no path
  // names (all alike, so worked out once per container), and whether those are ignored.
  const plainStates: (PathStates | null)[] = [];
  const plainIgnored: boolean[] = [];
  let i = skipSpace(p, 0);
  let j = skipSpace(s, 0);
  let valueStates = keyNames.initial;
  let segment: PathSegment = "";

  // Each turn starts at a value, or (`afterValue`) just past one. `atChild` marks a value inside
  // a container, whose segment may make an ignore path cover it.
  let afterValue = false;
  let atChild = false;
  for (;;) {
    if (atChild) {
      atChild = false;
      const top = states.length - 1;
      const parent = states[top] as PathStates;
      let ignored: boolean;
      if (typeof segment === "number" || segment === keyNames.other) {
        let plain = plainStates[top] as PathStates | null;
        if (plain === null) {
          const next = transition(ignore, keyNames, parent, keyNames.other);
          plain = next.states;
          plainStates[top] = plain;
          plainIgnored[top] = next.ignored;
        }
        valueStates = plain;
        ignored = plainIgnored[top] as boolean;
      } else if (keyNames.anywhere.has(segment)) {
        ignored = true;
      } else {
        const next = transition(ignore, keyNames, parent, segment);
        valueStates = next.states;
        ignored = next.ignored;
      }
      if (ignored) {
        // Each side's value only has to be valid JSON.
        i = skipValue(p, i);
        j = skipValue(s, j);
        if (i < 0 || j < 0) return false;
        afterValue = true;
      }
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
        kinds.push(c === OPEN_OBJECT ? IN_OBJECT : IN_ARRAY);
        states.push(valueStates);
        indices.push(0);
        plainStates.push(null);
        plainIgnored.push(false);
        segment = 0;
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
        states.pop();
        indices.pop();
        plainStates.pop();
        plainIgnored.pop();
        continue;
      }
      if (c !== COMMA) return false;
      afterValue = false;
      if (kind === IN_ARRAY) {
        const index = (indices[depth - 1] as number) + 1;
        indices[depth - 1] = index;
        segment = index;
        atChild = true;
        continue;
      }
    }
    // At an element (segment set above) or at an object's member, whose key comes first.
    if (kinds[kinds.length - 1] === IN_OBJECT) {
      if (p[i] !== QUOTE) return false;
      const end = sameString(p, i, s, j);
      if (end < 0) return false;
      segment = keySegment(p, i + 1, end - 1, keyNames, lastStringEscaped);
      j = skipSpace(s, j + (end - i));
      i = skipSpace(p, end);
      if (p[i] !== COLON || s[j] !== COLON) return false;
      i = skipSpace(p, i + 1);
      j = skipSpace(s, j + 1);
    }
    atChild = true;
  }
}

/** The key between `start` and `end` (exclusive) as the ignore paths need it. */
function keySegment(p: Buffer, start: number, end: number, keyNames: KeyNames, escaped: boolean): string {
  if (escaped) {
    // An escape can spell a name in more bytes than it has: decode the key to know.
    const key = JSON.parse(p.toString("utf8", start - 1, end + 1)) as string;
    return keyNames.names.has(key) ? key : keyNames.other;
  }
  const candidates = keyNames.byLength[end - start];
  if (candidates === undefined) return keyNames.other;
  search: for (const { bytes, name } of candidates) {
    for (let k = 0; k < bytes.length; k++) if (bytes[k] !== p[start + k]) continue search;
    return name;
  }
  return keyNames.other;
}

/** Whether the string sameString last compared had an escape (a second result, without allocating). */
let lastStringEscaped = false;

/**
 * Compares the string tokens starting at the quotes at `i` and `j` byte for byte, checking they
 * are valid JSON strings. Returns the primary's position past its closing quote, or -1.
 */
function sameString(p: Buffer, i: number, s: Buffer, j: number): number {
  lastStringEscaped = false;
  const offset = j - i;
  const end = p.length;
  for (i++; i < end; ) {
    const b = p[i] as number;
    if (b !== s[i + offset]) return -1;
    if (b === QUOTE) return i + 1;
    if (b < 0x20) return -1;
    if (b === BACKSLASH) {
      const escapeEnd = skipEscape(p, i);
      if (escapeEnd < 0) return -1;
      for (let k = i + 1; k < escapeEnd; k++) if (p[k] !== s[k + offset]) return -1;
      i = escapeEnd;
      lastStringEscaped = true;
    } else {
      i++;
    }
  }
  return -1;
}

function skipSpace(bytes: Buffer, at: number): number {
  // JSON's whitespace is all below "!": one comparison settles the usual case.
  while (at < bytes.length && (bytes[at] as number) <= 0x20) {
    const b = bytes[at];
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) at++;
    else return at;
  }
  return at;
}

/** Letters and digits that would continue a number or literal token. */
function isTokenByte(b: number | undefined): boolean {
  return b !== undefined && ((b >= ZERO && b <= NINE) || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === DOT || b === MINUS || b === PLUS);
}

/** Past the escape at `at` (a backslash), or -1 when it is not one JSON allows. */
function skipEscape(bytes: Buffer, at: number): number {
  const e = bytes[at + 1];
  if (e === 0x75) {
    for (let k = 2; k < 6; k++) if (!isHex(bytes[at + k])) return -1;
    return at + 6;
  }
  return e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74 ? at + 2 : -1;
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= ZERO && b <= NINE) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46));
}

function skipString(bytes: Buffer, at: number): number {
  for (let i = at + 1; i < bytes.length; ) {
    const b = bytes[i] as number;
    if (b === QUOTE) return i + 1;
    if (b < 0x20) return -1;
    if (b === BACKSLASH) {
      i = skipEscape(bytes, i);
      if (i < 0) return -1;
    } else {
      i++;
    }
  }
  return -1;
}

function skipDigits(bytes: Buffer, at: number): number {
  while (true) {
    const b = bytes[at];
    if (b === undefined || b < ZERO || b > NINE) return at;
    at++;
  }
}

/** Past a JSON number (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?) at `at`, or -1. */
function skipNumber(bytes: Buffer, at: number): number {
  let i = at;
  if (bytes[i] === MINUS) i++;
  if (bytes[i] === ZERO) i++;
  else {
    const end = skipDigits(bytes, i);
    if (end === i) return -1;
    i = end;
  }
  if (bytes[i] === DOT) {
    const end = skipDigits(bytes, i + 1);
    if (end === i + 1) return -1;
    i = end;
  }
  if (bytes[i] === 0x65 || bytes[i] === 0x45) {
    i++;
    if (bytes[i] === PLUS || bytes[i] === MINUS) i++;
    const end = skipDigits(bytes, i);
    if (end === i) return -1;
    i = end;
  }
  return isTokenByte(bytes[i]) ? -1 : i;
}

const LITERALS = [Buffer.from("true"), Buffer.from("false"), Buffer.from("null")];

function skipLiteral(bytes: Buffer, at: number): number {
  const first = bytes[at];
  for (const literal of LITERALS) {
    if (literal[0] !== first) continue;
    for (let k = 1; k < literal.length; k++) if (bytes[at + k] !== literal[k]) return -1;
    const end = at + literal.length;
    return isTokenByte(bytes[end]) ? -1 : end;
  }
  return -1;
}

/** Past one whole JSON value at `at` (whitespace after it not included), or -1 when invalid. */
function skipValue(bytes: Buffer, at: number): number {
  const open: number[] = [];
  let i = at;
  for (;;) {
    // At a value.
    const c = bytes[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      i = skipSpace(bytes, i + 1);
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (bytes[i] === close) {
        i++;
      } else {
        open.push(c);
        if (c === OPEN_OBJECT) {
          i = skipKey(bytes, i);
          if (i < 0) return -1;
        }
        continue;
      }
    } else if (c === QUOTE) {
      i = skipString(bytes, i);
    } else if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) {
      i = skipNumber(bytes, i);
    } else {
      i = skipLiteral(bytes, i);
    }
    if (i < 0) return -1;
    // Just past a value: close what ends here, then a comma leads to the next value.
    for (;;) {
      if (open.length === 0) return i;
      i = skipSpace(bytes, i);
      const b = bytes[i];
      const container = open[open.length - 1];
      if ((container === OPEN_OBJECT && b === CLOSE_OBJECT) || (container === OPEN_ARRAY && b === CLOSE_ARRAY)) {
        open.pop();
        i++;
        continue;
      }
      if (b !== COMMA) return -1;
      i = skipSpace(bytes, i + 1);
      if (container === OPEN_OBJECT) {
        i = skipKey(bytes, i);
        if (i < 0) return -1;
      }
      break;
    }
  }
}

/** Past `"key" :` and the whitespace after it, or -1. */
function skipKey(bytes: Buffer, at: number): number {
  if (bytes[at] !== QUOTE) return -1;
  let i = skipString(bytes, at);
  if (i < 0) return -1;
  i = skipSpace(bytes, i);
  if (bytes[i] !== COLON) return -1;
  return skipSpace(bytes, i + 1);
}
