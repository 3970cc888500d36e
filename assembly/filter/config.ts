// The plugin configuration: parsed and validated once, in on_configure. Every refusal names the
// key and the rule, so a typo stops the plugin instead of silently mirroring everything, and no
// accepted setting can change what the primary receives or answers (config-rules.ts).
import { lowerAscii } from "./ascii";
import {
  AUTHORITY_RULE, HEADER_NAME_RULE, HEADER_NAMES_RULE, HEADER_VALUE_RULE, PATH_PREFIX_RULE, QUERY_PARAM_RULE, TOKEN_RULE,
  VISIBLE_ASCII_RULE, isAuthority, isHeaderName, isHeaderValue, isPathPrefix, isQueryParamName, isToken,
  isVisibleAscii, tagHeaderProblem,
} from "./config-rules";
import { JsonError, JsonKind, JsonResult, JsonValue, parseJson } from "./json";
import { DEFAULT_PATH_BYTES, MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_JSON_ENTRIES, MAX_JSON_STRING, MAX_PATH_BYTES, MIN_PATH_BYTES } from "./limits";
import { DEFAULT_REDACTED_QUERY_PARAMS } from "./query-redaction";

export class Config {
  shadowCluster: string = "";
  shadowAuthority: string = ""; // empty: the request's :authority
  shadowTimeoutMs: u32 = 5000;
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

  /** The name pairs give the one target set by the shadow_* keys. */
  shadowName: string = "shadow";

  // The same settings as UTF-8 bytes, made once: the per-request path compares header bytes with
  // them in place instead of decoding headers into strings.
  shadowClusterBytes: ArrayBuffer = new ArrayBuffer(0);
  shadowNameBytes: ArrayBuffer = new ArrayBuffer(0);
  tagHeaderKey: ArrayBuffer = new ArrayBuffer(0);
  tagValueBytes: ArrayBuffer = new ArrayBuffer(0);
  sampleHeaderKey: ArrayBuffer = new ArrayBuffer(0);
  shadowAuthorityBytes: ArrayBuffer = new ArrayBuffer(0);
  methodKeys: Array<ArrayBuffer> = [];
  includePathKeys: Array<ArrayBuffer> = [];
  excludePathKeys: Array<ArrayBuffer> = [];
  requestHeaderKeys: Array<ArrayBuffer> = [];
  responseHeaderKeys: Array<ArrayBuffer> = [];
  redactHeaderKeys: Array<ArrayBuffer> = [];
  redactQueryParamKeys: Array<ArrayBuffer> = [];

  encodeKeys(): void {
    this.shadowClusterBytes = String.UTF8.encode(this.shadowCluster);
    this.shadowNameBytes = String.UTF8.encode(this.shadowName);
    this.tagHeaderKey = String.UTF8.encode(this.tagHeader);
    this.tagValueBytes = String.UTF8.encode(this.tagValue);
    this.sampleHeaderKey = String.UTF8.encode(this.sampleHeader);
    this.shadowAuthorityBytes = String.UTF8.encode(this.shadowAuthority);
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

const ALWAYS_REDACTED: Array<string> = ["authorization", "cookie", "set-cookie", "proxy-authorization"];
const ALWAYS_CAPTURED: Array<string> = ["content-type", "content-encoding"];

function refuse(key: string, rule: string): ConfigResult {
  return new ConfigResult(null, "shadowdiff: config key \"" + key + "\" " + rule);
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

function isInteger(v: JsonValue, min: f64, max: f64): bool {
  return v.kind == JsonKind.Number && Math.floor(v.number) == v.number && v.number >= min && v.number <= max;
}

function integerRule(min: i32, max: i32): string {
  return "must be an integer from " + min.toString() + " to " + max.toString();
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

function isString(v: JsonValue, rule: (text: string) => bool): bool {
  return v.kind == JsonKind.String && rule(v.text);
}

export function parseConfig(text: string): ConfigResult {
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null) return readingError(parsed);
  if (root.kind != JsonKind.Object) return refuseDocument("must be a JSON object");
  const c = new Config();
  for (let i = 0; i < root.keys.length; i++) {
    const key = root.keys[i];
    const v = root.items[i];
    for (let j = 0; j < i; j++) {
      if (root.keys[j] == key) return refuse(key, "appears more than once");
    }
    if (key == "shadow_cluster" || key == "collector_cluster") {
      if (!isString(v, isVisibleAscii)) return refuse(key, VISIBLE_ASCII_RULE);
      if (key == "shadow_cluster") c.shadowCluster = v.text;
      else c.collectorCluster = v.text;
    } else if (key == "shadow_authority" || key == "collector_authority") {
      if (!isString(v, isAuthority)) return refuse(key, AUTHORITY_RULE);
      if (key == "shadow_authority") c.shadowAuthority = v.text;
      else c.collectorAuthority = v.text;
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
    } else if (key == "shadow_timeout_ms" || key == "collector_timeout_ms" || key == "flush_interval_ms") {
      const min = key == "flush_interval_ms" ? 10 : 1;
      if (!isInteger(v, min, 60000)) return refuse(key, integerRule(min, 60000));
      if (key == "shadow_timeout_ms") c.shadowTimeoutMs = <u32>v.number;
      else if (key == "collector_timeout_ms") c.collectorTimeoutMs = <u32>v.number;
      else c.flushIntervalMs = <u32>v.number;
    } else if (key == "max_body_bytes") {
      if (!isInteger(v, 0, MAX_BODY_BYTES)) return refuse(key, integerRule(0, MAX_BODY_BYTES));
      c.maxBodyBytes = <u32>v.number;
    } else if (key == "max_path_bytes") {
      if (!isInteger(v, MIN_PATH_BYTES, MAX_PATH_BYTES)) return refuse(key, integerRule(MIN_PATH_BYTES, MAX_PATH_BYTES));
      c.maxPathBytes = <u32>v.number;
    } else if (key == "batch_max_pairs") {
      if (!isInteger(v, 1, 1000)) return refuse(key, integerRule(1, 1000));
      c.batchMaxPairs = <u32>v.number;
    } else if (key == "batch_max_bytes") {
      if (!isInteger(v, 1024, 4194304)) return refuse(key, integerRule(1024, 4194304));
      c.batchMaxBytes = <u32>v.number;
    } else if (key == "max_in_flight" || key == "max_pending_pairs") {
      if (!isInteger(v, 1, 100000)) return refuse(key, integerRule(1, 100000));
      if (key == "max_in_flight") c.maxInFlight = <u32>v.number;
      else c.maxPendingPairs = <u32>v.number;
    } else if (key == "sample_percent") {
      if (v.kind != JsonKind.Number || !(v.number >= 0 && v.number <= 100)) return refuse(key, "must be a number from 0 to 100");
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
    } else if (key == "redact_query_params") {
      if (!isArrayOf(v, isQueryParamName)) return refuse(key, QUERY_PARAM_RULE);
      c.redactQueryParams = texts(v, true);
    } else {
      return refuse(key, "is unknown");
    }
  }
  if (c.shadowCluster.length == 0) return refuse("shadow_cluster", "is required");
  if (c.collectorCluster.length == 0) return refuse("collector_cluster", "is required");
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
