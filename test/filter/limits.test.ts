// The filter never emits a pair the collector would refuse: every field at the limit
// capture.proto gives it is kept as it is, one byte over is cut (the id shortened and flagged),
// whatever the bytes; any status Envoy passes on is carried.
import { describe, expect, it } from "vitest";
import { ProxyWasmHost } from "../wasmhost/host.js";
import { COLLECTOR_CLUSTER, SHADOW_CLUSTER, WASM_PATH, reportedPairs, requestHeaders, startFilter, type HeaderList } from "./fixture.js";
import { shadowOf, type DecodedPair } from "./capture.js";

const utf8 = (text: string) => Buffer.byteLength(text);

/** One mirrored GET, both sides answered; the one pair it produced. */
async function onePair(
  request: HeaderList,
  options: { config?: Record<string, unknown>; primary?: HeaderList; shadowStatus?: number; host?: ProxyWasmHost } = {},
): Promise<DecodedPair> {
  const host = options.host ?? (await startFilter(options.config));
  const stream = host.newStream();
  stream.requestHeaders(request, true);
  stream.responseHeaders(options.primary ?? [[":status", "200"]], true);
  stream.complete();
  host.respondHttpCall(host.httpCalls.at(-1)!.token, { status: options.shadowStatus ?? 200 });
  const pairs = reportedPairs(host);
  expect(pairs).toHaveLength(1);
  return pairs[0]!;
}

const withId = (id: string) => requestHeaders("GET", "/users/1", [["x-request-id", id]]);

describe("the request id (at most 128 bytes)", () => {
  it("is kept as it is at 128 bytes", async () => {
    const id = "i".repeat(128);
    const pair = await onePair(withId(id));
    expect(pair.id).toBe(id);
    expect(pair.idShortened).toBe(false);
  });

  it("is shortened at 129: 112 bytes, '~' and 15 hex digits of a hash of the whole id, and flagged", async () => {
    const id = "i".repeat(129);
    const pair = await onePair(withId(id));
    expect(utf8(pair.id)).toBe(128);
    expect(pair.id).toMatch(new RegExp(`^${"i".repeat(112)}~[0-9a-f]{15}$`));
    expect(pair.idShortened).toBe(true);
  });

  it("keeps two long ids that share their first 112 bytes apart, and the same id the same", async () => {
    const prefix = "p".repeat(200);
    const a = await onePair(withId(`${prefix}-a`));
    const b = await onePair(withId(`${prefix}-b`));
    const again = await onePair(withId(`${prefix}-a`));
    expect(a.id).not.toBe(b.id);
    expect(again.id).toBe(a.id);
  });

  it("of 300 characters (any client can send one) costs no other pair of its batch", async () => {
    const host = await startFilter({ batch_max_pairs: 3 });
    for (const id of ["before", "x".repeat(300), "after"]) {
      const stream = host.newStream();
      stream.requestHeaders(withId(id), true);
      stream.responseHeaders([[":status", "200"]], true);
      stream.complete();
      host.respondHttpCall(host.httpCalls.at(-1)!.token, { status: 200 });
    }
    const pairs = reportedPairs(host);
    expect(pairs.map((pair) => pair.idShortened)).toEqual([false, true, false]);
    expect(pairs.map((pair) => utf8(pair.id) <= 128)).toEqual([true, true, true]);
  });

  it("never splits a character", async () => {
    const euro = "\u20ac"; // 3 bytes
    const pair = await onePair(withId(`${"a".repeat(110)}${euro.repeat(10)}`));
    expect(pair.id.startsWith(`${"a".repeat(110)}~`)).toBe(true); // a 3-byte character does not fit in 2 bytes
    expect(utf8(pair.id)).toBe(126);
  });
});

describe("the proxy id and the authority (at most 256 bytes, cut)", () => {
  async function withNodeId(nodeId: string): Promise<DecodedPair> {
    const host = await ProxyWasmHost.load(WASM_PATH, { clusters: [SHADOW_CLUSTER, COLLECTOR_CLUSTER], properties: { "xds.node.id": nodeId } });
    expect(host.start(JSON.stringify({ shadow_cluster: SHADOW_CLUSTER, collector_cluster: COLLECTOR_CLUSTER, batch_max_pairs: 1 }))).toBe(true);
    return onePair(requestHeaders("GET", "/"), { host });
  }

  it("keeps a 256-byte proxy id, cuts a 257-byte one", async () => {
    expect((await withNodeId("n".repeat(256))).proxyId).toBe("n".repeat(256));
    expect((await withNodeId("n".repeat(257))).proxyId).toBe("n".repeat(256));
  });

  it("keeps a 256-byte authority, cuts a 257-byte one; the shadow still gets it whole", async () => {
    const at = (authority: string): HeaderList => [[":method", "GET"], [":path", "/"], [":scheme", "http"], [":authority", authority]];
    expect((await onePair(at("a".repeat(256)))).authority).toBe("a".repeat(256));
    const host = await startFilter();
    const long = "a".repeat(300);
    expect((await onePair(at(long), { host })).authority).toBe("a".repeat(256));
    expect(host.httpCalls[0]!.headers.find(([name]) => name === ":authority")?.[1]).toBe(long);
  });
});

describe("captured headers (values at most 8192 bytes, at most 64 per list)", () => {
  it("keeps a value of 8192 bytes, cuts one of 8193", async () => {
    const config = { request_headers: ["x-long"] };
    const kept = await onePair(requestHeaders("GET", "/", [["x-long", "v".repeat(8192)]]), { config });
    expect(kept.requestHeaders).toEqual([{ name: "x-long", value: "v".repeat(8192) }]);
    const cut = await onePair(requestHeaders("GET", "/", [["x-long", "v".repeat(8193)]]), { config });
    expect(cut.requestHeaders).toEqual([{ name: "x-long", value: "v".repeat(8192) }]);
  });

  it("cuts a long value between characters", async () => {
    const value = `${"v".repeat(8190)}\u20ac`; // the euro sign would end at byte 8193
    const pair = await onePair(requestHeaders("GET", "/", [["x-long", value]]), { config: { request_headers: ["x-long"] } });
    expect(pair.requestHeaders[0]!.value).toBe("v".repeat(8190));
  });

  it("keeps 64 entries of a repeated header, drops the 65th, on both sides", async () => {
    const many = (count: number): HeaderList => Array.from({ length: count }, (_, i) => ["x-many", String(i)] as [string, string]);
    const config = { request_headers: ["x-many"], response_headers: ["x-many"] };
    const at64 = await onePair(requestHeaders("GET", "/", many(64)), { config, primary: [[":status", "200"], ...many(64)] });
    expect(at64.requestHeaders).toHaveLength(64);
    expect(at64.primary!.headers).toHaveLength(64);
    const at65 = await onePair(requestHeaders("GET", "/", many(65)), { config, primary: [[":status", "200"], ...many(65)] });
    expect(at65.requestHeaders).toHaveLength(64);
    expect(at65.requestHeaders.at(-1)!.value).toBe("63");
    expect(at65.primary!.headers).toHaveLength(64);
  });
});

describe("statuses", () => {
  it("carries any status Envoy passes on, 999 included, on either side", async () => {
    const pair = await onePair(requestHeaders("GET", "/"), { primary: [[":status", "999"]], shadowStatus: 599 });
    expect(pair.primary!.status).toBe(999);
    expect(shadowOf(pair).status).toBe(599);
    const other = await onePair(requestHeaders("GET", "/"), { primary: [[":status", "100"]], shadowStatus: 999 });
    expect(other.primary!.status).toBe(100);
    expect(shadowOf(other).status).toBe(999);
  });
});
