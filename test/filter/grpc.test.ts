// gRPC calls in build/shadowdiff-bodies.wasm: only a unary method grpc.methods lists is mirrored,
// with its exact message, `te: trailers` and its metadata less hop-by-hop headers; every other
// call with a gRPC content-type passes untouched and is counted by reason; each side's trailers
// (a trailers-only answer's headers) reach the pair, which says it is gRPC.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { Action } from "../wasmhost/index.js";
import {
  BASE_CONFIG, BODIES_WASM_PATH, TARGETS_CONFIG, header, loadHost, metric, reportedPairs, requestHeaders, startFilter, type HeaderList,
} from "./fixture.js";
import { shadowOf } from "./capture.js";

const GRPC = { methods: ["/shop.v1.Catalog/GetProduct", "/shop.v1.Prices/*"], max_bytes: 64 };
const GRPC_HEADERS: HeaderList = [["content-type", "application/grpc"], ["te", "trailers"], ["grpc-timeout", "5S"], ["x-user-tier", "gold"]];

function startGrpc(overrides: Record<string, unknown> = {}, base: Record<string, unknown> = BASE_CONFIG): Promise<ProxyWasmHost> {
  return startFilter({ grpc: GRPC, ...overrides }, base, BODIES_WASM_PATH);
}

/** One gRPC message as it travels: the compressed flag, a 4-byte big-endian length, the bytes. */
function frame(message: Uint8Array | string, compressed = false): Uint8Array {
  const bytes = typeof message === "string" ? new TextEncoder().encode(message) : message;
  const out = new Uint8Array(5 + bytes.length);
  out[0] = compressed ? 1 : 0;
  new DataView(out.buffer).setUint32(1, bytes.length);
  out.set(bytes, 5);
  return out;
}

function call(host: ProxyWasmHost, path: string, chunks: Uint8Array[], extra: HeaderList = GRPC_HEADERS) {
  const stream = host.newStream();
  const headers = requestHeaders("POST", path, extra);
  expect(stream.requestHeaders(headers, chunks.length === 0)).toBe(Action.Continue);
  chunks.forEach((chunk, i) => expect(stream.requestBody(chunk, i === chunks.length - 1)).toBe(Action.Continue));
  return { stream, headers };
}

/** The primary answers one message and its status in trailers. */
function answer(stream: ReturnType<typeof call>["stream"], message: Uint8Array, trailers: HeaderList = [["grpc-status", "0"]]) {
  stream.responseHeaders([[":status", "200"], ["content-type", "application/grpc"]], false);
  stream.responseBody(message, false);
  stream.responseTrailers(trailers);
  stream.complete();
}

