// The plugin configuration: parsed and validated once, in on_configure. Every refusal names the
// key and the rule, so a typo stops the plugin instead of silently mirroring everything, and no
// accepted setting can change what the primary receives or answers (config-rules.ts).
import { lowerAscii } from "./ascii";
import {
  AUTHORITY_RULE, HEADER_NAME_RULE, HEADER_NAMES_RULE, HEADER_VALUE_RULE, PATH_PREFIX_RULE, PERCENT_RULE, QUERY_PARAM_RULE,
  TOKEN_RULE, TRACE_CONTEXT_RULE, VISIBLE_ASCII_RULE, integerRule, isAuthority, isHeaderName, isHeaderValue, isInteger, isPathPrefix, isPercent,
  isQueryParamName, isString, isToken, isVisibleAscii, keyRefusal, tagHeaderProblem,
} from "./config-rules";
import { Destination, NO_BYTES, Side, destinationField, destinationsProblem, readDestination, readTargets } from "./config-targets";
import { JsonError, JsonKind, JsonResult, JsonValue, parseJson } from "./json";
import { DEFAULT_PATH_BYTES, MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_JSON_ENTRIES, MAX_JSON_STRING, MAX_PATH_BYTES, MIN_PATH_BYTES } from "./limits";
import { DEFAULT_REDACTED_QUERY_PARAMS } from "./query-redaction";
import { TRACE_MODES, TraceMode } from "./trace-context";

const NO_KEYS = new Array<ArrayBuffer>(0);

export class Config {
  /** Where mirrored copies go: every target in configuration order (pairs carry them in it), then
   * the secondary, if there is one, for its share of the mirrored requests. */
  destinations: Array<Destination> = [];
  /** How many of `destinations` are targets; one more is the secondary. */
  targetCount: i32 = 0;
  samplePercent: f64 = 100;
  sampleHeader: string = "x-request-id";
  methods: Array<string> = ["GET"];
  includePaths: Array<string> = [];
  excludePaths: Array<string> = [];
  tagHeader: string = "x-shadow-request";
  tagValue: string = "true";
  requestHeaders: Array<string> = [];
  responseHeaders: Array<string> = [];
  redactHeaders: Array<string> = [];
  maxBodyBytes: u32 = 65536;
  maxPathBytes: u32 = <u32>DEFAULT_PATH_BYTES;
  redactQueryParams: Array<string> = [];
  collectorCluster: string = "";
  /** Empty: reports carry no authorization metadata. Never logged. */
  collectorToken: string = "";
  collectorAuthority: string = "shadowdiff-collector";
  collectorTimeoutMs: u32 = 2000;
  batchMaxPairs: u32 = 64;
  batchMaxBytes: u32 = 1048576;
  flushIntervalMs: u32 = 1000;
  maxInFlight: u32 = 1000;
  maxPendingPairs: u32 = 1000;
  /** What a copy carries of the trace context: TraceMode. */
  traceContext: i32 = TraceMode.Mark;

  // The same settings as UTF-8 bytes, made once: the per-request path compares header bytes with
  // them in place instead of decoding headers into strings.
  // (Shared empty values until encodeKeys() sets them.)
  tagHeaderKey: ArrayBuffer = NO_BYTES;
  tagValueBytes: ArrayBuffer = NO_BYTES;
  sampleHeaderKey: ArrayBuffer = NO_BYTES;
  methodKeys: Array<ArrayBuffer> = NO_KEYS;
  includePathKeys: Array<ArrayBuffer> = NO_KEYS;
  excludePathKeys: Array<ArrayBuffer> = NO_KEYS;
  requestHeaderKeys: Array<ArrayBuffer> = NO_KEYS;
  responseHeaderKeys: Array<ArrayBuffer> = NO_KEYS;
  redactHeaderKeys: Array<ArrayBuffer> = NO_KEYS;
  redactQueryParamKeys: Array<ArrayBuffer> = NO_KEYS;

