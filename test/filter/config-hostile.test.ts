// What a careless or hostile operator could write into the plugin configuration, each refused with
// a critical log line that names the key: settings that would change what the primary receives
// (a tag that strips :path, host or the request id), characters that would split or end a header,
// sizes that would make the filter hold megabytes, numbers outside JSON's grammar, nesting past the
// reader's depth.
import { describe, expect, it } from "vitest";
import { BASE_CONFIG, loadHost } from "./fixture.js";

async function refusal(config: string): Promise<{ accepted: boolean; critical: string[] }> {
  const host = await loadHost();
  const accepted = host.start(config);
  return { accepted, critical: host.logs.filter((l) => l.level === "critical").map((l) => l.message) };
}

const withBase = (extra: Record<string, unknown>) => JSON.stringify({ ...BASE_CONFIG, ...extra });
/** BASE_CONFIG with one more key written as raw JSON text, for values JSON.stringify cannot make. */
const withRaw = (key: string, rawValue: string) => `${JSON.stringify(BASE_CONFIG).slice(0, -1)},"${key}":${rawValue}}`;
const nested = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

/** Tags that would strip something the primary needs, and the reason each refusal gives. */
const TAG_REFUSED: Array<[string, string]> = [
  ["host", "a hop-by-hop or framing header"],
  ["Host", "a hop-by-hop or framing header"],
  ["content-length", "a hop-by-hop or framing header"],
  ["content_length", "a hop-by-hop or framing header"],
  ["transfer-encoding", "a hop-by-hop or framing header"],
  ["connection", "a hop-by-hop or framing header"],
  ["upgrade", "a hop-by-hop or framing header"],
  ["te", "a hop-by-hop or framing header"],
  ["x-request-id", "the request id"],
  ["X_Request_Id", "the request id"],
  ["authorization", "a credential the primary reads"],
  ["cookie", "a credential the primary reads"],
  ["x-envoy-original-path", "a header Envoy sets"],
  ["x-forwarded-for", "a header Envoy sets"],
];