describe("grpc refused, naming the key", () => {
  it.each<[string, unknown, string]>([
    ["not an object", ["/a.B/C"], `"grpc" must be an object`],
    ["null", null, `"grpc" must be an object`],
    ["methods missing", { max_bytes: 10 }, `"grpc.methods" is required`],
    ["no method", { methods: [] }, `"grpc.methods" must be a non-empty array of gRPC methods`],
    ["a method twice", { methods: ["/a.B/C", "/a.B/C"] }, `"grpc.methods" must be a non-empty array of gRPC methods, each once`],
    ["no leading slash", { methods: ["a.B/C"] }, `"grpc.methods" must be`],
    ["no method part", { methods: ["/a.B"] }, `"grpc.methods" must be`],
    ["an empty method", { methods: ["/a.B/"] }, `"grpc.methods" must be`],
    ["three parts", { methods: ["/a.B/C/D"] }, `"grpc.methods" must be`],
    ["an empty package part", { methods: ["/a..B/C"] }, `"grpc.methods" must be`],
    ["a digit first", { methods: ["/1a.B/C"] }, `"grpc.methods" must be`],
    ["a partial wildcard", { methods: ["/a.B/Get*"] }, `"grpc.methods" must be`],
    ["a wildcard service", { methods: ["/*/C"] }, `"grpc.methods" must be`],
    ["a query", { methods: ["/a.B/C?x=1"] }, `"grpc.methods" must be`],
    ["CR LF", { methods: ["/a.B/C\r\nx: y"] }, `"grpc.methods" must be`],
    ["non-ASCII", { methods: ["/a.B/Caf\u00e9"] }, `"grpc.methods" must be`],
    ["300 characters", { methods: [`/a.B/${"C".repeat(295)}`] }, `"grpc.methods" must be`],
    ["a number", { methods: [1] }, `"grpc.methods" must be`],
    ["a cap past the limit", { methods: ["/a.B/C"], max_bytes: 1048577 }, `"grpc.max_bytes" must be an integer from 0 to 1048576`],
    ["a negative cap", { methods: ["/a.B/C"], max_bytes: -1 }, `"grpc.max_bytes" must be an integer`],
    ["a cap as a string", { methods: ["/a.B/C"], max_bytes: "64k" }, `"grpc.max_bytes" must be an integer`],
    ["a budget past the limit", { methods: ["/a.B/C"], budget_bytes: 67108865 }, `"grpc.budget_bytes" must be an integer from 1 to 67108864`],
    ["a budget below the cap", { methods: ["/a.B/C"], max_bytes: 1000, budget_bytes: 999 }, `"grpc.budget_bytes" must be at least max_bytes (1000)`],
    ["a pseudo-header trailer", { methods: ["/a.B/C"], trailers: [":status"] }, `"grpc.trailers" must be an array of header names`],
    ["a trailer with a space", { methods: ["/a.B/C"], trailers: ["x a"] }, `"grpc.trailers" must be an array of header names`],
    ["trailers not an array", { methods: ["/a.B/C"], trailers: "x-a" }, `"grpc.trailers" must be an array of header names`],
    ["an unknown field", { methods: ["/a.B/C"], method: "/a.B/D" }, `"grpc.method" is unknown`],
  ])("%s", async (_name, value, message) => {
    const refused = await startGrpc({ grpc: value }).then(() => "accepted", (error: Error) => error.message);
    expect(refused).toContain(`shadowdiff: config key ${message}`);
  });

  it("with a field given twice", async () => {
    const host = await loadHost(BODIES_WASM_PATH);
    const config = JSON.stringify(BASE_CONFIG).slice(0, -1) + ',"grpc":{"methods":["/a.B/C"],"methods":["/a.B/D"]}}';
    expect(host.start(config)).toBe(false);
    expect(host.logs.map((l) => l.message)).toContain(`shadowdiff: config key "grpc.methods" appears more than once`);
  });

  it("by the default module, which receives no request body", async () => {
    const refused = await startFilter({ grpc: GRPC }).then(() => "accepted", (error: Error) => error.message);
    expect(refused).toContain(`shadowdiff: config key "grpc" is unknown`);
  });

  it("accepts a service without a package, underscores and 64 methods", async () => {
    const methods = ["/Greeter/SayHello", "/_a.b_2.C/D_e", ...Array.from({ length: 62 }, (_, i) => `/p.S/M${i}`)];
    const host = await startGrpc({ grpc: { methods } });
    call(host, "/Greeter/SayHello", [frame("x")]);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
  });
});

