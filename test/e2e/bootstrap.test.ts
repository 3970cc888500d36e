// Every bootstrap shadowdiff renders is one Envoy accepts (`envoy --mode validate`).
import { describe, expect, it } from "vitest";
import { renderDirectResponseBootstrap } from "../../support/envoy-direct-response.js";
import { renderBootstrap, type BootstrapOptions } from "../../host/envoy/bootstrap.js";
import { validateBootstrap } from "../../support/envoy-process.js";
import { bodiesFilterWasmPath, filterWasmPath } from "../../support/paths.js";

const primary = { port: 18_080 };
const shadow = { port: 18_081 };
const collector = { port: 18_090 };

const variants: [string, BootstrapOptions][] = [
  ["plain", { primary, mode: { kind: "plain" } }],
  ["native mirror", { primary, mode: { kind: "mirror", shadow, percent: 100 } }],
  ["native mirror, fractional", { primary, mode: { kind: "mirror", shadow, percent: 0.5 } }],
  [
    "shadowdiff filter",
    {
      primary,
      mode: {
        kind: "filter",
        shadow,
        collector,
        wasmPath: filterWasmPath(),
        plugin: { sample_percent: 10, shadow_timeout_ms: 1000, response_headers: ["etag"] },
      },
    },
  ],
  [
    "shadowdiff filter, three targets and a secondary",
    {
      primary,
      mode: {
        kind: "filter",
        targets: [
          { name: "v2", endpoint: { port: 18_082 }, authority: "api-v2.internal", timeoutMs: 800 },
          { name: "v3", endpoint: { port: 18_083 } },
          { name: "v4", endpoint: { host: "localhost", port: 18_084 } },
        ],
        secondary: { endpoint: { port: 18_085 }, samplePercent: 25, timeoutMs: 300 },
        collector,
        wasmPath: filterWasmPath(),
      },
    },
  ],
  [
    "shadowdiff filter mirroring gRPC, two targets and a secondary",
    {
      primary,
      mode: {
        kind: "filter",
        targets: [{ name: "v2", endpoint: { port: 18_082 } }, { name: "v3", endpoint: { port: 18_083 } }],
        secondary: { endpoint: { port: 18_085 }, samplePercent: 25 },
        collector,
        wasmPath: bodiesFilterWasmPath(),
        plugin: { grpc: { methods: ["/shop.catalog.v1.Catalog/GetProduct"] } },
      },
    },
  ],
  ["plain, to a gRPC primary", { primary, mode: { kind: "plain" }, primaryProtocol: "downstream" }],
];

type Cluster = { name: string; typed_extension_protocol_options?: Record<string, { explicit_http_config?: object; use_downstream_protocol_config?: object }> };

