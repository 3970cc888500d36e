import { JSON_BYTES, jsonLexer } from "./json-lexer.js";
import { doublesHoldExactly, ExactNumber, isSafeNumberText, mayHoldInexactNumbers } from "./json-number.js";

// Constants of this module, so that V8 inlines them into the loop (see json-lexer.ts).
const { CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, MINUS, NINE, OPEN_ARRAY, OPEN_OBJECT, QUOTE, ZERO } = JSON_BYTES;
const { skipLiteral, skipNumber, skipSpace, skipString } = jsonLexer;

export type ParsedJson = { ok: true; value: unknown } | { ok: false };

/**
 * Parses a JSON body for the structural diff: by JSON.parse when its doubles hold every number
 * exactly, else by parseKeepingNumbers, whose numbers past a double's precision are
 * ExactNumbers. Either way the values are the same JSON.
 */
export function parseJsonBody(bytes: Buffer): ParsedJson {
  const text = bytes.toString("utf8");
  if (mayHoldInexactNumbers(bytes) && !doublesHoldExactly(text)) return parseKeepingNumbers(bytes);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

interface Open {
  container: unknown[] | Record<string, unknown>;
  /** The member name whose value comes next, in an object. */
  key: string;
}

/**
 * JSON.parse's values, except that a number JSON.parse would round is an ExactNumber holding its
 * text. Iterative: nesting costs an array entry, never a stack frame. Accepts and refuses exactly
 * what JSON.parse does (RFC 8259), strings with invalid UTF-8 read with U+FFFD alike.
 */
export function parseKeepingNumbers(bytes: Buffer): ParsedJson {
  const open: Open[] = [];
  let i = skipSpace(bytes, 0);
  for (;;) {
    // At a value.
    let value: unknown;
    const c = bytes[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const container = c === OPEN_OBJECT ? {} : [];
      i = skipSpace(bytes, i + 1);
      if (bytes[i] === (c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        i++;
        value = container;
      } else {
        const entry: Open = { container, key: "" };
        open.push(entry);
        if (c === OPEN_OBJECT) {
          i = readKey(bytes, i, entry);
          if (i < 0) return { ok: false };
        }
        continue;
      }
    } else if (c === QUOTE) {
      const end = skipString(bytes, i);
      if (end < 0) return { ok: false };
      value = stringValue(bytes, i, end);
      i = end;
    } else if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) {
      const end = skipNumber(bytes, i);
      if (end < 0) return { ok: false };
      const text = bytes.toString("latin1", i, end);
      value = isSafeNumberText(text) ? Number(text) : new ExactNumber(text);
      i = end;
    } else {
      const end = skipLiteral(bytes, i);
      if (end < 0) return { ok: false };
      value = c === 0x74 ? true : c === 0x66 ? false : null;
      i = end;
    }
    // Just past a value: it goes into its container; closing brackets end theirs, a comma leads on.
    for (;;) {
      const entry = open[open.length - 1];
      if (entry === undefined) return skipSpace(bytes, i) === bytes.length ? { ok: true, value } : { ok: false };
      add(entry, value);
      i = skipSpace(bytes, i);
      const b = bytes[i];
      const isArray = Array.isArray(entry.container);
      if (b === (isArray ? CLOSE_ARRAY : CLOSE_OBJECT)) {
        open.pop();
        value = entry.container;
        i++;
        continue;
      }
      if (b !== COMMA) return { ok: false };
      i = skipSpace(bytes, i + 1);
      if (!isArray) {
        i = readKey(bytes, i, entry);
        if (i < 0) return { ok: false };
      }
      break;
    }
  }
}

function add(entry: Open, value: unknown): void {
  const { container } = entry;
  if (Array.isArray(container)) container.push(value);
  // As JSON.parse does: "__proto__" is an own member, never the object's prototype.
  else if (entry.key === "__proto__") Object.defineProperty(container, entry.key, { value, enumerable: true, writable: true, configurable: true });
  else container[entry.key] = value;
}

/** Reads `"key" :` at `at` into `entry.key`; returns the position of the value, or -1. */
function readKey(bytes: Buffer, at: number, entry: Open): number {
  if (bytes[at] !== QUOTE) return -1;
  const end = skipString(bytes, at);
  if (end < 0) return -1;
  entry.key = stringValue(bytes, at, end);
  const colon = skipSpace(bytes, end);
  if (bytes[colon] !== COLON) return -1;
  return skipSpace(bytes, colon + 1);
}

/** The value of the valid string token [at, end), quotes included. */
function stringValue(bytes: Buffer, at: number, end: number): string {
  // Without a backslash the bytes are the value.
  if (bytes.subarray(at, end).indexOf(0x5c) < 0) return bytes.toString("utf8", at + 1, end - 1);
  return JSON.parse(bytes.toString("utf8", at, end)) as string;
}