describe("a listed unary call", () => {
  it("goes with its exact message, te: trailers, its metadata less hop-by-hop headers, and the tag", async () => {
    const host = await startGrpc();
    const message = frame(Uint8Array.from([0x0a, 0x03, 0x61, 0x2d, 0x31, 0x10, 0x02]));
    call(host, "/shop.v1.Catalog/GetProduct", [message.slice(0, 3), message.slice(3)], [...GRPC_HEADERS, ["connection", "x-hop"], ["x-hop", "1"], ["content-length", "999"]]);
    expect(host.httpCalls).toHaveLength(1);
    const copy = host.httpCalls[0]!;
    expect(Array.from(copy.body)).toEqual(Array.from(message));
    expect(header(copy.headers, ":method")).toBe("POST");
    expect(header(copy.headers, ":path")).toBe("/shop.v1.Catalog/GetProduct");
    expect(header(copy.headers, "content-type")).toBe("application/grpc");
    expect(header(copy.headers, "te")).toBe("trailers");
    expect(copy.headers.filter(([name]) => name === "te")).toHaveLength(1);
    expect(header(copy.headers, "grpc-timeout")).toBe("5S");
    expect(header(copy.headers, "x-user-tier")).toBe("gold");
    expect(header(copy.headers, "x-hop")).toBeUndefined();
    expect(header(copy.headers, "connection")).toBeUndefined();
    expect(header(copy.headers, "content-length")).toBe(String(message.length));
    expect(header(copy.headers, "x-shadow-request")).toBe("true");
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
  });

  it("of a listed service goes; another service's, the service path itself and a deeper path do not", async () => {
    const host = await startGrpc();
    for (const path of ["/shop.v1.Prices/Quote", "/shop.v1.Prices/List", "/shop.v1.PricesX/Quote", "/shop.v1.Prices/", "/shop.v1.Prices/a/b", "/shop.v1.Catalog/ListProducts"]) {
      call(host, path, [frame("x")]);
    }
    expect(host.httpCalls.map((c) => header(c.headers, ":path"))).toEqual(["/shop.v1.Prices/Quote", "/shop.v1.Prices/List"]);
    expect(metric(host, "shadowdiff.requests_grpc_not_listed")).toBe(4);
  });

  it.each(["application/grpc+proto", "Application/GRPC", "application/grpc; charset=utf-8"])("is recognised by a content-type of %s", async (type) => {
    const host = await startGrpc();
    call(host, "/shop.v1.Catalog/ListProducts", [frame("x")], [["content-type", type]]);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_grpc_not_listed")).toBe(1);
    call(host, "/shop.v1.Catalog/GetProduct", [frame("x")], [["content-type", type]]);
    expect(host.httpCalls).toHaveLength(1);
  });

  it("has a pair that says it is gRPC, with its message and both sides' trailers, redacted as headers are", async () => {
    const host = await startGrpc({ grpc: { ...GRPC, trailers: ["x-cost", "x-secret"] }, redact_headers: ["x-secret"] });
    const request = frame("req");
    const { stream } = call(host, "/shop.v1.Catalog/GetProduct", [request]);
    answer(stream, frame("primary"), [["grpc-status", "0"], ["grpc-message", ""], ["x-cost", "3"], ["x-secret", "s3cr3t"], ["x-other", "no"]]);
    host.respondHttpCall(host.httpCalls[0]!.token, {
      status: 200,
      headers: [["content-type", "application/grpc"], ["grpc-encoding", "gzip"]],
      body: frame("shadow"),
      trailers: [["grpc-status", "5"], ["grpc-message", "not found"], ["x-cost", "4"]],
    });
    const [pair] = reportedPairs(host);
    expect(pair!.grpc).toBe(true);
    expect(Array.from(pair!.requestBody!.data)).toEqual(Array.from(request));
    expect(pair!.primary!.trailers.map((t) => [t.name, t.value])).toEqual([["grpc-status", "0"], ["grpc-message", ""], ["x-cost", "3"], ["x-secret", "[redacted]"]]);
    const shadow = shadowOf(pair!);
    expect(shadow.failure).toBe("SHADOW_FAILURE_NONE");
    expect(shadow.trailers.map((t) => [t.name, t.value])).toEqual([["grpc-status", "5"], ["grpc-message", "not found"], ["x-cost", "4"]]);
    expect(shadow.headers.map((h) => h.name)).toContain("grpc-encoding");
  });

  it("keeps the status of a trailers-only answer, on either side, from its headers", async () => {
    const host = await startGrpc();
    const { stream } = call(host, "/shop.v1.Catalog/GetProduct", [frame("req")]);
    stream.responseHeaders([[":status", "200"], ["content-type", "application/grpc"], ["grpc-status", "5"], ["grpc-message", "no such product"]], true);
    stream.complete();
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, headers: [["content-type", "application/grpc"], ["grpc-status", "14"], ["grpc-message", "overloaded"]] });
    const [pair] = reportedPairs(host);
    expect(pair!.primary!.trailers.map((t) => [t.name, t.value])).toEqual([["grpc-status", "5"], ["grpc-message", "no such product"]]);
    expect(pair!.primary!.bodySize).toBe(0);
    const shadow = shadowOf(pair!);
    expect(shadow.failure).toBe("SHADOW_FAILURE_NONE");
    expect(shadow.trailers.map((t) => [t.name, t.value])).toEqual([["grpc-status", "14"], ["grpc-message", "overloaded"]]);
  });

  it.each([
    ["upstream request timeout", "SHADOW_FAILURE_TIMEOUT"],
    ["upstream connect error or disconnect/reset before headers. reset reason: remote connection failure", "SHADOW_FAILURE_RESET"],
    ["no healthy upstream", "SHADOW_FAILURE_RESET"],
  ])("takes Envoy's own trailers-only answer %j for the failure it is", async (message, failure) => {
    const host = await startGrpc();
    const { stream } = call(host, "/shop.v1.Catalog/GetProduct", [frame("req")]);
    answer(stream, frame("p"));
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, headers: [["content-type", "application/grpc"], ["grpc-status", "14"], ["grpc-message", message]] });
    expect(shadowOf(reportedPairs(host)[0]!).failure).toBe(failure);
    expect(metric(host, "shadowdiff.shadow_ok")).toBe(0);
  });

  it("captures grpc-encoding of the request and the answers, for compressed messages", async () => {
    const host = await startGrpc();
    const { stream } = call(host, "/shop.v1.Catalog/GetProduct", [frame("z", true)], [...GRPC_HEADERS, ["grpc-encoding", "gzip"]]);
    stream.responseHeaders([[":status", "200"], ["content-type", "application/grpc"], ["grpc-encoding", "gzip"]], false);
    stream.responseBody(frame("p", true), false);
    stream.responseTrailers([["grpc-status", "0"]]);
    stream.complete();
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, headers: [["content-type", "application/grpc"]], body: frame("s"), trailers: [["grpc-status", "0"]] });
    const [pair] = reportedPairs(host);
    expect(pair!.requestHeaders).toEqual([{ name: "grpc-encoding", value: "gzip" }]);
    expect(pair!.primary!.headers).toContainEqual({ name: "grpc-encoding", value: "gzip" });
  });

  it("goes to every target and the secondary, each pair side with its trailers", async () => {
    const host = await startFilter({ grpc: GRPC }, TARGETS_CONFIG, BODIES_WASM_PATH);
    const { stream } = call(host, "/shop.v1.Catalog/GetProduct", [frame("req")]);
    answer(stream, frame("p"));
    expect(host.httpCalls).toHaveLength(4);
    host.httpCalls.forEach((c, i) => {
      expect(header(c.headers, "te")).toBe("trailers");
      host.respondHttpCall(c.token, { status: 200, headers: [["content-type", "application/grpc"]], body: frame("s"), trailers: [["grpc-status", String(i)]] });
    });
    const [pair] = reportedPairs(host);
    expect(pair!.targets.map((t) => t.trailers[0]!.value)).toEqual(["0", "1", "2"]);
    expect(pair!.secondary!.trailers[0]!.value).toBe("3");
  });
});

