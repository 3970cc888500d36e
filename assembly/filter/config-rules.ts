// What a configuration value may hold, by what it becomes: a header name, a header value, an
// authority, a path prefix, a secret, a target's name, a number in a range. Every text rule takes
// printable ASCII only: nothing with a control character (CR, LF, NUL, DEL...) passes, so no
// setting can split or end a header.
import { lowerAscii } from "./ascii";
import { JsonKind, JsonValue } from "./json";
import { MAX_NAME_CHARS, MAX_TARGET_NAME_CHARS, MAX_TOKEN_CHARS, MIN_TOKEN_CHARS } from "./limits";

// Character classes of printable ASCII, one bit each; anything else (controls, DEL, non-ASCII)
// is in none.
const TCHAR: u8 = 1;       // RFC 9110 token: letters, digits, !#$%&'*+-.^_`|~
const PRINTABLE: u8 = 2;   // space to ~
const VISIBLE: u8 = 4;     // ! to ~
const AUTHORITY: u8 = 8;   // RFC 3986 host[:port]: unreserved, sub-delims, ":", "@", "[", "]", "%"
const QUERY_NAME: u8 = 16; // visible, but the query's own "&", "=" and "#"
const TARGET_NAME: u8 = 32; // a-z, 0-9, "_", "-": a name that is also a metric label value
const classes = new StaticArray<u8>(128);

function mark(chars: string, flag: u8): void {
  for (let i = 0; i < chars.length; i++) classes[chars.charCodeAt(i)] |= flag;
}

for (let c = 0x20; c < 0x7f; c++) {
  const alphanumeric = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  classes[c] = PRINTABLE | (c > 0x20 ? VISIBLE | QUERY_NAME : 0) | (alphanumeric ? TCHAR | AUTHORITY : 0);
}
mark("!#$%&'*+-.^_`|~", TCHAR);
mark("-._~!$&'()*+,;=:@[]%", AUTHORITY);
mark("abcdefghijklmnopqrstuvwxyz0123456789_-", TARGET_NAME);
for (let i = 0; i < 3; i++) classes["&=#".charCodeAt(i)] &= ~QUERY_NAME;

/** `text` is `min` to `max` characters, each in class `flag`. */
function consistsOf(text: string, min: i32, max: i32, flag: u8): bool {
  if (text.length < min || text.length > max) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || (classes[c] & flag) == 0) return false;
  }
  return true;
}

/** A header name: an RFC 9110 token. */
export function isHeaderName(text: string): bool {
  return consistsOf(text, 1, MAX_NAME_CHARS, TCHAR);
}
export const HEADER_NAME_RULE = "must be a header name: an RFC 9110 token of at most 256 characters";
export const HEADER_NAMES_RULE = "must be an array of header names: RFC 9110 tokens of at most 256 characters";

/** A header value Envoy sends as it is: printable ASCII, no space at either end. */
export function isHeaderValue(text: string): bool {
  return consistsOf(text, 1, MAX_NAME_CHARS, PRINTABLE) && text.charCodeAt(0) != 0x20 && text.charCodeAt(text.length - 1) != 0x20;
}
export const HEADER_VALUE_RULE = "must be 1 to 256 printable ASCII characters, no space at either end";

/** Cluster names. */
export function isVisibleAscii(text: string): bool {
  return consistsOf(text, 1, MAX_NAME_CHARS, VISIBLE);
}
export const VISIBLE_ASCII_RULE = "must be 1 to 256 visible ASCII characters";

export function isAuthority(text: string): bool {
  return consistsOf(text, 1, MAX_NAME_CHARS, AUTHORITY);
}
export const AUTHORITY_RULE = "must be a host or host:port of at most 256 characters";

/** A path prefix: "/" first, visible ASCII (requests percent-encode the rest). */
export function isPathPrefix(text: string): bool {
  return consistsOf(text, 1, MAX_NAME_CHARS, VISIBLE) && text.charCodeAt(0) == 0x2f;
}
export const PATH_PREFIX_RULE = "must be an array of paths starting with \"/\": visible ASCII, at most 256 characters";

/** A query parameter name as written in configuration. */
export function isQueryParamName(text: string): bool {
  return consistsOf(text, 1, MAX_NAME_CHARS, QUERY_NAME);
}
export const QUERY_PARAM_RULE = "must be an array of parameter names: visible ASCII but &=#, at most 256 characters";

/** The collector's bearer token. */
export function isToken(text: string): bool {
  return consistsOf(text, MIN_TOKEN_CHARS, MAX_TOKEN_CHARS, VISIBLE);
}
export const TOKEN_RULE = "must be 16 to 1024 visible ASCII characters";

/** A target's name, as pairs and the collector's metrics carry it. */
export function isTargetName(text: string): bool {
  return consistsOf(text, 1, MAX_TARGET_NAME_CHARS, TARGET_NAME);
}
export const TARGET_NAME_RULE = "must be 1 to 32 characters of a-z, 0-9, _ and -";

export const TRACE_CONTEXT_RULE = "must be \"keep\", \"mark\" or \"drop\"";

/** The refusal of a configuration value: the key, and the rule it breaks. */
export function keyRefusal(key: string, rule: string): string {
  return "shadowdiff: config key \"" + key + "\" " + rule;
}

// ---- JSON values -------------------------------------------------------------------------------

export function isString(v: JsonValue, rule: (text: string) => bool): bool {
  return v.kind == JsonKind.String && rule(v.text);
}

export function isInteger(v: JsonValue, min: f64, max: f64): bool {
  return v.kind == JsonKind.Number && Math.floor(v.number) == v.number && v.number >= min && v.number <= max;
}

export function integerRule(min: i32, max: i32): string {
  return "must be an integer from " + min.toString() + " to " + max.toString();
}

/** A share of requests: 0 to 100, fractional. */
export function isPercent(v: JsonValue): bool {
  return v.kind == JsonKind.Number && v.number >= 0 && v.number <= 100;
}
export const PERCENT_RULE = "must be a number from 0 to 100";

// ---- the tag header ----------------------------------------------------------------------------

// The filter strips the tag header (in every spelling a CGI server folds together) from client
// requests. Naming any of these would strip something the primary needs.
const FRAMING: Array<string> = [
  "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
  "content-length", "expect",
];
const CREDENTIALS: Array<string> = ["authorization", "proxy-authorization", "cookie"];
const ENVOY_PREFIXES: Array<string> = ["x-envoy-", "x-forwarded-"];
const TRACE_CONTEXT: Array<string> = ["traceparent", "tracestate", "baggage", "b3"];

/** Header names as a CGI server reads them: "_" and "-" are one. */
function foldUnderscores(name: string): string {
  return lowerAscii(name, true);
}

/** Why `tagHeader` (a lower-case token: pseudo-headers are refused before) may not be the tag;
 * "" when it may. */
export function tagHeaderProblem(tagHeader: string, sampleHeader: string): string {
  const folded = foldUnderscores(tagHeader);
  if (FRAMING.includes(folded)) return "a hop-by-hop or framing header";
  if (CREDENTIALS.includes(folded)) return "a credential the primary reads";
  for (let i = 0; i < ENVOY_PREFIXES.length; i++) {
    if (folded.startsWith(ENVOY_PREFIXES[i])) return "a header Envoy sets";
  }
  if (folded == "x-request-id") return "the request id";
  if (TRACE_CONTEXT.includes(folded) || folded.startsWith("x-b3-")) return "a trace context header";
  if (folded == foldUnderscores(sampleHeader)) return "the sample header";
  return "";
}
