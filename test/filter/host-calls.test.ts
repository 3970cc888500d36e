// Each call across the VM boundary costs Envoy several microseconds: a request that is not
// mirrored must stay at two host calls (its header map, read once in place, and its decision
// counter) and the one malloc Envoy makes to hand the map over, whatever the sample cut.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { TARGETS_CONFIG, requestHeaders, startFilter } from "./fixture.js";

function oneRequest(host: ProxyWasmHost): { hostCalls: Map<string, number>; moduleCalls: Map<string, number> } {
  const before = host.callCounts();
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", "/users/1", [["x-request-id", "4bf92f35"]]), true);
  stream.responseHeaders([[":status", "200"]], false);
  stream.responseBody(new TextEncoder().encode("{}"), true);
  stream.complete();
  const after = host.callCounts();
  const delta = (from: Map<string, number>, to: Map<string, number>) =>
    new Map([...to].map(([name, n]) => [name, n - (from.get(name) ?? 0)] as const).filter(([, n]) => n > 0));
  return { hostCalls: delta(before.hostCalls, after.hostCalls), moduleCalls: delta(before.moduleCalls, after.moduleCalls) };
}

describe("host calls per request", () => {
  it("are two for a request sampled out at 0%", async () => {
    const counts = oneRequest(await startFilter({ sample_percent: 0 }));
    expect(counts.hostCalls).toEqual(new Map([["env.proxy_get_header_map_pairs", 1], ["env.proxy_increment_metric", 1]]));
    // Envoy's callbacks for the stream, and one block for the host to hand over the header map.
    expect(counts.moduleCalls).toEqual(
      new Map([
        ["proxy_on_context_create", 1], ["proxy_on_request_headers", 1], ["malloc", 1],
        ["proxy_on_response_headers", 1], ["proxy_on_response_body", 1], ["proxy_on_done", 1], ["proxy_on_delete", 1],
      ]),
    );
  });

  it("are the same two when the sample is a cut: the sample header is in the map already", async () => {
    const counts = oneRequest(await startFilter({ sample_percent: 0.0001 }));
    expect(counts.hostCalls).toEqual(new Map([["env.proxy_get_header_map_pairs", 1], ["env.proxy_increment_metric", 1]]));
    expect(counts.moduleCalls.get("malloc")).toBe(1);
  });

  it("are the same two with three targets and a secondary: a request not mirrored pays for none of them", async () => {
    for (const sample_percent of [0, 0.0001]) {
      const counts = oneRequest(await startFilter({ sample_percent, secondary: { ...TARGETS_CONFIG.secondary, sample_percent: 50 } }, TARGETS_CONFIG));
      expect(counts.hostCalls).toEqual(new Map([["env.proxy_get_header_map_pairs", 1], ["env.proxy_increment_metric", 1]]));
      expect(counts.moduleCalls.get("malloc")).toBe(1);
    }
  });

  it("are the same two with path rules, and for a request with a body", async () => {
    // /users/1 is outside the paths; a request under them would be mirrored, but for its body.
    const host = await startFilter({ include_paths: ["/orders/"], exclude_paths: ["/orders/admin"] });
    expect(oneRequest(host).hostCalls).toEqual(new Map([["env.proxy_get_header_map_pairs", 1], ["env.proxy_increment_metric", 1]]));
    const before = host.callCounts();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/orders/2", [["content-length", "5"]]), false);
    stream.requestBody("hello", true);
    const after = host.callCounts();
    expect(after.hostCalls.get("env.proxy_get_header_map_pairs")! - before.hostCalls.get("env.proxy_get_header_map_pairs")!).toBe(1);
    expect(after.hostCalls.get("env.proxy_increment_metric")! - before.hostCalls.get("env.proxy_increment_metric")!).toBe(1);
    expect(after.hostCalls.get("env.proxy_http_call") ?? 0).toBe(0);
    expect(host.metric("shadowdiff.requests_with_body")).toBe(1);
  });
});