/** How Envoy speaks to each cluster: "http1" (its default), "http2", or "downstream" (as the client spoke). */
function protocols(options: BootstrapOptions): [string, string][] {
  const clusters = (renderBootstrap(options) as { static_resources: { clusters: Cluster[] } }).static_resources.clusters;
  return clusters.map((cluster) => {
    const http = cluster.typed_extension_protocol_options?.["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    return [cluster.name, http?.use_downstream_protocol_config ? "downstream" : http?.explicit_http_config ? "http2" : "http1"];
  });
}

describe("rendered Envoy bootstraps", () => {
  it.each(variants)("%s passes envoy --mode validate", async (_name, options) => {
    const result = await validateBootstrap(renderBootstrap(options));
    expect(result.output).toMatch(/OK/);
    expect(result.ok).toBe(true);
  });

  it("the direct-response upstream passes envoy --mode validate", async () => {
    const result = await validateBootstrap(renderDirectResponseBootstrap({ body: '{"ok":true}' }));
    expect(result.ok, result.output).toBe(true);
  });

  it("Envoy's validation rejects a broken bootstrap (the check can fail)", async () => {
    const broken = renderBootstrap({ primary, mode: { kind: "plain" } }) as { static_resources: { clusters: object[] } };
    broken.static_resources.clusters.push({ name: "primary", type: "STATIC" });
    const result = await validateBootstrap(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/primary/);
  });

  it("the filter's configuration is the plugin's JSON with the cluster names filled in", () => {
    const bootstrap = renderBootstrap(variants[3]![1]);
    const text = JSON.stringify(bootstrap);
    const value = /"value":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
    expect(JSON.parse(JSON.parse(`"${value}"`) as string)).toEqual({
      shadow_cluster: "shadow",
      collector_cluster: "collector",
      sample_percent: 10,
      shadow_timeout_ms: 1000,
      response_headers: ["etag"],
    });
  });

  it("renders a cluster for each target and the secondary, and names them in the plugin's configuration", () => {
    const bootstrap = renderBootstrap(variants[4]![1]) as { static_resources: { clusters: Array<{ name: string; type: string }> } };
    expect(bootstrap.static_resources.clusters.map((cluster) => [cluster.name, cluster.type])).toEqual([
      ["primary", "STATIC"], ["target-v2", "STATIC"], ["target-v3", "STATIC"], ["target-v4", "STRICT_DNS"], ["secondary", "STATIC"], ["collector", "STATIC"],
    ]);
    const value = /"value":"((?:[^"\\]|\\.)*)"/.exec(JSON.stringify(bootstrap))?.[1];
    expect(JSON.parse(JSON.parse(`"${value}"`) as string)).toEqual({
      targets: [
        { name: "v2", cluster: "target-v2", authority: "api-v2.internal", timeout_ms: 800 },
        { name: "v3", cluster: "target-v3" },
        { name: "v4", cluster: "target-v4" },
      ],
      secondary: { cluster: "secondary", sample_percent: 25, timeout_ms: 300 },
      collector_cluster: "collector",
    });
  });

  it("speaks HTTP/2 to the mirrored sides of a filter with a grpc block, and the client's protocol to the primary", () => {
    expect(protocols(variants[5]![1])).toEqual([
      ["primary", "downstream"], ["target-v2", "http2"], ["target-v3", "http2"], ["secondary", "http2"], ["collector", "http2"],
    ]);
    expect(protocols(variants[4]![1]).filter(([, protocol]) => protocol !== "http1")).toEqual([["collector", "http2"]]);
    expect(protocols({ ...variants[5]![1], primaryProtocol: "http1" })[0]).toEqual(["primary", "http1"]);
  });

  it("refuses a grpc block behind the gate, whose sample goes by method", () => {
    const mode = { kind: "filter", shadow, collector, wasmPath: bodiesFilterWasmPath(), plugin: { grpc: { methods: ["/a.B/C"] } }, gate: { percent: 1 } } as const;
    expect(() => renderBootstrap({ primary, mode })).toThrow(/gate: plugin key "grpc" needs the filter's own sampling/);
  });

  it("mirrors to a shadow or to targets, and refuses both or neither", () => {
    const base = { kind: "filter", collector, wasmPath: filterWasmPath() } as const;
    expect(() => renderBootstrap({ primary, mode: { ...base, shadow, targets: [{ name: "v2", endpoint: shadow }] } })).toThrow(/a shadow or to targets/);
    expect(() => renderBootstrap({ primary, mode: base })).toThrow(/a shadow or to targets/);
  });

  it("puts the filter behind a discovery file only without the gate", () => {
    const mode = { kind: "filter", shadow, collector, wasmPath: filterWasmPath(), discoveryPath: "/tmp/filter.json" } as const;
    const filters = JSON.stringify(renderBootstrap({ primary, mode }));
    expect(filters).toContain('"path_config_source":{"path":"/tmp/filter.json"}');
    expect(filters).not.toContain("envoy.filters.http.wasm\"");
    expect(() => renderBootstrap({ primary, mode: { ...mode, gate: { percent: 1 } } })).toThrow(/gated filter's configuration cannot come from a discovery file/);
  });
});
