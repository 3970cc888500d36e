// The path a pair carries: secret query values replaced by "[redacted]" before anything leaves the
// proxy, then cut at max_path_bytes with path_truncated set. The shadow gets the request's own path.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { header, reportedPairs, requestHeaders, startFilter } from "./fixture.js";
import type { DecodedPair } from "./capture.js";

function mirror(host: ProxyWasmHost, path: string): DecodedPair {
  const before = reportedPairs(host).length;
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", path, [["x-request-id", `r${before}`]]), true);
  stream.responseHeaders([[":status", "200"]], true);
  stream.complete();
  host.respondHttpCall(host.httpCalls.at(-1)!.token, { status: 200 });
  const pairs = reportedPairs(host);
  expect(pairs).toHaveLength(before + 1);
  return pairs.at(-1)!;
}

/** Every byte the filter sent out of the VM to the collector, and every line it logged. */
function everythingEmitted(host: ProxyWasmHost): string {
  return [...host.grpcCalls.map((call) => Buffer.from(call.message).toString("latin1")), ...host.logs.map((l) => l.message)].join("\n");
}

describe("max_path_bytes", () => {
  it("keeps a path of 2048 bytes by default, cuts one of 2049 and flags it; the shadow gets it whole", async () => {
    const host = await startFilter();
    const atLimit = `/${"p".repeat(2047)}`;
    const kept = mirror(host, atLimit);
    expect(kept.path).toBe(atLimit);
    expect(kept.pathTruncated).toBe(false);
    const over = `/${"p".repeat(2048)}`;
    const cut = mirror(host, over);
    expect(cut.path).toBe(atLimit);
    expect(cut.pathTruncated).toBe(true);
    expect(header(host.httpCalls.at(-1)!.headers, ":path")).toBe(over);
  });

  it("takes its setting, and cuts a 50 KiB path to it", async () => {
    const host = await startFilter({ max_path_bytes: 64 });
    expect(mirror(host, `/${"q".repeat(63)}`).pathTruncated).toBe(false);
    const cut = mirror(host, `/${"q".repeat(50 * 1024)}`);
    expect(cut.path).toBe(`/${"q".repeat(63)}`);
    expect(cut.pathTruncated).toBe(true);
  });

  it("cuts between characters", async () => {
    const host = await startFilter({ max_path_bytes: 64 });
    const cut = mirror(host, `/${"a".repeat(62)}\u00e9\u00e9`);
    expect(cut.path).toBe(`/${"a".repeat(62)}`);
    expect(cut.pathTruncated).toBe(true);
  });
});

describe("query parameter redaction", () => {
  const SECRET = "s3cr3t-V4LUE";

  it.each([
    ["api_key", `/v1/items?api_key=${SECRET}&page=2`, "/v1/items?api_key=[redacted]&page=2"],
    ["a parameter after others", `/items?page=2&access_token=${SECRET}`, "/items?page=2&access_token=[redacted]"],
    ["an upper-case name", `/items?API_KEY=${SECRET}`, "/items?API_KEY=[redacted]"],
    ["a percent-encoded name", `/items?api%5Fkey=${SECRET}&x=1`, "/items?api%5Fkey=[redacted]&x=1"],
    ["a percent-encoded letter, lower-case hex", `/items?%73ig=${SECRET}`, "/items?%73ig=[redacted]"],
    ["a value holding ';' and '='", `/items?token=${SECRET};more=${SECRET}&x=1`, "/items?token=[redacted]&x=1"],
    ["a name after ';'", `/items?x=1;password=${SECRET}&y=2`, "/items?x=1;password=[redacted]&y=2"],
    ["every occurrence", `/items?key=${SECRET}&key=${SECRET}`, "/items?key=[redacted]&key=[redacted]"],
    ["an empty value", "/items?secret=&x=1", "/items?secret=[redacted]&x=1"],
  ])("replaces the value of %s", async (_name, path, expected) => {
    const host = await startFilter();
    const pair = mirror(host, path);
    expect(pair.path).toBe(expected);
    if (path.includes(SECRET)) expect(everythingEmitted(host)).not.toContain(SECRET);
    // The shadow is the service's next version: it gets what the primary got.
    expect(header(host.httpCalls[0]!.headers, ":path")).toBe(path);
  });

  it.each([
    ["a name that only contains a secret name", "/items?monkey=banana&tokens=5", "/items?monkey=banana&tokens=5"],
    ["a bare name", "/items?token&x=1", "/items?token&x=1"],
    ["a path without a query", "/token=abc/api_key", "/token=abc/api_key"],
    ["a secret name in the path", "/api_key=abc?x=1", "/api_key=abc?x=1"],
  ])("leaves %s alone", async (_name, path, expected) => {
    const host = await startFilter();
    expect(mirror(host, path).path).toBe(expected);
  });

  it("adds the configured names to the defaults, matched the same way", async () => {
    const host = await startFilter({ redact_query_params: ["X-Tenant-Key", "otp"] });
    const pair = mirror(host, `/items?x-tenant-key=${SECRET}&OTP=${SECRET}&api_key=${SECRET}&page=1`);
    expect(pair.path).toBe("/items?x-tenant-key=[redacted]&OTP=[redacted]&api_key=[redacted]&page=1");
    expect(everythingEmitted(host)).not.toContain(SECRET);
  });

  it("redacts before it cuts, so no part of a secret survives the cut", async () => {
    const host = await startFilter({ max_path_bytes: 64 });
    const path = `/${"a".repeat(30)}?x=1&client_secret=${SECRET.repeat(10)}`;
    const pair = mirror(host, path);
    expect(pair.path).toBe(`/${"a".repeat(30)}?x=1&client_secret=[redacted]`);
    expect(pair.pathTruncated).toBe(false);
    expect(everythingEmitted(host)).not.toContain(SECRET.slice(0, 6));
  });
});
