// A JSON body laid out as numbered lines for people: pretty-printed, every value tagged with its
// path written as the collector writes a difference's path (host/json-path/syntax.ts), so a
// difference can be highlighted where it is. Numbers and strings keep their exact source text
// (JSON.parse would round 12345678901234567890 and turn 1.0 into 1). A duplicate key names the
// last of its members, as it does for the collector.
import { formatPath } from "../../host/json-path/syntax.js";

export type TokenKind = "key" | "string" | "number" | "literal" | "punct";

export interface Token {
  text: string;
  kind: TokenKind;
}

export interface Line {
  depth: number;
  tokens: Token[];
}

/** Lines `first` to `last` (inclusive) show the value at a path. */
export interface Span {
  first: number;
  last: number;
}

export interface JsonLayout {
  lines: Line[];
  spans: Map<string, Span>;
}

export interface LayoutLimits {
  /** Deeper nesting is refused (and shown as text): rendering must not recurse without bound. */
  maxDepth: number;
  /** More values than this are refused: a browser should not lay out millions of lines. */
  maxValues: number;
}

export const DEFAULT_LAYOUT_LIMITS: LayoutLimits = { maxDepth: 200, maxValues: 100_000 };

export class JsonLayoutError extends Error {}

/** The child of `path` at `segment`, written exactly as formatPath writes it. */
export function childPath(path: string, segment: string | number): string {
  return path + formatPath([segment]).slice(1);
}

/** Lays out JSON text, or throws a JsonLayoutError saying why it cannot (not JSON, too deep, too large). */
export function layoutJson(text: string, limits: LayoutLimits = DEFAULT_LAYOUT_LIMITS): JsonLayout {
  return new Layout(text, limits).run();
}

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
const LITERAL = /true|false|null/y;

class Layout {
  private at = 0;
  private values = 0;
  private readonly lines: Line[] = [];
  private readonly spans = new Map<string, Span>();

  constructor(
    private readonly text: string,
    private readonly limits: LayoutLimits,
  ) {}

  run(): JsonLayout {
    this.value("$", 0, []);
    this.skipWhitespace();
    if (this.at !== this.text.length) this.fail("unexpected text after the value");
    return { lines: this.lines, spans: this.spans };
  }

  /** Lays out the value at the cursor on a new line that starts with `prefix` (a member's key). */
  private value(path: string, depth: number, prefix: Token[]): void {
    if (depth > this.limits.maxDepth) throw new JsonLayoutError(`nested deeper than ${this.limits.maxDepth} levels`);
    if (++this.values > this.limits.maxValues) throw new JsonLayoutError(`more than ${this.limits.maxValues} values`);
    this.skipWhitespace();
    const first = this.lines.length;
    const open = this.text[this.at];
    if (open === "{" || open === "[") {
      this.at++;
      const close = open === "{" ? "}" : "]";
      const line: Line = { depth, tokens: [...prefix, { text: open, kind: "punct" }] };
      this.lines.push(line);
      this.skipWhitespace();
      if (this.text[this.at] === close) {
        this.at++;
        line.tokens.push({ text: close, kind: "punct" });
      } else {
        for (let index = 0; ; index++) {
          if (open === "{") this.member(path, depth + 1);
          else this.value(childPath(path, index), depth + 1, []);
          this.skipWhitespace();
          const next = this.text[this.at];
          if (next === ",") {
            this.at++;
            this.lastLine().tokens.push({ text: ",", kind: "punct" });
          } else if (next === close) {
            this.at++;
            break;
          } else {
            this.fail(`expected "," or "${close}"`);
          }
        }
        this.lines.push({ depth, tokens: [{ text: close, kind: "punct" }] });
      }
    } else {
      const token = this.scalar();
      this.lines.push({ depth, tokens: [...prefix, token] });
    }
    this.spans.set(path, { first, last: this.lines.length - 1 });
  }

  private member(path: string, depth: number): void {
    this.skipWhitespace();
    const keyText = this.string() ?? this.fail("expected a member name in double quotes");
    this.skipWhitespace();
    if (this.text[this.at] !== ":") this.fail('expected ":"');
    this.at++;
    const key = JSON.parse(keyText) as string;
    this.value(childPath(path, key), depth, [
      { text: keyText, kind: "key" },
      { text: ": ", kind: "punct" },
    ]);
  }

  private scalar(): Token {
    const string = this.string();
    if (string !== undefined) return { text: string, kind: "string" };
    const number = this.match(NUMBER);
    if (number !== undefined) return { text: number, kind: "number" };
    const literal = this.match(LITERAL);
    if (literal !== undefined) return { text: literal, kind: "literal" };
    return this.fail("expected a value");
  }

  /** A string at the cursor, scanned by hand: a regular expression would backtrack on a cut one. */
  private string(): string | undefined {
    const start = this.at;
    if (this.text[start] !== '"') return undefined;
    let at = start + 1;
    for (;;) {
      const code = this.text.charCodeAt(at);
      if (Number.isNaN(code)) this.fail("unterminated string");
      if (code === 0x22) break;
      if (code < 0x20) {
        this.at = at;
        this.fail("control character in a string");
      }
      if (code === 0x5c) {
        ESCAPE.lastIndex = at;
        if (!ESCAPE.test(this.text)) {
          this.at = at;
          this.fail("bad escape in a string");
        }
        at = ESCAPE.lastIndex;
      } else {
        at++;
      }
    }
    this.at = at + 1;
    return this.text.slice(start, this.at);
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.at;
    const found = pattern.exec(this.text);
    if (found === null) return undefined;
    this.at = pattern.lastIndex;
    return found[0];
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.at;
    WHITESPACE.exec(this.text);
    this.at = WHITESPACE.lastIndex;
  }

  private lastLine(): Line {
    return this.lines[this.lines.length - 1] as Line;
  }

  private fail(what: string): never {
    const at = this.at >= this.text.length ? "at the end" : `at character ${this.at + 1}`;
    throw new JsonLayoutError(`not valid JSON: ${what} ${at}`);
  }
}