  /** The secondary's share of mirrored requests in parts per million; 0 without a secondary. */
  secondaryPpm(): u32 {
    return this.destinations.length > this.targetCount ? <u32>Math.round(this.destinations[this.targetCount].samplePercent * 10000) : 0;
  }

  /** The integer key INTEGER_KEYS[index]. */
  setInteger(index: i32, value: u32): void {
    switch (index) {
      case 0: this.collectorTimeoutMs = value; break;
      case 1: this.flushIntervalMs = value; break;
      case 2: this.maxBodyBytes = value; break;
      case 3: this.maxPathBytes = value; break;
      case 4: this.batchMaxPairs = value; break;
      case 5: this.batchMaxBytes = value; break;
      case 6: this.maxInFlight = value; break;
      default: this.maxPendingPairs = value;
    }
  }

  encodeKeys(): void {
    for (let i = 0; i < this.destinations.length; i++) this.destinations[i].encode();
    this.tagHeaderKey = String.UTF8.encode(this.tagHeader);
    this.tagValueBytes = String.UTF8.encode(this.tagValue);
    this.sampleHeaderKey = String.UTF8.encode(this.sampleHeader);
    this.methodKeys = encodeAll(this.methods);
    this.includePathKeys = encodeAll(this.includePaths);
    this.excludePathKeys = encodeAll(this.excludePaths);
    this.requestHeaderKeys = encodeAll(this.requestHeaders);
    this.responseHeaderKeys = encodeAll(this.responseHeaders);
    this.redactHeaderKeys = encodeAll(this.redactHeaders);
    this.redactQueryParamKeys = encodeAll(this.redactQueryParams);
  }
}

function encodeAll(texts: Array<string>): Array<ArrayBuffer> {
  const out = new Array<ArrayBuffer>(texts.length);
  for (let i = 0; i < texts.length; i++) out[i] = String.UTF8.encode(texts[i]);
  return out;
}

export class ConfigResult {
  constructor(
    public config: Config | null,
    public error: string,
    /** Where the collector_token's value lies in the text ([start, end) characters; 0, 0 without one),
     * so the configuration's version can leave it out. */
    public tokenStart: i32 = 0,
    public tokenEnd: i32 = 0,
    /** Refused for a limit of the reader (depth, string length, entries) that names what was wrong
     * even in the first part of a configuration too large to read whole. */
    public overLimit: bool = false,
  ) {}
}

// The integer keys (Config.setInteger) and their ranges.
const INTEGER_KEYS: Array<string> = [
  "collector_timeout_ms", "flush_interval_ms", "max_body_bytes", "max_path_bytes", "batch_max_pairs", "batch_max_bytes",
  "max_in_flight", "max_pending_pairs",
];
const INTEGER_MIN: StaticArray<i32> = [1, 10, 0, MIN_PATH_BYTES, 1, 1024, 1, 1];
const INTEGER_MAX: StaticArray<i32> = [60000, 60000, MAX_BODY_BYTES, MAX_PATH_BYTES, 1000, 4194304, 100000, 100000];

const ALWAYS_REDACTED: Array<string> = ["authorization", "cookie", "set-cookie", "proxy-authorization"];
const ALWAYS_CAPTURED: Array<string> = ["content-type", "content-encoding"];

function refuse(key: string, rule: string): ConfigResult {
  return refused(keyRefusal(key, rule));
}

function refused(message: string): ConfigResult {
  return new ConfigResult(null, message);
}

function refuseDocument(problem: string): ConfigResult {
  return new ConfigResult(null, "shadowdiff: configuration " + problem);
}

function readingError(parsed: JsonResult): ConfigResult {
  const result = readingProblem(parsed);
  result.overLimit = parsed.error != JsonError.Syntax;
  return result;
}

