// Mirroring with request bodies (request_bodies, in build/shadowdiff-bodies.wasm): each copy
// carries the exact body and a content-length that matches it, or no copy goes at all; the
// primary's request passes untouched, chunk by chunk, and nothing is held past the bounds.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { Action } from "../wasmhost/index.js";
import {
  BASE_CONFIG, BODIES_WASM_PATH, TARGETS_CONFIG, header, loadHost, metric, reportedPairs, requestHeaders, startFilter, type HeaderList,
} from "./fixture.js";

const BODIES = { methods: ["POST", "PUT", "PATCH"], max_bytes: 64 };

function startBodies(overrides: Record<string, unknown> = {}, base: Record<string, unknown> = BASE_CONFIG): Promise<ProxyWasmHost> {
  return startFilter({ request_bodies: BODIES, ...overrides }, base, BODIES_WASM_PATH);
}

/** A request whose body follows its headers in `chunks`; the last one ends the request. */
function send(host: ProxyWasmHost, method: string, chunks: string[], extra: HeaderList = []) {
  const stream = host.newStream();
  const headers = requestHeaders(method, "/orders", [["content-type", "application/json"], ...extra]);
  expect(stream.requestHeaders(headers, chunks.length === 0)).toBe(Action.Continue);
  chunks.forEach((chunk, i) => expect(stream.requestBody(chunk, i === chunks.length - 1)).toBe(Action.Continue));
  return { stream, headers };
}

function bodyOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("latin1");
}

describe("request_bodies refused, naming the key", () => {
  it.each<[string, unknown, string]>([
    ["GET listed", { methods: ["GET"] }, `"request_bodies.methods" must not hold GET: it is mirrored without a body, by "methods"`],
    ["HEAD listed", { methods: ["POST", "HEAD"] }, `"request_bodies.methods" must not hold HEAD`],
    ["DELETE listed", { methods: ["DELETE"] }, `"request_bodies.methods" must be a non-empty array of "POST", "PUT" or "PATCH", each once`],
    ["a lower-case method", { methods: ["post"] }, `"request_bodies.methods" must be a non-empty array`],
    ["a method twice", { methods: ["POST", "POST"] }, `"request_bodies.methods" must be a non-empty array`],
    ["no method", { methods: [] }, `"request_bodies.methods" must be a non-empty array`],
    ["methods missing", { max_bytes: 10 }, `"request_bodies.methods" is required`],
    ["a method that is not a string", { methods: [1] }, `"request_bodies.methods" must be a non-empty array`],
    ["a cap past the limit", { methods: ["POST"], max_bytes: 1048577 }, `"request_bodies.max_bytes" must be an integer from 0 to 1048576`],
    ["a negative cap", { methods: ["POST"], max_bytes: -1 }, `"request_bodies.max_bytes" must be an integer from 0 to 1048576`],
    ["a fractional cap", { methods: ["POST"], max_bytes: 1.5 }, `"request_bodies.max_bytes" must be an integer`],
    ["a cap as a string", { methods: ["POST"], max_bytes: "64k" }, `"request_bodies.max_bytes" must be an integer`],
    ["a budget past the limit", { methods: ["POST"], budget_bytes: 67108865 }, `"request_bodies.budget_bytes" must be an integer from 1 to 67108864`],
    ["a budget below the cap", { methods: ["POST"], max_bytes: 1000, budget_bytes: 999 }, `"request_bodies.budget_bytes" must be at least max_bytes (1000)`],
    ["an unknown field", { methods: ["POST"], max_byte: 10 }, `"request_bodies.max_byte" is unknown`],
    ["not an object", ["POST"], `"request_bodies" must be an object`],
    ["null", null, `"request_bodies" must be an object`],
  ])("%s", async (_name, value, message) => {
    const refused = await startBodies({ request_bodies: value }).then(
      () => "accepted",
      (error: Error) => error.message,
    );
    expect(refused).toContain(`shadowdiff: config key ${message}`);
  });

  it("with a field given twice", async () => {
    const host = await loadHost(BODIES_WASM_PATH);
    const config = JSON.stringify(BASE_CONFIG).slice(0, -1) + ',"request_bodies":{"methods":["POST"],"max_bytes":1,"max_bytes":2}}';
    expect(host.start(config)).toBe(false);
    expect(host.logs.map((l) => l.message)).toContain(`shadowdiff: config key "request_bodies.max_bytes" appears more than once`);
  });

  it("by the default module, which receives no request body", async () => {
    const refused = await startFilter({ request_bodies: BODIES }).then(() => "accepted", (error: Error) => error.message);
    expect(refused).toContain(`shadowdiff: config key "request_bodies" is unknown`);
  });

  it("is accepted with the defaults of its cap and budget", async () => {
    const host = await startBodies({ request_bodies: { methods: ["PUT"] } });
    send(host, "PUT", ["x".repeat(65536)]);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
    const host2 = await startBodies({ request_bodies: { methods: ["PUT"] } });
    send(host2, "PUT", ["x".repeat(65537)]);
    expect(metric(host2, "shadowdiff.requests_body_too_large")).toBe(1);
  });
});

