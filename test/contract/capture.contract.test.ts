// The capture contract: the bytes the compiled filter hands to proxy_grpc_call decode with
// proto/shadowdiff/v1/capture.proto, through protobufjs and through the collector's own strict
// reader (host/capture/batch-reader.ts), every field carries what the filter saw, and re-encoding
// gives back the very same bytes.
import { describe, expect, it } from "vitest";
import { BatchReader } from "../../host/capture/batch-reader.js";
import { loadCaptureProto } from "../../host/capture/capture-proto.js";
import type { Pair } from "../../host/capture/pair.js";
import {
  BASE_CONFIG, BODIES_WASM_PATH, COLLECTOR_CLUSTER, NODE_ID, SHADOW_CLUSTER, TARGETS_CONFIG, WASM_PATH, requestHeaders, startFilter,
} from "../filter/fixture.js";
import { ProxyWasmHost } from "../wasmhost/host.js";

const root = loadCaptureProto({ fieldNames: "camelCase" });
const reader = new BatchReader();
const Batch = root.lookupType("shadowdiff.v1.Batch");
const ShadowFailure = root.lookupEnum("shadowdiff.v1.ShadowFailure");

const CONFIG = {
  request_headers: ["user-agent", "authorization"],
  response_headers: ["etag"],
  max_body_bytes: 8,
  batch_max_pairs: 2,
};

// What the first pair carries, as both decoders must read it.
const REQUEST_HEADERS = [
  { name: "user-agent", value: "contract-test/1.0 ünïcode" },
  { name: "authorization", value: "[redacted]" },
];
const PRIMARY_HEADERS = [
  { name: "content-type", value: "application/json" },
  { name: "etag", value: '"v1"' },
];
const SHADOW_HEADERS = [
  { name: "content-type", value: "application/json" },
  { name: "content-encoding", value: "identity" },
  { name: "etag", value: '"v2"' },
];

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

