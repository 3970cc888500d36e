// The WasmPlugin's pluginConfig, fed to the compiled filter (build/shadowdiff.wasm) through the
// in-process proxy-wasm host: the filter's own configuration rules accept it, and it mirrors the
// way the manifest says, to the cluster names Istio forms.
import { describe, expect, it } from "vitest";
import { filterWasmPath } from "../../support/paths.js";
import { ProxyWasmHost } from "../wasmhost/index.js";
import { exportedMetrics } from "./support/exported-metrics.js";
import { findManifest } from "./support/manifests.js";

const plugin = findManifest("WasmPlugin", "shadowdiff", "shop");
const pluginConfig = plugin.spec.pluginConfig as Record<string, unknown>;
const clusters = [pluginConfig.shadow_cluster as string, pluginConfig.collector_cluster as string];

async function configuredHost(config: Record<string, unknown>): Promise<{ host: ProxyWasmHost; started: boolean }> {
  const host = await ProxyWasmHost.load(filterWasmPath(), {
    clusters,
    properties: { "xds.node.id": "sidecar~10.0.0.1~api-primary-1.shop~shop.svc.cluster.local" },
  });
  // Istio hands the pluginConfig to Envoy as JSON text.
  const started = host.start(JSON.stringify(config));
  return { host, started };
}

describe("the WasmPlugin's pluginConfig in the compiled filter", () => {
  it("is accepted by the filter's configuration rules", async () => {
    const { host, started } = await configuredHost(pluginConfig);
    expect(host.logs.filter((entry) => entry.level === "critical")).toEqual([]);
    expect(started).toBe(true);
  });

  it("a typo in it would be refused, naming the key (the check can fail)", async () => {
    const { sample_percent: percent, ...rest } = pluginConfig;
    const { host, started } = await configuredHost({ ...rest, sample_percnt: percent });
    expect(started).toBe(false);
    expect(host.logs.map((entry) => entry.message).join("\n")).toMatch(/config key "sample_percnt" is unknown/);
  });

  it("defines exactly the Envoy metrics the exported list names", async () => {
    const { host } = await configuredHost(pluginConfig);
    const defined = host
      .metrics()
      .map((metric) => `${metric.name} ${metric.kind}`)
      .sort();
    const listed = exportedMetrics()
      .filter.map((metric) => `${metric.envoy} ${metric.type}`)
      .sort();
    expect(defined).toEqual(listed);
  });

  it("mirrors a sampled share of GETs to the shadow's Istio cluster, tagged, and never health checks", async () => {
    const { host } = await configuredHost(pluginConfig);
    const requests = 200;
    for (let i = 0; i < requests; i++) {
      const stream = host.newStream();
      stream.requestHeaders(
        [
          [":method", "GET"],
          [":path", `/users/${i}`],
          [":authority", "api.shop.svc.cluster.local"],
          ["x-request-id", `7d5c1f2e-${i}-4b1a-9c3e-0f6a2d8b1c${i}`],
        ],
        true,
      );
      const health = host.newStream();
      health.requestHeaders(
        [
          [":method", "GET"],
          [":path", "/healthz"],
          [":authority", "api.shop.svc.cluster.local"],
          ["x-request-id", `health-${i}`],
        ],
        true,
      );
    }
    const calls = host.httpCalls;
    // sample_percent 10 of 200 requests, decided by a hash of x-request-id.
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.length).toBeLessThan(50);
    for (const call of calls) {
      expect(call.cluster).toBe("outbound|80||api-shadow.shop.svc.cluster.local");
      const headers = new Map(call.headers);
      expect(headers.get(":authority")).toBe(pluginConfig.shadow_authority);
      expect(headers.get(pluginConfig.tag_header as string)).toBe(pluginConfig.tag_value);
      expect(headers.get(":path")).toMatch(/^\/users\//);
      expect(call.timeoutMs).toBe(pluginConfig.shadow_timeout_ms);
    }
    // The filter adds its counts to Envoy's metrics on the tick.
    host.tick();
    expect(host.metric("shadowdiff.requests_mirrored")).toBe(calls.length);
    expect(host.metric("shadowdiff.requests_path_skipped")).toBe(requests);
  });
});