describe("a request_bodies method", () => {
  it.each(["POST", "PUT", "PATCH"])("%s goes with its exact body and a content-length that matches it", async (method) => {
    const host = await startBodies();
    const body = '{"order":{"sku":"a-1","qty":2},"note":"caf\u00e9"}';
    send(host, method, [body], [["content-length", "999"], ["transfer-encoding", "chunked"]]);
    expect(host.httpCalls).toHaveLength(1);
    const call = host.httpCalls[0]!;
    expect(header(call.headers, ":method")).toBe(method);
    expect(bodyOf(call.body)).toBe(Buffer.from(body).toString("latin1"));
    expect(header(call.headers, "content-length")).toBe(String(Buffer.byteLength(body)));
    expect(call.headers.filter(([name]) => name === "content-length")).toHaveLength(1);
    expect(header(call.headers, "transfer-encoding")).toBeUndefined();
    expect(header(call.headers, "x-shadow-request")).toBe("true");
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
  });

  it("copies a body that comes in many chunks, in order", async () => {
    const host = await startBodies();
    const chunks = ["{", '"a":', "1,", '"b":[1,2', ",3]", "}"];
    send(host, "POST", chunks);
    expect(bodyOf(host.httpCalls[0]!.body)).toBe(chunks.join(""));
    expect(header(host.httpCalls[0]!.headers, "content-length")).toBe(String(chunks.join("").length));
  });

  it("binary bytes survive unchanged", async () => {
    const host = await startBodies();
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("POST", "/blob"), false);
    stream.requestBody(bytes.slice(0, 10), false);
    stream.requestBody(bytes.slice(10), true);
    expect(Array.from(host.httpCalls[0]!.body)).toEqual(Array.from(bytes));
  });

  it("goes at exactly max_bytes, and not one byte over (counted)", async () => {
    const host = await startBodies();
    send(host, "POST", ["a".repeat(40), "b".repeat(24)]);
    expect(bodyOf(host.httpCalls[0]!.body)).toBe("a".repeat(40) + "b".repeat(24));
    send(host, "POST", ["a".repeat(40), "b".repeat(25)]);
    expect(host.httpCalls).toHaveLength(1);
    expect(metric(host, "shadowdiff.requests_body_too_large")).toBe(1);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
  });

  it("with an empty body goes with content-length 0", async () => {
    const host = await startBodies();
    send(host, "POST", []);
    send(host, "PUT", [""]);
    expect(host.httpCalls).toHaveLength(2);
    for (const call of host.httpCalls) {
      expect(call.body.length).toBe(0);
      expect(header(call.headers, "content-length")).toBe("0");
    }
  });

  it("ends at its trailers: the copy goes with the body, without them", async () => {
    const host = await startBodies();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("POST", "/orders"), false);
    stream.requestBody("abc", false);
    expect(host.httpCalls).toHaveLength(0);
    stream.requestTrailers([["x-checksum", "1"]]);
    expect(bodyOf(host.httpCalls[0]!.body)).toBe("abc");
    expect(host.httpCalls[0]!.trailers ?? []).toEqual([]);
  });

  it("is not sent before the body ends", async () => {
    const host = await startBodies();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("POST", "/orders"), false);
    stream.requestBody("abc", false);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(0);
    stream.requestBody("def", true);
    expect(bodyOf(host.httpCalls[0]!.body)).toBe("abcdef");
  });

  it("reset by the client mid-body is not mirrored, counted, and frees its share of the budget", async () => {
    const host = await startBodies({ request_bodies: { ...BODIES, budget_bytes: 64 } });
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("POST", "/orders"), false);
    stream.requestBody("x".repeat(60), false);
    stream.reset();
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_body_reset")).toBe(1);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(0);
    expect(metric(host, "shadowdiff.pairs_dropped_reset")).toBe(0);
    send(host, "POST", ["y".repeat(64)]);
    expect(bodyOf(host.httpCalls[0]!.body)).toBe("y".repeat(64));
  });

  it("carries the tag header and the request's own headers, as a body-less copy does", async () => {
    const host = await startBodies();
    send(host, "PATCH", ["{}"], [["x-shadow-request", "true"], ["accept", "application/json"]]);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_tagged")).toBe(1);
    send(host, "PATCH", ["{}"], [["accept", "application/json"], ["connection", "keep-alive"]]);
    const call = host.httpCalls[0]!;
    expect(header(call.headers, "accept")).toBe("application/json");
    expect(header(call.headers, "connection")).toBeUndefined();
    expect(header(call.headers, "x-shadow-request")).toBe("true");
  });
});

