// A small JSON reader for the plugin configuration: the whole document into a tree, or why and
// where it stopped. It reads RFC 8259's grammar exactly (no leading zeros, no "+1", ".5", "1.",
// NaN or Infinity) and holds no more than limits.ts allows: nesting, string length, entries per
// array or object. Objects keep their keys in order, duplicates included, so the configuration
// rules can refuse them by name.
import { MAX_JSON_DEPTH, MAX_JSON_ENTRIES, MAX_JSON_STRING } from "./limits";

export enum JsonKind { Null, Bool, Number, String, Array, Object }

/** Why reading stopped: not JSON at all, or JSON past one of the reader's limits. */
export enum JsonError { None, Syntax, TooDeep, StringTooLong, TooManyEntries }

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  number: f64 = 0;
  text: string = "";
  items: Array<JsonValue> = [];
  keys: Array<string> = [];
  /** Where the value lies in the text: [start, end) characters. */
  start: i32 = 0;
  end: i32 = 0;
}

export class JsonResult {
  constructor(
    public value: JsonValue | null,
    public error: JsonError,
    /** Character offset where reading stopped. */
    public errorOffset: i32,
    /** The top-level key whose value was being read when it stopped; "" outside one. */
    public errorKey: string,
  ) {}
}

// Numbers are read without a general decimal parser (the module's size is bounded): a mantissa
// below 2^53 scaled by an exact power of ten is correctly rounded, which covers every setting
// (integers, and decimals up to 15 significant digits and 22 places); beyond that, close.
const EXACT_MANTISSA: f64 = 900719925474099.0; // 2^53 / 10: one more digit keeps it exact
const EXPONENT_CAP: f64 = 100000; // past any finite double

function scaled(mantissa: f64, exponent: i32): f64 {
  let power: f64 = 1;
  const steps = exponent < 0 ? -exponent : exponent;
  for (let i = 0; i < steps && power < Infinity; i++) power *= 10;
  return exponent < 0 ? mantissa / power : mantissa * power;
}

class Reader {
  pos: i32 = 0;
  failed: bool = false;
  error: JsonError = JsonError.None;
  /** The top-level key being read, so an error can name it. */
  key: string = "";
  /** The number being read: mantissa × 10^exponent. */
  mantissa: f64 = 0;
  exponent: i32 = 0;
  constructor(public src: string) {}

  peek(): i32 { return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1; }

  skipSpace(): void {
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  fail(error: JsonError = JsonError.Syntax): JsonValue {
    if (!this.failed) this.error = error;
    this.failed = true;
    return new JsonValue();
  }

  value(depth: i32): JsonValue {
    if (depth >= MAX_JSON_DEPTH) return this.fail(JsonError.TooDeep);
    this.skipSpace();
    const start = this.pos;
    const v = this.bareValue(depth);
    v.start = start;
    v.end = this.pos;
    return v;
  }

  bareValue(depth: i32): JsonValue {
    const c = this.peek();
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const v = new JsonValue();
      v.kind = JsonKind.String;
      v.text = this.string();
      return v;
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.literal("true")) { const v = new JsonValue(); v.kind = JsonKind.Bool; v.bool = true; return v; }
    if (this.literal("false")) { const v = new JsonValue(); v.kind = JsonKind.Bool; return v; }
    if (this.literal("null")) return new JsonValue();
    return this.fail();
  }

  literal(word: string): bool {
    for (let i = 0; i < word.length; i++) {
      if (this.src.charCodeAt(this.pos + i) != word.charCodeAt(i)) return false;
    }
    this.pos += word.length;
    return true;
  }

