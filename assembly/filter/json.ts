// A small JSON reader for the plugin configuration: the whole document into a tree, or the byte
// offset where it stops being JSON. Objects keep their keys in order, duplicates included, so the
// configuration rules can refuse them by name.

export enum JsonKind { Null, Bool, Number, String, Array, Object }

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  number: f64 = 0;
  text: string = "";
  items: Array<JsonValue> = [];
  keys: Array<string> = [];
}

export class JsonResult {
  constructor(public value: JsonValue | null, public errorOffset: i32) {}
}

class Reader {
  pos: i32 = 0;
  failed: bool = false;
  constructor(public src: string) {}

  peek(): i32 { return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1; }

  skipSpace(): void {
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  fail(): JsonValue {
    this.failed = true;
    return new JsonValue();
  }

  value(depth: i32): JsonValue {
    if (depth > 32) return this.fail();
    this.skipSpace();
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
    if (this.src.substr(this.pos, word.length) != word) return false;
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
      const key = this.string();
      this.skipSpace();
      if (this.peek() != 0x3a) return this.fail();
      this.pos++;
      const item = this.value(depth + 1);
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
      v.items.push(this.value(depth + 1));
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
      if (d < 0) { this.failed = true; return 0; }
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
      const c = this.peek();
      if (c < 0 || c < 0x20) { this.failed = true; return out; }
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
      if (e == 0x22) out += "\"";
      else if (e == 0x5c) out += "\\";
      else if (e == 0x2f) out += "/";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) out += String.fromCharCode(this.hex4());
      else { this.failed = true; return out; }
      if (this.failed) return out;
      runStart = this.pos;
    }
  }

  number(): JsonValue {
    const start = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    if (!this.digits()) return this.fail();
    if (this.peek() == 0x2e) {
      this.pos++;
      if (!this.digits()) return this.fail();
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      this.pos++;
      const sign = this.peek();
      if (sign == 0x2b || sign == 0x2d) this.pos++;
      if (!this.digits()) return this.fail();
    }
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    v.number = parseFloat(this.src.substring(start, this.pos));
    return v;
  }

  digits(): bool {
    const start = this.pos;
    while (true) {
      const c = this.peek();
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
    }
    return this.pos > start;
  }
}

export function parseJson(text: string): JsonResult {
  const reader = new Reader(text);
  const value = reader.value(0);
  reader.skipSpace();
  if (reader.failed || reader.pos != text.length) return new JsonResult(null, reader.pos);
  return new JsonResult(value, -1);
}
