// Each call across the VM boundary costs Envoy several microseconds: a request that is not
// mirrored must stay at one host call (its header map, read once in place; its decision is counted
// in the VM and reaches Envoy on the tick) and the one malloc Envoy makes to hand the map over,
// whatever the sample cut. A mirrored request pays for what it does, per side: the call, its
// answer's headers, body and clock; no metric call.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { TARGETS_CONFIG, metric, requestHeaders, startFilter } from "./fixture.js";

type CallCounts = { hostCalls: Map<string, number>; moduleCalls: Map<string, number> };

/** A GET and its primary's answer; when the filter mirrored it, every side answers and the collector accepts the report. */
function oneRequest(host: ProxyWasmHost): CallCounts {
  const before = host.callCounts();
  const firstCall = host.httpCalls.length;
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", "/users/1", [["x-request-id", "4bf92f35"]]), true);
  stream.responseHeaders([[":status", "200"]], false);
  stream.responseBody(new TextEncoder().encode("{}"), true);
  stream.complete();
  for (const call of host.httpCalls.slice(firstCall)) host.respondHttpCall(call.token, { status: 200, body: "{}" });
  for (const call of host.grpcCalls) if (call.state === "pending") host.respondGrpc(call.token, new Uint8Array());
  const after = host.callCounts();
  const delta = (from: Map<string, number>, to: Map<string, number>) =>
    new Map([...to].map(([name, n]) => [name, n - (from.get(name) ?? 0)] as const).filter(([, n]) => n > 0));
  return { hostCalls: delta(before.hostCalls, after.hostCalls), moduleCalls: delta(before.moduleCalls, after.moduleCalls) };
}

const NOT_MIRRORED = new Map([["env.proxy_get_header_map_pairs", 1]]);

const total = (counts: Map<string, number>): number => [...counts.values()].reduce((sum, n) => sum + n, 0);

describe("host calls per request", () => {
  it("are one for a request sampled out at 0%", async () => {
    const counts = oneRequest(await startFilter({ sample_percent: 0 }));
    expect(counts.hostCalls).toEqual(NOT_MIRRORED);
    // Envoy's callbacks for the stream, and one block for the host to hand over the header map.
    expect(counts.moduleCalls).toEqual(
      new Map([
        ["proxy_on_context_create", 1], ["proxy_on_request_headers", 1], ["malloc", 1],
        ["proxy_on_response_headers", 1], ["proxy_on_response_body", 1], ["proxy_on_done", 1], ["proxy_on_delete", 1],
      ]),
    );
  });

  it("are the same one when the sample is a cut: the sample header is in the map already", async () => {
    const counts = oneRequest(await startFilter({ sample_percent: 0.0001 }));
    expect(counts.hostCalls).toEqual(NOT_MIRRORED);
    expect(counts.moduleCalls.get("malloc")).toBe(1);
  });

  it("are the same one with three targets and a secondary: a request not mirrored pays for none of them", async () => {
    for (const sample_percent of [0, 0.0001]) {
      const counts = oneRequest(await startFilter({ sample_percent, secondary: { ...TARGETS_CONFIG.secondary, sample_percent: 50 } }, TARGETS_CONFIG));
      expect(counts.hostCalls).toEqual(NOT_MIRRORED);
      expect(counts.moduleCalls.get("malloc")).toBe(1);
    }
  });

  it("are the same one with path rules, and for a request with a body", async () => {
    // /users/1 is outside the paths; a request under them would be mirrored, but for its body.
    const host = await startFilter({ include_paths: ["/orders/"], exclude_paths: ["/orders/admin"] });
    expect(oneRequest(host).hostCalls).toEqual(NOT_MIRRORED);
    const before = host.callCounts();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/orders/2", [["content-length", "5"]]), false);
    stream.requestBody("hello", true);
    const after = host.callCounts();
    expect(after.hostCalls.get("env.proxy_get_header_map_pairs")! - before.hostCalls.get("env.proxy_get_header_map_pairs")!).toBe(1);
    expect(after.hostCalls.get("env.proxy_increment_metric") ?? 0).toBe(0);
    expect(after.hostCalls.get("env.proxy_http_call") ?? 0).toBe(0);
    expect(metric(host, "shadowdiff.requests_with_body")).toBe(1);
  });

  it("are eleven for a request mirrored to one target, captured and reported", async () => {
    const host = await startFilter({ sample_percent: 100 });
    const counts = oneRequest(host).hostCalls;
    expect(counts).toEqual(
      new Map([
        // the request's headers, the primary's and the shadow's; each answer's body
        ["env.proxy_get_header_map_pairs", 3], ["env.proxy_get_buffer_bytes", 2],
        // start (wall and monotonic), the primary's end, the shadow's end
        ["wasi_snapshot_preview1.clock_time_get", 4],
        ["env.proxy_http_call", 1], ["env.proxy_grpc_call", 1],
      ]),
    );
    expect(total(counts)).toBeLessThanOrEqual(11);
  });

  it("are twenty-three with three targets and a secondary: four per side, and no metric call", async () => {
    const host = await startFilter({ sample_percent: 100 }, TARGETS_CONFIG);
    const counts = oneRequest(host).hostCalls;
    expect(host.httpCalls).toHaveLength(4);
    expect(counts).toEqual(
      new Map([
        ["env.proxy_get_header_map_pairs", 6], ["env.proxy_get_buffer_bytes", 5],
        ["wasi_snapshot_preview1.clock_time_get", 7],
        ["env.proxy_http_call", 4], ["env.proxy_grpc_call", 1],
      ]),
    );
    expect(total(counts)).toBeLessThanOrEqual(23);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
    expect(metric(host, "shadowdiff.shadow_ok")).toBe(3);
    expect(metric(host, "shadowdiff.secondary_ok")).toBe(1);
  });
});