function readingProblem(parsed: JsonResult): ConfigResult {
  const at = " (at character " + parsed.errorOffset.toString() + ")";
  const key = parsed.errorKey;
  if (parsed.error == JsonError.TooDeep) {
    return refuseDocument("is nested too deep: more than " + MAX_JSON_DEPTH.toString() + " levels of arrays and objects" + at);
  }
  if (parsed.error == JsonError.StringTooLong) {
    const rule = "holds a string longer than " + MAX_JSON_STRING.toString() + " characters";
    return key.length > 0 ? refuse(key, rule) : refuseDocument(rule + at);
  }
  if (parsed.error == JsonError.TooManyEntries) {
    const rule = "holds an array or object of more than " + MAX_JSON_ENTRIES.toString() + " entries";
    return key.length > 0 ? refuse(key, rule) : refuseDocument(rule + at);
  }
  return refuseDocument("is not valid JSON" + at);
}

/** An array of strings, each passing `rule`; empty only when `allowEmpty`. */
function isArrayOf(v: JsonValue, rule: (text: string) => bool, allowEmpty: bool = true): bool {
  if (v.kind != JsonKind.Array || (v.items.length == 0 && !allowEmpty)) return false;
  for (let i = 0; i < v.items.length; i++) {
    if (v.items[i].kind != JsonKind.String || !rule(v.items[i].text)) return false;
  }
  return true;
}

function texts(v: JsonValue, lowerCase: bool): Array<string> {
  const out = new Array<string>();
  for (let i = 0; i < v.items.length; i++) {
    const text = v.items[i].text;
    out.push(lowerCase ? lowerAscii(text) : text);
  }
  return out;
}

function addMissing(list: Array<string>, names: Array<string>): void {
  for (let i = 0; i < names.length; i++) {
    if (!list.includes(names[i])) list.push(names[i]);
  }
}

/** Reads a key none of the above: "" when accepted, else the refusal. Set only by a module with
 * more to configure (request-bodies.ts); in the others every such key is unknown. */
let otherKeyReader: ((c: Config, key: string, v: JsonValue) => string) | null = null;

export function readOtherKeysWith(reader: (c: Config, key: string, v: JsonValue) => string): void {
  otherKeyReader = reader;
}