describe("a request_bodies pair", () => {
  it("holds what was sent, cut at max_body_bytes, with the whole size", async () => {
    const host = await startBodies({ max_body_bytes: 8 });
    const { stream } = send(host, "POST", ['{"a":1,', '"b":2}']);
    stream.responseHeaders([[":status", "201"]], false);
    stream.responseBody("{}", true);
    stream.complete();
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 201, body: "{}" });
    const [pair] = reportedPairs(host);
    expect(pair!.method).toBe("POST");
    expect(pair!.requestBody).toEqual({ data: new TextEncoder().encode('{"a":1,"'), size: 13, truncated: true });
  });

  it("of an empty body says so; a GET's pair has none", async () => {
    const host = await startBodies({ methods: ["GET"] });
    for (const method of ["POST", "GET"]) {
      const stream = host.newStream();
      stream.requestHeaders(requestHeaders(method, "/orders"), true);
      stream.responseHeaders([[":status", "200"]], true);
      stream.complete();
    }
    for (const call of host.httpCalls) host.respondHttpCall(call.token, { status: 200 });
    const pairs = reportedPairs(host);
    expect(pairs.map((p) => p.method)).toEqual(["POST", "GET"]);
    expect(pairs[0]!.requestBody).toEqual({ data: new Uint8Array(), size: 0, truncated: false });
    expect(pairs[1]!.requestBody).toBeUndefined();
  });
});

describe("a primary that answers before the request's body has ended", () => {
  it("still has its pair, once the body has gone and the shadow has answered", async () => {
    const host = await startBodies();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("POST", "/early"), false);
    stream.requestBody("ab", false);
    stream.responseHeaders([[":status", "202"]], true);
    stream.requestBody("cd", true);
    stream.complete();
    expect(bodyOf(host.httpCalls[0]!.body)).toBe("abcd");
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 202 });
    const [pair] = reportedPairs(host);
    expect(pair!.primary!.status).toBe(202);
    expect(pair!.requestBody!.size).toBe(4);
  });

  it("lets go of the waiting pair when the body then passes the cap: nothing sent, nothing pending", async () => {
    const host = await startBodies({ max_pending_pairs: 1 });
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("POST", "/early"), false);
    stream.responseHeaders([[":status", "413"]], true);
    stream.requestBody("x".repeat(65), true);
    stream.complete();
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_body_too_large")).toBe(1);
    // The pending slot it held is free: the next pair waits in it instead of being dropped.
    const next = host.newStream();
    next.requestHeaders(requestHeaders("POST", "/next"), true);
    next.responseHeaders([[":status", "201"]], true);
    next.complete();
    expect(metric(host, "shadowdiff.pairs_dropped_pending")).toBe(0);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 201 });
    expect(reportedPairs(host).map((p) => p.path)).toEqual(["/next"]);
  });
});

