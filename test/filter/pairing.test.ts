// Capture and pairing: both sides' status, headers and body (capped), latencies, redaction, and
// pairs that come together whichever side finishes first.
import { describe, expect, it } from "vitest";
import { metric, reportedPairs, requestHeaders, startFilter, type HeaderList } from "./fixture.js";
import { shadowOf, text } from "./capture.js";
import type { ProxyWasmHost } from "../wasmhost/host.js";

const encoder = new TextEncoder();

function answerPrimary(stream: ReturnType<ProxyWasmHost["newStream"]>, status: number, body: string[], headers: HeaderList = []) {
  stream.responseHeaders([[":status", String(status)], ...headers], body.length === 0);
  body.forEach((chunk, i) => stream.responseBody(encoder.encode(chunk), i === body.length - 1));
  stream.complete();
}

describe("pairing", () => {
  it("pairs a shadow that answers after the primary", async () => {
    const host = await startFilter();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/users/1", [["x-request-id", "slow-shadow"]]), true);
    host.advanceClock(20);
    answerPrimary(stream, 200, ['{"id":1}'], [["content-type", "application/json"]]);
    expect(reportedPairs(host)).toHaveLength(0);
    host.advanceClock(30);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, headers: [["content-type", "application/json"]], body: '{"id":1,"v":2}' });
    const [pair] = reportedPairs(host);
    expect(pair!.id).toBe("slow-shadow");
    expect(pair!.primary!.status).toBe(200);
    expect(text(pair!.primary!.body)).toBe('{"id":1}');
    expect(pair!.primary!.latencyNanos).toBe(20_000_000);
    expect(shadowOf(pair!).status).toBe(200);
    expect(text(shadowOf(pair!).body)).toBe('{"id":1,"v":2}');
    expect(shadowOf(pair!).latencyNanos).toBe(50_000_000);
    expect(shadowOf(pair!).failure).toBe("SHADOW_FAILURE_NONE");
  });

  it("pairs a shadow that answers before the primary", async () => {
    const host = await startFilter();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/users/2", [["x-request-id", "fast-shadow"]]), true);
    host.advanceClock(5);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 404, body: "missing" });
    expect(reportedPairs(host)).toHaveLength(0);
    host.advanceClock(40);
    answerPrimary(stream, 200, ["found"]);
    const [pair] = reportedPairs(host);
    expect(pair!.id).toBe("fast-shadow");
    expect(shadowOf(pair!).status).toBe(404);
    expect(shadowOf(pair!).latencyNanos).toBe(5_000_000);
    expect(pair!.primary!.latencyNanos).toBe(45_000_000);
    expect(text(pair!.primary!.body)).toBe("found");
  });

  it("keeps the pairs of concurrent requests apart", async () => {
    const host = await startFilter({ batch_max_pairs: 2 });
    const a = host.newStream();
    const b = host.newStream();
    a.requestHeaders(requestHeaders("GET", "/a", [["x-request-id", "a"]]), true);
    b.requestHeaders(requestHeaders("GET", "/b", [["x-request-id", "b"]]), true);
    host.respondHttpCall(host.httpCalls[1]!.token, { status: 200, body: "shadow-b" });
    answerPrimary(a, 200, ["primary-a"]);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, body: "shadow-a" });
    answerPrimary(b, 200, ["primary-b"]);
    const pairs = reportedPairs(host);
    const byId = new Map(pairs.map((p) => [p.id, p]));
    expect(text(byId.get("a")!.primary!.body)).toBe("primary-a");
    expect(text(shadowOf(byId.get("a")!).body)).toBe("shadow-a");
    expect(text(byId.get("b")!.primary!.body)).toBe("primary-b");
    expect(text(shadowOf(byId.get("b")!).body)).toBe("shadow-b");
  });

  it("drops and counts a pair whose client reset the primary stream", async () => {
    const host = await startFilter();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/download"), true);
    stream.responseHeaders([[":status", "200"]], false);
    stream.responseBody(encoder.encode("partial"), false);
    stream.reset();
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, body: "whole" });
    expect(metric(host, "shadowdiff.pairs_dropped_reset")).toBe(1);
    expect(metric(host, "shadowdiff.in_flight")).toBe(0);
    host.tick();
    expect(reportedPairs(host)).toHaveLength(0);
  });

  it("drops and counts pairs past max_pending_pairs", async () => {
    const host = await startFilter({ max_pending_pairs: 1 });
    const first = host.newStream();
    const second = host.newStream();
    first.requestHeaders(requestHeaders("GET", "/1"), true);
    second.requestHeaders(requestHeaders("GET", "/2"), true);
    answerPrimary(first, 200, ["one"]);
    answerPrimary(second, 200, ["two"]);
    expect(metric(host, "shadowdiff.pairs_dropped_pending")).toBe(1);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, body: "one" });
    host.respondHttpCall(host.httpCalls[1]!.token, { status: 200, body: "two" });
    expect(reportedPairs(host).map((p) => p.path)).toEqual(["/1"]);
  });
});