export function parseConfig(text: string, c: Config): ConfigResult {
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null) return readingError(parsed);
  if (root.kind != JsonKind.Object) return refuseDocument("must be a JSON object");
  // The one target of the shadow_* keys: the first configuration's form, still valid.
  const shadow = new Destination("shadow_cluster");
  shadow.name = "shadow";
  let shadowKey = "";
  let secondary: Destination | null = null;
  for (let i = 0; i < root.keys.length; i++) {
    const key = root.keys[i];
    const v = root.items[i];
    for (let j = 0; j < i; j++) {
      if (root.keys[j] == key) return refuse(key, "appears more than once");
    }
    const integer = INTEGER_KEYS.indexOf(key);
    if (integer >= 0) {
      const min = INTEGER_MIN[integer];
      const max = INTEGER_MAX[integer];
      if (!isInteger(v, min, max)) return refuse(key, integerRule(min, max));
      c.setInteger(integer, <u32>v.number);
    } else if (key.startsWith("shadow_")) {
      if (shadowKey.length == 0) shadowKey = key;
      const rule = destinationField(shadow, key.substring(7), v, Side.Shadow);
      if (rule.length > 0) return refuse(key, rule);
    } else if (key == "collector_cluster") {
      if (!isString(v, isVisibleAscii)) return refuse(key, VISIBLE_ASCII_RULE);
      c.collectorCluster = v.text;
    } else if (key == "collector_authority") {
      if (!isString(v, isAuthority)) return refuse(key, AUTHORITY_RULE);
      c.collectorAuthority = v.text;
    } else if (key == "targets") {
      const problem = readTargets(v, c.destinations);
      if (problem.length > 0) return refused(problem);
    } else if (key == "secondary") {
      const taken = new Destination(key);
      const problem = readDestination(v, taken, Side.Secondary);
      if (problem.length > 0) return refused(problem);
      secondary = taken;
    } else if (key == "sample_header" || key == "tag_header") {
      if (v.kind == JsonKind.String && v.text.startsWith(":")) return refuse(key, "must not be a pseudo-header");
      if (!isString(v, isHeaderName)) return refuse(key, HEADER_NAME_RULE);
      if (key == "sample_header") c.sampleHeader = lowerAscii(v.text);
      else c.tagHeader = lowerAscii(v.text);
    } else if (key == "tag_value") {
      if (!isString(v, isHeaderValue)) return refuse(key, HEADER_VALUE_RULE);
      c.tagValue = v.text;
    } else if (key == "collector_token") {
      if (!isString(v, isToken)) return refuse(key, TOKEN_RULE);
      c.collectorToken = v.text;
    } else if (key == "sample_percent") {
      if (!isPercent(v)) return refuse(key, PERCENT_RULE);
      c.samplePercent = v.number;
    } else if (key == "methods") {
      if (!isArrayOf(v, isMirroredMethod, false)) return refuse(key, "must be a non-empty array of \"GET\" or \"HEAD\"");
      c.methods = texts(v, false);
    } else if (key == "include_paths" || key == "exclude_paths") {
      if (!isArrayOf(v, isPathPrefix)) return refuse(key, PATH_PREFIX_RULE);
      if (key == "include_paths") c.includePaths = texts(v, false);
      else c.excludePaths = texts(v, false);
    } else if (key == "request_headers" || key == "response_headers" || key == "redact_headers") {
      if (!isArrayOf(v, isHeaderName)) return refuse(key, HEADER_NAMES_RULE);
      const names = texts(v, true);
      if (key == "request_headers") c.requestHeaders = names;
      else if (key == "response_headers") c.responseHeaders = names;
      else c.redactHeaders = names;
    } else if (key == "trace_context") {
      const mode = v.kind == JsonKind.String ? TRACE_MODES.indexOf(v.text) : -1;
      if (mode < 0) return refuse(key, TRACE_CONTEXT_RULE);
      c.traceContext = mode;
    } else if (key == "redact_query_params") {
      if (!isArrayOf(v, isQueryParamName)) return refuse(key, QUERY_PARAM_RULE);
      c.redactQueryParams = texts(v, true);
    } else {
      const other = otherKeyReader;
      if (other === null) return refuse(key, "is unknown");
      const problem = other(c, key, v);
      if (problem.length > 0) return refused(problem);
    }
  }
  const destinations = c.destinations;
  if (destinations.length > 0) {
    if (shadowKey.length > 0) return refuse(shadowKey, "cannot be given with \"targets\"");
  } else {
    if (shadow.cluster.length == 0) return refuse("shadow_cluster", "is required (or \"targets\")");
    destinations.push(shadow);
  }
  c.targetCount = destinations.length;
  if (secondary !== null) destinations.push(secondary);
  if (c.collectorCluster.length == 0) return refuse("collector_cluster", "is required");
  const conflict = destinationsProblem(destinations, c.collectorCluster);
  if (conflict.length > 0) return refused(conflict);
  const calls = destinations.length;
  if (<u32>calls > c.maxInFlight) return refuse("max_in_flight", "must be at least " + calls.toString() + ": the calls one request makes");
  const tagProblem = tagHeaderProblem(c.tagHeader, c.sampleHeader);
  if (tagProblem.length > 0) return refuse("tag_header", "must not be \"" + c.tagHeader + "\": that is " + tagProblem);
  addMissing(c.redactHeaders, ALWAYS_REDACTED);
  addMissing(c.responseHeaders, ALWAYS_CAPTURED);
  addMissing(c.redactQueryParams, DEFAULT_REDACTED_QUERY_PARAMS);
  c.encodeKeys();
  const token = root.keys.indexOf("collector_token");
  return token < 0 ? new ConfigResult(c, "") : new ConfigResult(c, "", root.items[token].start, root.items[token].end);
}

function isMirroredMethod(text: string): bool {
  return text == "GET" || text == "HEAD";
}