describe("methods not listed", () => {
  it("keep today's rules: a GET with a body, a DELETE, an unlisted PUT are never mirrored", async () => {
    const host = await startBodies({ request_bodies: { methods: ["POST"] } });
    send(host, "GET", ["hello"]);
    send(host, "DELETE", ["hello"]);
    send(host, "PUT", ["hello"]);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_with_body")).toBe(1);
    expect(metric(host, "shadowdiff.requests_method_skipped")).toBe(2);
  });
});

describe("the primary", () => {
  it.each([
    ["without request_bodies", {}],
    ["with request_bodies", { request_bodies: BODIES }],
  ])("gets its request byte for byte and chunk by chunk, %s", async (_name, overrides) => {
    const host = await startFilter(overrides, BASE_CONFIG, BODIES_WASM_PATH);
    const chunks = ['{"a":', "1}", ""];
    const { stream, headers } = send(host, "POST", chunks, [["content-length", "7"]]);
    expect(stream.request.pairs()).toEqual(headers);
    expect(bodyOf(stream.forwardedRequestBody)).toBe(chunks.join(""));
    expect(stream.continueCalls).toEqual([]);
    stream.responseHeaders([[":status", "201"], ["content-length", "2"]], false);
    expect(stream.responseBody("{}", true)).toBe(Action.Continue);
    expect(bodyOf(stream.forwardedResponseBody)).toBe("{}");
  });

  it("and one past the cap, or over the budget, are never paused", async () => {
    const host = await startBodies({ request_bodies: { ...BODIES, budget_bytes: 64 } });
    const { stream } = send(host, "POST", ["x".repeat(100), "y"]);
    expect(bodyOf(stream.forwardedRequestBody)).toBe("x".repeat(100) + "y");
  });
});

describe("the byte budget", () => {
  it("bounds the body copies in flight together; a request past it is counted, never buffered", async () => {
    const host = await startBodies({ request_bodies: { ...BODIES, budget_bytes: 100 } });
    const open = (name: string) => {
      const stream = host.newStream();
      stream.requestHeaders(requestHeaders("POST", `/${name}`), false);
      return stream;
    };
    const a = open("a");
    const b = open("b");
    const c = open("c");
    a.requestBody("a".repeat(40), false);
    b.requestBody("b".repeat(40), false);
    c.requestBody("c".repeat(40), false); // 120 > 100: c stops, and holds nothing
    expect(metric(host, "shadowdiff.requests_over_body_budget")).toBe(1);
    c.requestBody("c".repeat(10), true);
    a.requestBody("a".repeat(20), false); // 100: still within
    a.requestBody("", true);
    b.requestBody("b", true);
    expect(host.httpCalls.map((call) => header(call.headers, ":path"))).toEqual(["/a", "/b"]);
    expect(bodyOf(host.httpCalls[0]!.body)).toBe("a".repeat(60));
    // Both sent: their share is free again.
    const d = open("d");
    d.requestBody("d".repeat(64), true);
    expect(bodyOf(host.httpCalls[2]!.body)).toBe("d".repeat(64));
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(3);
    expect(metric(host, "shadowdiff.requests_over_body_budget")).toBe(1);
  });

  it("with the in-flight cap reached when the body ends, nothing goes and it is counted", async () => {
    const host = await startBodies({ max_in_flight: 1 });
    const first = host.newStream();
    first.requestHeaders(requestHeaders("POST", "/first"), false);
    const second = host.newStream();
    second.requestHeaders(requestHeaders("POST", "/second"), false);
    first.requestBody("1", true);
    second.requestBody("2", true);
    expect(host.httpCalls).toHaveLength(1);
    expect(metric(host, "shadowdiff.requests_over_capacity")).toBe(1);
  });
});

describe("several targets and the secondary", () => {
  it("each get the same body, with the tag", async () => {
    const host = await startFilter({ request_bodies: BODIES }, TARGETS_CONFIG, BODIES_WASM_PATH);
    send(host, "PUT", ['{"id":', "7}"]);
    expect(host.httpCalls).toHaveLength(4);
    for (const call of host.httpCalls) {
      expect(bodyOf(call.body)).toBe('{"id":7}');
      expect(header(call.headers, "content-length")).toBe("8");
      expect(header(call.headers, "x-shadow-request")).toBe("true");
    }
  });
});