const REFUSED: Array<{ name: string; config: string; message: string }> = [
  { name: 'tag_header ":path"', config: withBase({ tag_header: ":path" }), message: 'config key "tag_header" must not be a pseudo-header' },
  { name: 'tag_header ":authority"', config: withBase({ tag_header: ":authority" }), message: 'config key "tag_header" must not be a pseudo-header' },
  ...TAG_REFUSED.map(([tag, reason]) => ({
    name: `tag_header ${JSON.stringify(tag)}`,
    config: withBase({ tag_header: tag }),
    message: `config key "tag_header" must not be "${tag.toLowerCase()}": that is ${reason}`,
  })),
  { name: "tag_header equal to a custom sample_header", config: withBase({ sample_header: "x-session", tag_header: "X_Session" }), message: 'config key "tag_header" must not be "x_session": that is the sample header' },
  { name: "NUL in tag_header", config: withBase({ tag_header: "x-shadow\u0000" }), message: 'config key "tag_header" must be a header name' },
  { name: "a space in tag_header", config: withBase({ tag_header: "x shadow" }), message: 'config key "tag_header" must be a header name' },
  { name: "a colon inside tag_header", config: withBase({ tag_header: "x:shadow" }), message: 'config key "tag_header" must be a header name' },
  { name: "a 257-character tag_header", config: withBase({ tag_header: "x".repeat(257) }), message: 'config key "tag_header" must be a header name' },
  { name: "CR LF in tag_value", config: withBase({ tag_value: "true\r\nx-injected: 1" }), message: 'config key "tag_value" must be 1 to 256 printable ASCII characters' },
  { name: "LF alone in tag_value", config: withBase({ tag_value: "a\nb" }), message: 'config key "tag_value" must be 1 to 256 printable ASCII characters' },
  { name: "NUL in tag_value", config: withBase({ tag_value: "a\u0000" }), message: 'config key "tag_value" must be 1 to 256 printable ASCII characters' },
  { name: "DEL in tag_value", config: withBase({ tag_value: "a\u007f" }), message: 'config key "tag_value" must be 1 to 256 printable ASCII characters' },
  { name: "a tag_value ending in a space", config: withBase({ tag_value: "true " }), message: 'config key "tag_value" must be 1 to 256 printable ASCII characters, no space at either end' },
  { name: "a non-ASCII tag_value", config: withBase({ tag_value: "vrai\u00e9" }), message: 'config key "tag_value" must be 1 to 256 printable ASCII characters' },
  { name: "a 257-character tag_value", config: withBase({ tag_value: "v".repeat(257) }), message: 'config key "tag_value" must be 1 to 256 printable ASCII characters' },
  { name: "a 5 MB tag_value", config: withBase({ tag_value: "v".repeat(5 * 1024 * 1024) }), message: 'config key "tag_value" holds a string longer than 1024 characters' },
  { name: "a 2000-character tag_value", config: withBase({ tag_value: "v".repeat(2000) }), message: 'config key "tag_value" holds a string longer than 1024 characters' },
  { name: "CR LF in shadow_authority", config: withBase({ shadow_authority: "api\r\nx-injected: 1" }), message: 'config key "shadow_authority" must be a host or host:port' },
  { name: "a slash in shadow_authority", config: withBase({ shadow_authority: "api/v2" }), message: 'config key "shadow_authority" must be a host or host:port' },
  { name: "a space in collector_authority", config: withBase({ collector_authority: "collector x" }), message: 'config key "collector_authority" must be a host or host:port' },
  { name: "NUL in shadow_cluster", config: withBase({ shadow_cluster: "shadow\u0000" }), message: 'config key "shadow_cluster" must be 1 to 256 visible ASCII characters' },
  { name: "LF in collector_cluster", config: withBase({ collector_cluster: "collector\n" }), message: 'config key "collector_cluster" must be 1 to 256 visible ASCII characters' },
  { name: "CR in a request_headers name", config: withBase({ request_headers: ["user-agent\r"] }), message: 'config key "request_headers" must be an array of header names' },
  { name: "a pseudo-header in response_headers", config: withBase({ response_headers: [":status"] }), message: 'config key "response_headers" must be an array of header names' },
  { name: "NUL in a redact_headers name", config: withBase({ redact_headers: ["x-key\u0000"] }), message: 'config key "redact_headers" must be an array of header names' },
  { name: "a 257-character sample_header", config: withBase({ sample_header: "s".repeat(257) }), message: 'config key "sample_header" must be a header name' },
  { name: "a pseudo-header as sample_header", config: withBase({ sample_header: ":path" }), message: 'config key "sample_header" must not be a pseudo-header' },
  { name: "a control character in include_paths", config: withBase({ include_paths: ["/a\u0001"] }), message: 'config key "include_paths" must be an array of paths starting with "/"' },
  { name: "a space in exclude_paths", config: withBase({ exclude_paths: ["/a b"] }), message: 'config key "exclude_paths" must be an array of paths starting with "/"' },
  { name: "an empty methods list", config: withBase({ methods: [] }), message: 'config key "methods" must be a non-empty array of "GET" or "HEAD"' },
  { name: "a lower-case method", config: withBase({ methods: ["get"] }), message: 'config key "methods" must be a non-empty array of "GET" or "HEAD"' },
  { name: "65 request_headers", config: withBase({ request_headers: Array.from({ length: 65 }, (_, i) => `x-h${i}`) }), message: 'config key "request_headers" holds an array or object of more than 64 entries' },
  { name: "a 100,000-element array", config: withBase({ exclude_paths: Array.from({ length: 100_000 }, () => "/a") }), message: 'config key "exclude_paths" holds an array or object of more than 64 entries' },
  { name: "an object of 65 keys", config: JSON.stringify(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 1]))), message: "shadowdiff: configuration holds an array or object of more than 64 entries" },
  { name: '"=" in a redact_query_params name', config: withBase({ redact_query_params: ["a=b"] }), message: 'config key "redact_query_params" must be an array of parameter names' },
  { name: '"&" in a redact_query_params name', config: withBase({ redact_query_params: ["a&b"] }), message: 'config key "redact_query_params" must be an array of parameter names' },
  { name: "an empty redact_query_params name", config: withBase({ redact_query_params: [""] }), message: 'config key "redact_query_params" must be an array of parameter names' },
  { name: "a 15-character collector_token", config: withBase({ collector_token: "0123456789abcde" }), message: 'config key "collector_token" must be 16 to 1024 visible ASCII characters' },
  { name: "a space in collector_token", config: withBase({ collector_token: "0123456789 abcdef" }), message: 'config key "collector_token" must be 16 to 1024 visible ASCII characters' },
  { name: "CR LF in collector_token", config: withBase({ collector_token: "0123456789abcdef\r\nx: 1" }), message: 'config key "collector_token" must be 16 to 1024 visible ASCII characters' },
  { name: "a 1025-character collector_token", config: withBase({ collector_token: "t".repeat(1025) }), message: 'config key "collector_token" holds a string longer than 1024 characters' },
  { name: "a number as collector_token", config: withBase({ collector_token: 1234567890123456 }), message: 'config key "collector_token" must be 16 to 1024 visible ASCII characters' },
  { name: "the number 05", config: withRaw("batch_max_pairs", "05"), message: "shadowdiff: configuration is not valid JSON" },
  { name: "the number -05", config: withRaw("sample_percent", "-05"), message: "shadowdiff: configuration is not valid JSON" },
  { name: "the number +1", config: withRaw("batch_max_pairs", "+1"), message: "shadowdiff: configuration is not valid JSON" },
  { name: "the number .5", config: withRaw("sample_percent", ".5"), message: "shadowdiff: configuration is not valid JSON" },
  { name: "the number 1.", config: withRaw("sample_percent", "1."), message: "shadowdiff: configuration is not valid JSON" },
  { name: "the number 1e", config: withRaw("sample_percent", "1e"), message: "shadowdiff: configuration is not valid JSON" },
  { name: "NaN", config: withRaw("sample_percent", "NaN"), message: "shadowdiff: configuration is not valid JSON" },
  { name: "Infinity", config: withRaw("sample_percent", "Infinity"), message: "shadowdiff: configuration is not valid JSON" },
  { name: "a number past a double", config: withRaw("sample_percent", "1e400"), message: 'config key "sample_percent" must be a number from 0 to 100' },
  { name: "a raw control character in a string", config: withRaw("tag_value", '"a\u0001"'), message: "shadowdiff: configuration is not valid JSON" },
  { name: "33 levels of nesting", config: withRaw("extra", nested(32)), message: "shadowdiff: configuration is nested too deep: more than 32 levels" },
  { name: "10,000 levels of nesting", config: withRaw("extra", nested(10_000)), message: "shadowdiff: configuration is nested too deep: more than 32 levels" },
  { name: "100,000 levels of nesting in 5 MB", config: withRaw("extra", nested(2_500_000)), message: "shadowdiff: configuration is nested too deep: more than 32 levels" },
  { name: "a configuration over 256 KiB", config: withBase({}).replace("}", `${" ".repeat(262_144)}}`), message: "shadowdiff: configuration is larger than 262144 bytes" },
];