  object(depth: i32): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Object;
    this.pos++;
    this.skipSpace();
    if (this.peek() == 0x7d) { this.pos++; return v; }
    while (!this.failed) {
      this.skipSpace();
      if (this.peek() != 0x22) return this.fail();
      if (v.keys.length == MAX_JSON_ENTRIES) return this.fail(JsonError.TooManyEntries);
      const key = this.string();
      if (this.failed) return v;
      this.skipSpace();
      if (this.peek() != 0x3a) return this.fail();
      this.pos++;
      if (depth == 0) this.key = key;
      const item = this.value(depth + 1);
      if (this.failed) return v;
      if (depth == 0) this.key = "";
      v.keys.push(key);
      v.items.push(item);
      this.skipSpace();
      const c = this.peek();
      if (c == 0x2c) { this.pos++; continue; }
      if (c == 0x7d) { this.pos++; return v; }
      return this.fail();
    }
    return v;
  }

  array(depth: i32): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Array;
    this.pos++;
    this.skipSpace();
    if (this.peek() == 0x5d) { this.pos++; return v; }
    while (!this.failed) {
      if (v.items.length == MAX_JSON_ENTRIES) return this.fail(JsonError.TooManyEntries);
      v.items.push(this.value(depth + 1));
      if (this.failed) return v;
      this.skipSpace();
      const c = this.peek();
      if (c == 0x2c) { this.pos++; continue; }
      if (c == 0x5d) { this.pos++; return v; }
      return this.fail();
    }
    return v;
  }

  hex4(): i32 {
    let code = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.peek();
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      if (d < 0) { this.fail(); return 0; }
      code = (code << 4) | d;
      this.pos++;
    }
    return code;
  }

  string(): string {
    this.pos++; // opening quote
    let out = "";
    let runStart = this.pos;
    while (true) {
      if (out.length + this.pos - runStart > MAX_JSON_STRING) { this.fail(JsonError.StringTooLong); return out; }
      const c = this.peek();
      if (c < 0x20) { this.fail(); return out; }
      if (c == 0x22) {
        out += this.src.substring(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c != 0x5c) { this.pos++; continue; }
      out += this.src.substring(runStart, this.pos);
      this.pos++;
      const e = this.peek();
      this.pos++;
      let code = -1;
      switch (e) {
        case 0x22: case 0x5c: case 0x2f: code = e; break; // " \ /
        case 0x62: code = 0x08; break; // b
        case 0x66: code = 0x0c; break; // f
        case 0x6e: code = 0x0a; break; // n
        case 0x72: code = 0x0d; break; // r
        case 0x74: code = 0x09; break; // t
        case 0x75: code = this.hex4(); break; // u and four hex digits
      }
      if (code < 0) { this.fail(); return out; }
      out += String.fromCharCode(code);
      if (this.failed) return out;
      runStart = this.pos;
    }
  }

  number(): JsonValue {
    const negative = this.peek() == 0x2d;
    if (negative) this.pos++;
    const integerStart = this.pos;
    if (!this.digits(true)) return this.fail();
    // A leading zero stands alone: "05" is not JSON.
    if (this.src.charCodeAt(integerStart) == 0x30 && this.pos - integerStart > 1) return this.fail();
    if (this.peek() == 0x2e) {
      this.pos++;
      const fractionStart = this.pos;
      if (!this.digits(true)) return this.fail();
      this.exponent -= this.pos - fractionStart;
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      this.pos++;
      const sign = this.peek();
      if (sign == 0x2b || sign == 0x2d) this.pos++;
      const mantissa = this.mantissa;
      this.mantissa = 0;
      if (!this.digits(false)) return this.fail();
      this.exponent += sign == 0x2d ? -<i32>this.mantissa : <i32>this.mantissa;
      this.mantissa = mantissa;
    }
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    v.number = scaled(negative ? -this.mantissa : this.mantissa, this.exponent);
    this.mantissa = 0;
    this.exponent = 0;
    return v;
  }

  /** Reads digits into `mantissa`: while it stays exact (a significand digit past that only
   * moves the exponent, when `significand`), or up to a cap (an exponent). */
  digits(significand: bool): bool {
    const start = this.pos;
    const cap = significand ? EXACT_MANTISSA : EXPONENT_CAP;
    while (true) {
      const c = this.peek();
      if (c < 0x30 || c > 0x39) break;
      if (cap > this.mantissa) this.mantissa = this.mantissa * 10 + <f64>(c - 0x30);
      else if (significand) this.exponent++;
      this.pos++;
    }
    return this.pos > start;
  }

}

export function parseJson(text: string): JsonResult {
  const reader = new Reader(text);
  const value = reader.value(0);
  reader.skipSpace();
  if (!reader.failed && reader.pos != text.length) reader.fail();
  if (reader.failed) return new JsonResult(null, reader.error, reader.pos, reader.key);
  return new JsonResult(value, JsonError.None, -1, "");
}
