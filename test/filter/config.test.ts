// The plugin configuration is refused, with a critical log line naming the key and the rule, for
// every unknown key, wrong type and out-of-range value.
import { describe, expect, it } from "vitest";
import { BASE_CONFIG, loadHost } from "./fixture.js";

async function configure(config: string) {
  const host = await loadHost();
  const accepted = host.start(config);
  const critical = host.logs.filter((l) => l.level === "critical").map((l) => l.message);
  return { accepted, critical, host };
}

const withBase = (extra: Record<string, unknown>) => JSON.stringify({ ...BASE_CONFIG, ...extra });
const without = (key: keyof typeof BASE_CONFIG) => {
  const copy: Record<string, unknown> = { ...BASE_CONFIG };
  delete copy[key];
  return JSON.stringify(copy);
};

const integerRange = (key: string, min: number, max: number) => [
  { name: `${key} below ${min}`, config: withBase({ [key]: min - 1 }), message: `config key "${key}" must be an integer from ${min} to ${max}` },
  { name: `${key} above ${max}`, config: withBase({ [key]: max + 1 }), message: `config key "${key}" must be an integer from ${min} to ${max}` },
  { name: `${key} fractional`, config: withBase({ [key]: min + 0.5 }), message: `config key "${key}" must be an integer from ${min} to ${max}` },
  { name: `${key} as a string`, config: withBase({ [key]: String(min) }), message: `config key "${key}" must be an integer from ${min} to ${max}` },
];

const REFUSED: Array<{ name: string; config: string; message: string }> = [
  { name: "a misspelt key", config: withBase({ sample_percnt: 10 }), message: 'shadowdiff: config key "sample_percnt" is unknown' },
  { name: "a camelCase key", config: withBase({ shadowCluster: "x" }), message: 'config key "shadowCluster" is unknown' },
  { name: "sample_percent above 100", config: withBase({ sample_percent: 100.5 }), message: 'shadowdiff: config key "sample_percent" must be a number from 0 to 100' },
  { name: "sample_percent below 0", config: withBase({ sample_percent: -1 }), message: 'config key "sample_percent" must be a number from 0 to 100' },
  { name: "sample_percent as a string", config: withBase({ sample_percent: "50" }), message: 'config key "sample_percent" must be a number from 0 to 100' },
  { name: "no shadow_cluster", config: without("shadow_cluster"), message: 'config key "shadow_cluster" is required' },
  { name: "no collector_cluster", config: without("collector_cluster"), message: 'config key "collector_cluster" is required' },
  { name: "an empty shadow_cluster", config: withBase({ shadow_cluster: "" }), message: 'config key "shadow_cluster" must be 1 to 256 visible ASCII characters' },
  { name: "a numeric collector_authority", config: withBase({ collector_authority: 7 }), message: 'config key "collector_authority" must be a host or host:port' },
  { name: "a null tag_header", config: withBase({ tag_header: null }), message: 'config key "tag_header" must be a header name' },
  { name: "methods with POST", config: withBase({ methods: ["GET", "POST"] }), message: 'config key "methods" must be a non-empty array of "GET" or "HEAD"' },
  { name: "methods as a string", config: withBase({ methods: "GET" }), message: 'config key "methods" must be a non-empty array of "GET" or "HEAD"' },
  { name: "include_paths without a slash", config: withBase({ include_paths: ["api"] }), message: 'config key "include_paths" must be an array of paths starting with "/"' },
  { name: "exclude_paths with a number", config: withBase({ exclude_paths: ["/a", 3] }), message: 'config key "exclude_paths" must be an array of paths starting with "/"' },
  { name: "redact_headers as an object", config: withBase({ redact_headers: { a: 1 } }), message: 'config key "redact_headers" must be an array of header names' },
  { name: "response_headers with an empty name", config: withBase({ response_headers: [""] }), message: 'config key "response_headers" must be an array of header names' },
  { name: "a repeated key", config: `{"shadow_cluster":"a","shadow_cluster":"b","collector_cluster":"c"}`, message: 'config key "shadow_cluster" appears more than once' },
  ...integerRange("shadow_timeout_ms", 1, 60000),
  ...integerRange("collector_timeout_ms", 1, 60000),
  ...integerRange("max_body_bytes", 0, 1048576),
  ...integerRange("batch_max_pairs", 1, 1000),
  ...integerRange("batch_max_bytes", 1024, 4194304),
  ...integerRange("flush_interval_ms", 10, 60000),
  ...integerRange("max_in_flight", 1, 100000),
  ...integerRange("max_pending_pairs", 1, 100000),
  ...integerRange("max_path_bytes", 64, 8192),
  { name: "text that is not JSON", config: "shadow_cluster: x", message: "shadowdiff: configuration is not valid JSON" },
  { name: "JSON cut short", config: '{"shadow_cluster": "x"', message: "shadowdiff: configuration is not valid JSON" },
  { name: "a JSON array", config: "[]", message: "shadowdiff: configuration must be a JSON object" },
  { name: "an empty configuration", config: "", message: "shadowdiff: configuration is not valid JSON" },
];

describe("plugin configuration", () => {
  it.each(REFUSED)("refuses $name", async ({ config, message }) => {
    const { accepted, critical } = await configure(config);
    expect(accepted).toBe(false);
    expect(critical.some((line) => line.includes(message)), `critical lines: ${critical.join(" | ")}`).toBe(true);
  });

  it("accepts every key at its documented bounds", async () => {
    const { accepted, critical } = await configure(
      JSON.stringify({
        shadow_cluster: "shadow",
        shadow_authority: "api-shadow.demo",
        shadow_timeout_ms: 60000,
        sample_percent: 0.5,
        sample_header: "X-Session-Id",
        methods: ["GET", "HEAD"],
        include_paths: ["/api/"],
        exclude_paths: ["/api/admin"],
        tag_header: "x-mirror",
        tag_value: "1",
        request_headers: ["user-agent"],
        response_headers: ["etag"],
        redact_headers: ["x-api-key"],
        max_body_bytes: 0,
        max_path_bytes: 64,
        redact_query_params: ["X-Api-Token"],
        collector_token: "0123456789abcdef",
        collector_cluster: "collector",
        collector_authority: "collector.demo",
        collector_timeout_ms: 1,
        batch_max_pairs: 1000,
        batch_max_bytes: 1024,
        flush_interval_ms: 10,
        max_in_flight: 100000,
        max_pending_pairs: 1,
      }),
    );
    expect(critical).toEqual([]);
    expect(accepted).toBe(true);
  });

  it("accepts the two required keys alone, with JSON whitespace and escapes", async () => {
    const { accepted } = await configure('  {\n\t"shadow_cluster" : "sha\\u0064ow",\r\n "collector_cluster":"c\\/d" }  ');
    expect(accepted).toBe(true);
  });
});