describe("hostile plugin configurations", () => {
  it.each(REFUSED)("refuses $name", async ({ config, message }) => {
    const { accepted, critical } = await refusal(config);
    expect(accepted).toBe(false);
    expect(critical.some((line) => line.includes(message)), `critical lines: ${critical.join(" | ").slice(0, 500)}`).toBe(true);
    // A refusal never echoes a control character into Envoy's log.
    for (const line of critical) expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it("reads nesting up to its depth, so the key is then refused by name", async () => {
    const { accepted, critical } = await refusal(withRaw("extra", nested(31)));
    expect(accepted).toBe(false);
    expect(critical).toEqual(['shadowdiff: config key "extra" is unknown']);
  });

  it("reads 64 entries, numbers with fractions and exponents, and escapes", async () => {
    const host = await loadHost();
    const config = withBase({ request_headers: Array.from({ length: 64 }, (_, i) => `x-h${i}`), tag_value: 'a"\\/b' })
      .replace('"batch_max_pairs":1', '"batch_max_pairs":1,"sample_percent":1.25e1,"flush_interval_ms":2E+2');
    expect(host.start(config), host.logs.map((l) => l.message).join(" | ")).toBe(true);
  });

  it("accepts a tag with underscores that names nothing the primary needs", async () => {
    const host = await loadHost();
    expect(host.start(withBase({ tag_header: "X_Mirror_Copy", tag_value: "yes please" }))).toBe(true);
  });
});
