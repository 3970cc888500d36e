// Each call across the VM boundary costs Envoy several microseconds: a request that is not
// mirrored must stay at three host calls (the tag header, :method, its decision counter), plus
// the sample header only when sample_percent is strictly between 0 and 100.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { requestHeaders, startFilter } from "./fixture.js";

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
  it("are three for a request sampled out at 0%", async () => {
    const counts = oneRequest(await startFilter({ sample_percent: 0 }));
    expect(counts.hostCalls).toEqual(new Map([["env.proxy_get_header_map_value", 2], ["env.proxy_increment_metric", 1]]));
    // Envoy's callbacks for the stream, and one block for the host to hand over :method.
    expect(counts.moduleCalls).toEqual(
      new Map([
        ["proxy_on_context_create", 1], ["proxy_on_request_headers", 1], ["malloc", 1],
        ["proxy_on_response_headers", 1], ["proxy_on_response_body", 1], ["proxy_on_done", 1], ["proxy_on_delete", 1],
      ]),
    );
  });

  it("add the sample header's read when the sample is a cut", async () => {
    const counts = oneRequest(await startFilter({ sample_percent: 0.0001 }));
    expect(counts.hostCalls).toEqual(new Map([["env.proxy_get_header_map_value", 3], ["env.proxy_increment_metric", 1]]));
    expect(counts.moduleCalls.get("malloc")).toBe(2);
  });
});
