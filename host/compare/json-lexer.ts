// JSON tokens read straight from UTF-8 bytes, as RFC 8259 writes them: each function takes the
// position of a token and returns the position just past it, or -1 when the bytes there are not a
// valid token. Nothing is decoded or allocated.
//
// Everything is exported as two objects (JSON_BYTES, jsonLexer) that a user reads into constants
// of its own module: V8 inlines a module's own constants into a hot loop, but not bindings
// exported from a module (module variables), which costs the text scan about 15%.

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

/** Past the string whose opening quote is at `at`. */
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

/** What sameString saw of a string besides where it ends. */
export interface StringToken {
  /** It holds an escape, so its bytes may not spell its value. */
  escaped: boolean;
}

/**
 * Compares the string tokens whose opening quotes are at `i` in `p` and `j` in `s` byte for byte,
 * checking that they are valid JSON strings. Returns the position past the primary's closing
 * quote, or -1 when they differ or are invalid; `token`, when given, is filled in.
 */
function sameString(p: Buffer, i: number, s: Buffer, j: number, token?: StringToken): number {
  if (token !== undefined) token.escaped = false;
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
      if (token !== undefined) token.escaped = true;
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

/** Past a JSON number (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?) at `at`. */
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

/** Past `true`, `false` or `null` at `at`. */
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

/** Past one whole JSON value at `at` (whitespace after it not included). Iterative: depth costs no stack. */
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

/** Past `"key" :` and the whitespace after it. */
function skipKey(bytes: Buffer, at: number): number {
  if (bytes[at] !== QUOTE) return -1;
  let i = skipString(bytes, at);
  if (i < 0) return -1;
  i = skipSpace(bytes, i);
  if (bytes[i] !== COLON) return -1;
  return skipSpace(bytes, i + 1);
}

/** The value of the valid string token [at, end), quotes included. */
function decodeString(bytes: Buffer, at: number, end: number): string {
  return JSON.parse(bytes.toString("utf8", at, end)) as string;
}

/** Whether the bytes are exactly one JSON value, with whitespace around it at most. */
function isOneValue(bytes: Buffer): boolean {
  const end = skipValue(bytes, skipSpace(bytes, 0));
  return end >= 0 && skipSpace(bytes, end) === bytes.length;
}

/** The byte values of JSON's structural characters. */
export const JSON_BYTES = { QUOTE, BACKSLASH, COMMA, COLON, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, MINUS, ZERO, NINE } as const;

/** The token functions. */
export const jsonLexer = { skipSpace, isTokenByte, skipString, sameString, skipNumber, skipLiteral, skipValue, decodeString, isOneValue } as const;