describe("a gRPC call that is not mirrored", () => {
  it("when not listed, passes untouched and is counted", async () => {
    const host = await startGrpc();
    const { stream, headers } = call(host, "/shop.v1.Catalog/ListProducts", [frame("a"), frame("b")]);
    expect(host.httpCalls).toHaveLength(0);
    expect(stream.request.pairs()).toEqual(headers);
    expect(metric(host, "shadowdiff.requests_grpc_not_listed")).toBe(1);
    expect(metric(host, "shadowdiff.requests_method_skipped")).toBe(0);
  });

  it("with a second message (client streaming), is counted and lets go of its copy", async () => {
    const host = await startGrpc({ grpc: { ...GRPC, budget_bytes: 64 } });
    call(host, "/shop.v1.Catalog/GetProduct", [frame("one"), frame("two")]);
    const both = new Uint8Array([...frame("one"), ...frame("two")]);
    call(host, "/shop.v1.Catalog/GetProduct", [both]);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_grpc_streaming")).toBe(2);
    // The budget held by the copies is free again.
    call(host, "/shop.v1.Catalog/GetProduct", [frame("x".repeat(59))]);
    expect(host.httpCalls).toHaveLength(1);
  });

  it("past grpc.max_bytes, is counted as too large; the primary gets every byte", async () => {
    const host = await startGrpc();
    const big = frame("x".repeat(60));
    const { stream } = call(host, "/shop.v1.Catalog/GetProduct", [big.slice(0, 30), big.slice(30)]);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_grpc_too_large")).toBe(1);
    expect(Array.from(stream.forwardedRequestBody)).toEqual(Array.from(big));
  });

  it("when it is gRPC-Web, whose framing a gRPC server does not read", async () => {
    const host = await startGrpc();
    call(host, "/shop.v1.Catalog/GetProduct", [frame("x")], [["content-type", "application/grpc-web+proto"]]);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_grpc_not_listed")).toBe(1);
  });

  it("with request_bodies taking POST but no grpc block: never as an opaque POST", async () => {
    const host = await startFilter({ request_bodies: { methods: ["POST"] } }, BASE_CONFIG, BODIES_WASM_PATH);
    call(host, "/shop.v1.Catalog/GetProduct", [frame("x")]);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_grpc_not_listed")).toBe(1);
    call(host, "/orders", [new TextEncoder().encode("{}")], [["content-type", "application/json"]]);
    expect(host.httpCalls).toHaveLength(1);
  });

  it("outside the sample or an excluded path, by the usual counters", async () => {
    const host = await startGrpc({ exclude_paths: ["/shop.v1.Prices/"] });
    call(host, "/shop.v1.Prices/Quote", [frame("x")]);
    expect(metric(host, "shadowdiff.requests_path_skipped")).toBe(1);
    const none = await startGrpc({ sample_percent: 0 });
    call(none, "/shop.v1.Catalog/GetProduct", [frame("x")]);
    expect(metric(none, "shadowdiff.requests_sampled_out")).toBe(1);
    expect(none.httpCalls).toHaveLength(0);
  });

  it("with the tag, is stripped and counted as tagged", async () => {
    const host = await startGrpc();
    const { stream } = call(host, "/shop.v1.Catalog/GetProduct", [frame("x")], [...GRPC_HEADERS, ["x-shadow-request", "true"]]);
    expect(host.httpCalls).toHaveLength(0);
    expect(header(stream.request.pairs(), "x-shadow-request")).toBeUndefined();
    expect(metric(host, "shadowdiff.requests_tagged")).toBe(1);
  });
});

describe("the primary of a gRPC call", () => {
  it("gets its request and answers its client byte for byte, mirrored or not", async () => {
    for (const path of ["/shop.v1.Catalog/GetProduct", "/shop.v1.Catalog/ListProducts"]) {
      const host = await startGrpc();
      const message = frame("abc");
      const { stream, headers } = call(host, path, [message]);
      expect(stream.request.pairs()).toEqual(headers);
      expect(Array.from(stream.forwardedRequestBody)).toEqual(Array.from(message));
      expect(stream.continueCalls).toEqual([]);
      stream.responseHeaders([[":status", "200"], ["content-type", "application/grpc"]], false);
      expect(stream.responseBody(frame("out"), false)).toBe(Action.Continue);
      expect(stream.responseTrailers([["grpc-status", "0"]])).toBe(Action.Continue);
      expect(Array.from(stream.forwardedResponseBody)).toEqual(Array.from(frame("out")));
    }
  });
});