function fnv1a32Hex(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

describe("capture contract", () => {
  it("what the wasm sends decodes with capture.proto, field by field", async () => {
    const host = await startFilter(CONFIG);
    const configJson = JSON.stringify({ ...BASE_CONFIG, ...CONFIG });
    const startUnixNanos = host.nowNanos;

    const ok = host.newStream();
    ok.requestHeaders(
      requestHeaders("GET", "/users/7?fields=name", [
        ["x-request-id", "contract-1"],
        // Pair.trace_id is field 18: its tag takes two bytes, which the canonical check below covers.
        ["traceparent", `00-${TRACE_ID}-00f067aa0ba902b7-01`],
        ["user-agent", "contract-test/1.0 ünïcode"],
        ["authorization", "Bearer t0ken"],
        ["accept", "application/json"],
      ]),
      true,
    );
    host.advanceClock(12);
    ok.responseHeaders([[":status", "200"], ["content-type", "application/json"], ["etag", '"v1"'], ["server", "v1"]], false);
    ok.responseBody(new TextEncoder().encode('{"name":"Ada"}'), true);
    ok.complete();
    host.advanceClock(3);
    host.respondHttpCall(host.httpCalls[0]!.token, {
      status: 201,
      headers: [["content-type", "application/json"], ["content-encoding", "identity"], ["etag", '"v2"']],
      body: '{"name":"Ada"}',
    });

    const failed = host.newStream();
    failed.requestHeaders(requestHeaders("GET", "/users/8", [["x-request-id", "contract-2"]]), true);
    failed.responseHeaders([[":status", "304"]], true);
    failed.complete();
    host.failHttpCall(host.httpCalls[1]!.token, "reset");

    expect(host.grpcCalls).toHaveLength(1);
    const bytes = host.grpcCalls[0]!.message;
    const message = Batch.decode(bytes);
    expect(Batch.verify(message)).toBeNull();
    // Canonical encoding: protobufjs writes the decoded message back to the same bytes.
    expect(Buffer.from(Batch.encode(message).finish()).equals(Buffer.from(bytes))).toBe(true);

    const batch = Batch.toObject(message, { defaults: true, longs: String, enums: String, bytes: String }) as any;
    expect(batch.pairs).toHaveLength(2);
    const [first, second] = batch.pairs;
    const version = fnv1a32Hex(configJson);

    expect(first).toEqual({
      id: "contract-1",
      proxyId: NODE_ID,
      configVersion: version,
      method: "GET",
      authority: "api.demo.example",
      path: "/users/7?fields=name",
      requestHeaders: REQUEST_HEADERS,
      startUnixNanos: String(startUnixNanos),
      primary: {
        status: 200,
        headers: PRIMARY_HEADERS,
        body: Buffer.from('{"name":').toString("base64"),
        bodySize: "14",
        truncated: true,
        latencyNanos: "12000000",
        failure: "SHADOW_FAILURE_NONE",
        name: "",
        trailers: [],
      },
      targets: [
        {
          status: 201,
          headers: SHADOW_HEADERS,
          body: Buffer.from('{"name":').toString("base64"),
          bodySize: "14",
          truncated: true,
          latencyNanos: "15000000",
          failure: "SHADOW_FAILURE_NONE",
          name: "shadow",
          trailers: [],
        },
      ],
      secondary: null,
      requestBody: null,
      idShortened: false,
      pathTruncated: false,
      // No secondary configured: the share is 0, left out of the wire.
      secondarySharePpm: 0,
      traceId: TRACE_ID,
      grpc: false,
    });
    expect(second.traceId).toBe("");

    expect(second.id).toBe("contract-2");
    expect(second.primary.status).toBe(304);
    expect(second.primary.bodySize).toBe("0");
    expect(second.primary.truncated).toBe(false);
    // A side that failed carries its name, latency and failure kind, and nothing of an answer.
    expect(second.targets).toEqual([
      { status: 0, headers: [], body: "", bodySize: "0", truncated: false, latencyNanos: "0", failure: "SHADOW_FAILURE_RESET", name: "shadow", trailers: [] },
    ]);
    expect(ShadowFailure.values[second.targets[0].failure]).toBe(2);

    // The collector reads the same bytes into the same pairs.
    const read = reader.read(bytes);
    expect(read.dropped).toEqual([]);
    expect(read.pairs).toEqual([
      {
        id: "contract-1",
        proxyId: NODE_ID,
        configVersion: version,
        method: "GET",
        authority: "api.demo.example",
        path: "/users/7?fields=name",
        requestHeaders: REQUEST_HEADERS,
        startUnixNanos: Number(startUnixNanos),
        primary: {
          status: 200,
          headers: PRIMARY_HEADERS,
          body: Buffer.from('{"name":'),
          bodySize: 14,
          truncated: true,
          latencyNanos: 12_000_000,
          trailers: [],
        },
        targets: [
          {
            name: "shadow",
            response: {
              status: 201,
              headers: SHADOW_HEADERS,
              body: Buffer.from('{"name":'),
              bodySize: 14,
              truncated: true,
              latencyNanos: 15_000_000,
              trailers: [],
            },
            failure: null,
          },
        ],
        secondary: null,
        requestBody: null,
        secondaryShare: 0,
        traceId: TRACE_ID,
        grpc: false,
      },
      {
        id: "contract-2",
        proxyId: NODE_ID,
        configVersion: version,
        method: "GET",
        authority: "api.demo.example",
        path: "/users/8",
        requestHeaders: [],
        startUnixNanos: Number(startUnixNanos) + 15_000_000,
        primary: { status: 304, headers: [], body: Buffer.alloc(0), bodySize: 0, truncated: false, latencyNanos: 0, trailers: [] },
        targets: [{ name: "shadow", response: null, failure: "reset" }],
        secondary: null,
        requestBody: null,
        secondaryShare: 0,
        traceId: "",
        grpc: false,
      },
    ] satisfies Pair[]);
  });

  it("carries every target in configuration order, each named, and the secondary apart", async () => {
    const host = await startFilter({ response_headers: ["etag"], batch_max_pairs: 2 }, TARGETS_CONFIG);
    const answers = [
      { status: 200, headers: [["etag", '"v2"']] as Array<[string, string]>, body: '{"v":2}' },
      null, // v3 is reset
      { status: 404, headers: [["etag", '"v4"']] as Array<[string, string]>, body: "gone" },
      { status: 200, headers: [["etag", '"v1-again"']] as Array<[string, string]>, body: '{"v":1}' },
    ];
    for (const id of ["many-1", "many-2"]) {
      const stream = host.newStream();
      const before = host.httpCalls.length;
      stream.requestHeaders(requestHeaders("GET", `/users/${id}`, [["x-request-id", id]]), true);
      const calls = host.httpCalls.slice(before);
      // Finishing in reverse: the secondary first, the primary last.
      answers.forEach((_, i) => {
        const side = answers.length - 1 - i;
        host.advanceClock(1);
        const answer = answers[side];
        if (answer) host.respondHttpCall(calls[side]!.token, answer);
        else host.failHttpCall(calls[side]!.token, "reset");
      });
      host.advanceClock(1);
      stream.responseHeaders([[":status", "200"], ["etag", '"v1"']], false);
      stream.responseBody('{"v":1}', true);
      stream.complete();
    }
    expect(host.grpcCalls).toHaveLength(1);
    const bytes = host.grpcCalls[0]!.message;
    const message = Batch.decode(bytes);
    expect(Batch.verify(message)).toBeNull();
    expect(Buffer.from(Batch.encode(message).finish()).equals(Buffer.from(bytes))).toBe(true);
    const batch = Batch.toObject(message, { defaults: true, longs: Number, enums: String, bytes: String }) as any;
    const [first] = batch.pairs;
    const body = (text: string) => Buffer.from(text).toString("base64");
    expect(first.targets).toEqual([
      { status: 200, headers: [{ name: "etag", value: '"v2"' }], body: body('{"v":2}'), bodySize: 7, truncated: false, latencyNanos: 4_000_000, failure: "SHADOW_FAILURE_NONE", name: "v2", trailers: [] },
      { status: 0, headers: [], body: "", bodySize: 0, truncated: false, latencyNanos: 3_000_000, failure: "SHADOW_FAILURE_RESET", name: "v3", trailers: [] },
      { status: 404, headers: [{ name: "etag", value: '"v4"' }], body: body("gone"), bodySize: 4, truncated: false, latencyNanos: 2_000_000, failure: "SHADOW_FAILURE_NONE", name: "v4", trailers: [] },
    ]);
    expect(first.secondary).toEqual({
      status: 200, headers: [{ name: "etag", value: '"v1-again"' }], body: body('{"v":1}'), bodySize: 7, truncated: false, latencyNanos: 1_000_000, failure: "SHADOW_FAILURE_NONE", name: "", trailers: [],
    });
    expect(first.primary.latencyNanos).toBe(5_000_000);
    expect(batch.pairs[1].targets.map((t: { name: string }) => t.name)).toEqual(["v2", "v3", "v4"]);

    // The collector's reader takes the same bytes: every target by name, and the secondary.
    const read = reader.read(bytes);
    expect(read.dropped).toEqual([]);
    expect(read.pairs.map((pair) => pair.id)).toEqual(["many-1", "many-2"]);
    const [v2, v3, v4] = read.pairs[0]!.targets;
    expect(read.pairs[0]!.targets.map((target) => target.name)).toEqual(["v2", "v3", "v4"]);
    expect(v2!.response).toEqual({
      status: 200, headers: [{ name: "etag", value: '"v2"' }], body: Buffer.from('{"v":2}'), bodySize: 7, truncated: false, latencyNanos: 4_000_000, trailers: [],
    });
    expect(v2!.failure).toBeNull();
    expect(v3!.response).toBeNull();
    expect(v3!.failure).not.toBeNull();
    expect(v4!.response?.status).toBe(404);
    expect(read.pairs[0]!.secondary?.response?.body).toEqual(Buffer.from('{"v":1}'));
    expect(read.pairs[1]!.targets.map((target) => target.name)).toEqual(["v2", "v3", "v4"]);
    // Every pair says the secondary's configured share: 100% here.
    expect(batch.pairs.map((pair: { secondarySharePpm: number }) => pair.secondarySharePpm)).toEqual([1_000_000, 1_000_000]);
    expect(read.pairs.map((pair) => pair.secondaryShare)).toEqual([1, 1]);
  });

  it("says the secondary's share, a fraction of a percent too, in pairs the secondary was not asked for", async () => {
    const host = await startFilter({ secondary: { ...TARGETS_CONFIG.secondary, sample_percent: 0.0125 } }, TARGETS_CONFIG);
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/users/1"), true);
    for (const call of host.httpCalls) host.respondHttpCall(call.token, { status: 200 });
    stream.responseHeaders([[":status", "200"]], true);
    stream.complete();
    const bytes = host.grpcCalls[0]!.message;
    const batch = Batch.toObject(Batch.decode(bytes)) as { pairs: Array<{ secondary?: unknown; secondarySharePpm: number }> };
    expect(batch.pairs[0]!.secondary).toBeUndefined();
    expect(batch.pairs[0]!.secondarySharePpm).toBe(125);
    expect(reader.read(bytes).pairs[0]!.secondaryShare).toBe(0.000125);
  });

  it("carries a gRPC call's message, each side's trailers (a trailers-only answer's from its headers) and its gRPC mark", async () => {
    const host = await startFilter({ grpc: { methods: ["/shop.v1.Catalog/GetProduct"], trailers: ["x-cost"] } }, BASE_CONFIG, BODIES_WASM_PATH);
    const message = Buffer.from([0, 0, 0, 0, 3, 0x08, 0x96, 0x01]);
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("POST", "/shop.v1.Catalog/GetProduct", [["x-request-id", "grpc-1"], ["content-type", "application/grpc"]]), false);
    stream.requestBody(message, true);
    stream.responseHeaders([[":status", "200"], ["content-type", "application/grpc"]], false);
    stream.responseBody(message, false);
    stream.responseTrailers([["grpc-status", "0"], ["x-cost", "2"]]);
    stream.complete();
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, headers: [["content-type", "application/grpc"], ["grpc-status", "5"], ["grpc-message", "gone"]] });

    const bytes = host.grpcCalls[0]!.message;
    const decoded = Batch.decode(bytes);
    expect(Batch.verify(decoded)).toBeNull();
    expect(Buffer.from(Batch.encode(decoded).finish()).equals(Buffer.from(bytes))).toBe(true);
    const [first] = (Batch.toObject(decoded, { defaults: true, longs: Number, enums: String, bytes: Buffer }) as any).pairs;
    expect(first.grpc).toBe(true);
    expect(Buffer.from(first.requestBody.data).equals(message)).toBe(true);
    expect(first.primary.trailers).toEqual([{ name: "grpc-status", value: "0" }, { name: "x-cost", value: "2" }]);
    expect(first.targets[0].trailers).toEqual([{ name: "grpc-status", value: "5" }, { name: "grpc-message", value: "gone" }]);

    const read = reader.read(bytes);
    expect(read.dropped).toEqual([]);
    const [pair] = read.pairs;
    expect(pair!.grpc).toBe(true);
    expect(pair!.requestBody).toEqual({ body: message, bodySize: 8, truncated: false });
    expect(pair!.primary.trailers).toEqual([{ name: "grpc-status", value: "0" }, { name: "x-cost", value: "2" }]);
    expect(pair!.targets[0]!.response!.trailers).toEqual([{ name: "grpc-status", value: "5" }, { name: "grpc-message", value: "gone" }]);
    expect(pair!.targets[0]!.response!.bodySize).toBe(0);
  });

  it("leaves the secondary out of a pair outside its share", async () => {
    const host = await startFilter({ secondary: { ...TARGETS_CONFIG.secondary, sample_percent: 0 } }, TARGETS_CONFIG);
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/users/1"), true);
    expect(host.httpCalls).toHaveLength(3);
    for (const call of host.httpCalls) host.respondHttpCall(call.token, { status: 200 });
    stream.responseHeaders([[":status", "200"]], true);
    stream.complete();
    const batch = Batch.toObject(Batch.decode(host.grpcCalls[0]!.message)) as { pairs: Array<{ targets: unknown[]; secondary?: unknown }> };
    expect(batch.pairs[0]!.targets).toHaveLength(3);
    expect(batch.pairs[0]!.secondary).toBeUndefined();
  });

  it("makes a pair id from host randomness when the request has no x-request-id", async () => {
    const host = await startFilter({ batch_max_pairs: 2 });
    for (let i = 0; i < 2; i++) {
      const stream = host.newStream();
      stream.requestHeaders(requestHeaders("GET", "/"), true);
      stream.responseHeaders([[":status", "200"]], true);
      stream.complete();
      host.respondHttpCall(host.httpCalls[i]!.token, { status: 200 });
    }
    const batch = Batch.toObject(Batch.decode(host.grpcCalls[0]!.message), { defaults: true }) as any;
    const ids: string[] = batch.pairs.map((p: { id: string }) => p.id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(reader.read(host.grpcCalls[0]!.message).pairs.map((pair) => pair.id)).toEqual(ids);
  });

  it("turns bytes that are not UTF-8 into U+FFFD, so every string field is valid UTF-8", async () => {
    // n, a stray 0xff, d, a 2-byte lead with a bad continuation, (, a 3-byte sequence cut short
    const nodeId = Uint8Array.from([0x6e, 0xff, 0x64, 0xc3, 0x28, 0xe2, 0x82]);
    const host = await ProxyWasmHost.load(WASM_PATH, {
      clusters: [SHADOW_CLUSTER, COLLECTOR_CLUSTER],
      properties: { "xds.node.id": nodeId },
    });
    expect(host.start(JSON.stringify(BASE_CONFIG))).toBe(true);
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/"), true);
    stream.responseHeaders([[":status", "200"]], true);
    stream.complete();
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200 });
    const bytes = host.grpcCalls[0]!.message;
    const message = Batch.decode(bytes);
    expect(Buffer.from(Batch.encode(message).finish()).equals(Buffer.from(bytes))).toBe(true);
    const batch = Batch.toObject(message) as { pairs: Array<{ proxyId: string }> };
    expect(batch.pairs[0]!.proxyId).toBe("n\uFFFDd\uFFFD(\uFFFD\uFFFD");
    // The collector's reader refuses strings that are not UTF-8; these are.
    expect(reader.read(bytes).pairs[0]!.proxyId).toBe("n\uFFFDd\uFFFD(\uFFFD\uFFFD");
  });
});
