// Each way a shadow call fails, delivered as Envoy delivers it, becomes its failure kind in the
// pair and its counter.
import { describe, expect, it } from "vitest";
import { metric, reportedPairs, requestHeaders, startFilter } from "./fixture.js";
import { shadowOf } from "./capture.js";
import { ROUTER_LOCAL_REPLIES, localReplyResponse } from "../wasmhost/callouts.js";
import type { ProxyWasmHost } from "../wasmhost/host.js";

async function mirroredThen(deliver: (host: ProxyWasmHost, token: number) => void, overrides: Record<string, unknown> = {}) {
  const host = await startFilter(overrides);
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", "/users/1"), true);
  stream.responseHeaders([[":status", "200"]], true);
  stream.complete();
  const call = host.httpCalls[0];
  if (call) deliver(host, call.token);
  const pairs = reportedPairs(host);
  expect(pairs).toHaveLength(1);
  return { host, pair: pairs[0]! };
}

describe("shadow failures", () => {
  it("a stream reset (0 headers, status 11) is RESET", async () => {
    const { host, pair } = await mirroredThen((h, token) => h.failHttpCall(token, "reset"));
    expect(shadowOf(pair).failure).toBe("SHADOW_FAILURE_RESET");
    expect(shadowOf(pair).name).toBe("shadow");
    expect(shadowOf(pair).status).toBe(0);
    expect(shadowOf(pair).body).toHaveLength(0);
    expect(pair.primary!.status).toBe(200);
    expect(metric(host, "shadowdiff.shadow_reset")).toBe(1);
    expect(metric(host, "shadowdiff.in_flight")).toBe(0);
  });

  it("Envoy's 504 local reply for a timeout is TIMEOUT", async () => {
    const { host, pair } = await mirroredThen((h, token) => h.timeoutHttpCall(token));
    expect(shadowOf(pair).failure).toBe("SHADOW_FAILURE_TIMEOUT");
    expect(metric(host, "shadowdiff.shadow_timeout")).toBe(1);
    expect(metric(host, "shadowdiff.shadow_ok")).toBe(0);
  });

  it("Envoy's 503 local reply for a refused connection is RESET", async () => {
    const { host, pair } = await mirroredThen((h, token) => h.refuseHttpCall(token));
    expect(shadowOf(pair).failure).toBe("SHADOW_FAILURE_RESET");
    expect(metric(host, "shadowdiff.shadow_reset")).toBe(1);
  });

  it("a 503 the shadow itself answered is a response, not a failure", async () => {
    const { host, pair } = await mirroredThen((h, token) => h.respondHttpCall(token, { status: 503, body: '{"error":"busy"}' }));
    expect(shadowOf(pair).failure).toBe("SHADOW_FAILURE_NONE");
    expect(shadowOf(pair).status).toBe(503);
    expect(metric(host, "shadowdiff.shadow_ok")).toBe(1);
  });

  it("the timeout fires from the clock after shadow_timeout_ms", async () => {
    const { host, pair } = await mirroredThen((h) => h.advanceClock(300), { shadow_timeout_ms: 300 });
    expect(shadowOf(pair).failure).toBe("SHADOW_FAILURE_TIMEOUT");
    expect(metric(host, "shadowdiff.shadow_timeout")).toBe(1);
  });

  it("a 503 'no healthy upstream' local reply is RESET", async () => {
    const reply = ROUTER_LOCAL_REPLIES.noHealthyUpstream;
    const { pair } = await mirroredThen((h, token) => h.respondHttpCall(token, localReplyResponse(reply.status, reply.body)));
    expect(shadowOf(pair).failure).toBe("SHADOW_FAILURE_RESET");
  });

  // Envoy (context.cc onHttpCallFailure) reports ExceedResponseBufferLimit exactly like a reset:
  // 0 headers, status 11, message "reset". The filter cannot tell them apart, so it says RESET
  // rather than guess; OVERFLOW is kept for an Envoy whose message names the buffer limit.
  it("a response over Envoy's buffer limit, reported as Envoy does, is RESET", async () => {
    const { host, pair } = await mirroredThen((h, token) => h.failHttpCall(token, "overflow"));
    expect(shadowOf(pair).failure).toBe("SHADOW_FAILURE_RESET");
    expect(metric(host, "shadowdiff.shadow_reset")).toBe(1);
    expect(metric(host, "shadowdiff.shadow_overflow")).toBe(0);
  });

  it("a shadow cluster Envoy does not know is NO_CLUSTER, and the primary is untouched", async () => {
    const { host, pair } = await mirroredThen(() => {}, { shadow_cluster: "outbound|80||nowhere" });
    expect(host.httpCalls).toHaveLength(0);
    expect(shadowOf(pair).failure).toBe("SHADOW_FAILURE_NO_CLUSTER");
    expect(pair.primary!.status).toBe(200);
    expect(metric(host, "shadowdiff.shadow_no_cluster")).toBe(1);
    expect(metric(host, "shadowdiff.in_flight")).toBe(0);
  });
});