describe("capture", () => {
  it("lets the primary's response through untouched, every callback answering Continue", async () => {
    const host = await startFilter({ max_body_bytes: 4 });
    const stream = host.newStream();
    const sent: HeaderList = [[":status", "200"], ["content-type", "text/plain"], ["set-cookie", "a=b"]];
    expect(stream.requestHeaders(requestHeaders("GET", "/page"), true)).toBe(0);
    expect(stream.responseHeaders(sent, false)).toBe(0);
    expect(stream.responseBody(encoder.encode("first "), false)).toBe(0);
    expect(stream.responseBody(encoder.encode("second"), true)).toBe(0);
    expect(stream.response.pairs()).toEqual(sent);
    expect(new TextDecoder().decode(stream.forwardedResponseBody)).toBe("first second");
    expect(stream.continueCalls).toEqual([]);
    expect(stream.closeCalls).toEqual([]);
    expect(stream.localResponse).toBeUndefined();
  });

  it("caps each body at max_body_bytes, keeping the size and a truncated flag", async () => {
    const host = await startFilter({ max_body_bytes: 10 });
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/big"), true);
    answerPrimary(stream, 200, ["hello ", "world, ", "and more"]);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, body: "0123456789abcdef" });
    const [pair] = reportedPairs(host);
    expect(text(pair!.primary!.body)).toBe("hello worl");
    expect(pair!.primary!.bodySize).toBe(21);
    expect(pair!.primary!.truncated).toBe(true);
    expect(text(shadowOf(pair!).body)).toBe("0123456789");
    expect(shadowOf(pair!).bodySize).toBe(16);
    expect(shadowOf(pair!).truncated).toBe(true);
  });

  it("keeps a body that fits whole and not truncated", async () => {
    const host = await startFilter({ max_body_bytes: 10 });
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/small"), true);
    answerPrimary(stream, 200, ["0123456789"]);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 204 });
    const [pair] = reportedPairs(host);
    expect(pair!.primary!.bodySize).toBe(10);
    expect(pair!.primary!.truncated).toBe(false);
    expect(shadowOf(pair!).status).toBe(204);
    expect(shadowOf(pair!).bodySize).toBe(0);
  });

  it("redacts identifying headers before the pair leaves the proxy", async () => {
    const host = await startFilter({
      request_headers: ["authorization", "cookie", "x-api-key", "user-agent"],
      response_headers: ["set-cookie", "x-trace"],
      redact_headers: ["x-api-key", "X-Trace"],
    });
    const stream = host.newStream();
    stream.requestHeaders(
      requestHeaders("GET", "/me", [
        ["authorization", "Bearer secret"],
        ["cookie", "session=secret"],
        ["x-api-key", "secret"],
        ["user-agent", "curl/8"],
        ["proxy-authorization", "Basic secret"],
      ]),
      true,
    );
    answerPrimary(stream, 200, ["{}"], [["set-cookie", "s=secret"], ["x-trace", "secret"], ["content-type", "application/json"]]);
    host.respondHttpCall(host.httpCalls[0]!.token, {
      status: 200,
      headers: [["set-cookie", "s=other-secret"], ["content-encoding", "gzip"]],
      body: "{}",
    });
    const [pair] = reportedPairs(host);
    expect(pair!.requestHeaders).toEqual([
      { name: "authorization", value: "[redacted]" },
      { name: "cookie", value: "[redacted]" },
      { name: "x-api-key", value: "[redacted]" },
      { name: "user-agent", value: "curl/8" },
    ]);
    expect(pair!.primary!.headers).toEqual([
      { name: "set-cookie", value: "[redacted]" },
      { name: "x-trace", value: "[redacted]" },
      { name: "content-type", value: "application/json" },
    ]);
    expect(shadowOf(pair!).headers).toEqual([
      { name: "set-cookie", value: "[redacted]" },
      { name: "content-encoding", value: "gzip" },
    ]);
    const everything = JSON.stringify(pair);
    expect(everything).not.toContain("secret");
  });
});
