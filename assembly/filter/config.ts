// The plugin configuration: parsed and validated once, in on_configure. Every refusal names the
// key and the rule, so a typo stops the plugin instead of silently mirroring everything.
import { JsonKind, JsonValue, parseJson } from "./json";

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
  collectorCluster: string = "";
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
  }
}

function encodeAll(texts: Array<string>): Array<ArrayBuffer> {
  const out = new Array<ArrayBuffer>(texts.length);
  for (let i = 0; i < texts.length; i++) out[i] = String.UTF8.encode(texts[i]);
  return out;
}

export class ConfigResult {
  constructor(public config: Config | null, public error: string) {}
}

const ALWAYS_REDACTED: Array<string> = ["authorization", "cookie", "set-cookie", "proxy-authorization"];
const ALWAYS_CAPTURED: Array<string> = ["content-type", "content-encoding"];

function refuse(key: string, rule: string): ConfigResult {
  return new ConfigResult(null, "shadowdiff: config key \"" + key + "\" " + rule);
}

function isInteger(v: JsonValue, min: f64, max: f64): bool {
  return v.kind == JsonKind.Number && Math.floor(v.number) == v.number && v.number >= min && v.number <= max;
}

function integerRule(min: i32, max: i32): string {
  return "must be an integer from " + min.toString() + " to " + max.toString();
}

function isStringArray(v: JsonValue): bool {
  if (v.kind != JsonKind.Array) return false;
  for (let i = 0; i < v.items.length; i++) {
    if (v.items[i].kind != JsonKind.String || v.items[i].text.length == 0) return false;
  }
  return true;
}

function texts(v: JsonValue, lowerCase: bool): Array<string> {
  const out = new Array<string>();
  for (let i = 0; i < v.items.length; i++) {
    const text = v.items[i].text;
    out.push(lowerCase ? text.toLowerCase() : text);
  }
  return out;
}

function addMissing(list: Array<string>, names: Array<string>): void {
  for (let i = 0; i < names.length; i++) {
    if (!list.includes(names[i])) list.push(names[i]);
  }
}

export function parseConfig(text: string): ConfigResult {
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null) {
    return new ConfigResult(null, "shadowdiff: configuration is not valid JSON (at character " + parsed.errorOffset.toString() + ")");
  }
  if (root.kind != JsonKind.Object) {
    return new ConfigResult(null, "shadowdiff: configuration must be a JSON object");
  }
  const c = new Config();
  for (let i = 0; i < root.keys.length; i++) {
    const key = root.keys[i];
    const v = root.items[i];
    for (let j = 0; j < i; j++) {
      if (root.keys[j] == key) return refuse(key, "appears more than once");
    }
    if (key == "shadow_cluster" || key == "collector_cluster" || key == "shadow_authority" ||
        key == "sample_header" || key == "tag_header" || key == "tag_value" || key == "collector_authority") {
      if (v.kind != JsonKind.String || v.text.length == 0) return refuse(key, "must be a non-empty string");
      const headerName = key == "sample_header" || key == "tag_header";
      const value = headerName ? v.text.toLowerCase() : v.text;
      if (key == "shadow_cluster") c.shadowCluster = value;
      else if (key == "collector_cluster") c.collectorCluster = value;
      else if (key == "shadow_authority") c.shadowAuthority = value;
      else if (key == "sample_header") c.sampleHeader = value;
      else if (key == "tag_header") c.tagHeader = value;
      else if (key == "tag_value") c.tagValue = value;
      else c.collectorAuthority = value;
    } else if (key == "shadow_timeout_ms" || key == "collector_timeout_ms" || key == "flush_interval_ms") {
      const min = key == "flush_interval_ms" ? 10 : 1;
      if (!isInteger(v, min, 60000)) return refuse(key, integerRule(min, 60000));
      if (key == "shadow_timeout_ms") c.shadowTimeoutMs = <u32>v.number;
      else if (key == "collector_timeout_ms") c.collectorTimeoutMs = <u32>v.number;
      else c.flushIntervalMs = <u32>v.number;
    } else if (key == "max_body_bytes") {
      if (!isInteger(v, 0, 1048576)) return refuse(key, integerRule(0, 1048576));
      c.maxBodyBytes = <u32>v.number;
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
      if (!isStringArray(v)) return refuse(key, "must be an array of \"GET\" or \"HEAD\"");
      const methods = texts(v, false);
      for (let m = 0; m < methods.length; m++) {
        if (methods[m] != "GET" && methods[m] != "HEAD") return refuse(key, "must be an array of \"GET\" or \"HEAD\"");
      }
      c.methods = methods;
    } else if (key == "include_paths" || key == "exclude_paths") {
      if (!isStringArray(v)) return refuse(key, "must be an array of path prefixes starting with \"/\"");
      const paths = texts(v, false);
      for (let p = 0; p < paths.length; p++) {
        if (!paths[p].startsWith("/")) return refuse(key, "must be an array of path prefixes starting with \"/\"");
      }
      if (key == "include_paths") c.includePaths = paths;
      else c.excludePaths = paths;
    } else if (key == "request_headers" || key == "response_headers" || key == "redact_headers") {
      if (!isStringArray(v)) return refuse(key, "must be an array of header names");
      const names = texts(v, true);
      if (key == "request_headers") c.requestHeaders = names;
      else if (key == "response_headers") c.responseHeaders = names;
      else c.redactHeaders = names;
    } else {
      return refuse(key, "is unknown");
    }
  }
  if (c.shadowCluster.length == 0) return refuse("shadow_cluster", "is required");
  if (c.collectorCluster.length == 0) return refuse("collector_cluster", "is required");
  addMissing(c.redactHeaders, ALWAYS_REDACTED);
  addMissing(c.responseHeaders, ALWAYS_CAPTURED);
  c.encodeKeys();
  return new ConfigResult(c, "");
}
