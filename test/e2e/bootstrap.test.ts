// Every bootstrap shadowdiff renders is one Envoy accepts (`envoy --mode validate`).
import { describe, expect, it } from "vitest";
import { renderDirectResponseBootstrap } from "../../support/envoy-direct-response.js";
import { renderBootstrap, type BootstrapOptions } from "../../host/envoy/bootstrap.js";
import { validateBootstrap } from "../../support/envoy-process.js";
import { filterWasmPath } from "../../support/paths.js";

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
];

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

  it("puts the filter behind a discovery file only without the gate", () => {
    const mode = { kind: "filter", shadow, collector, wasmPath: filterWasmPath(), discoveryPath: "/tmp/filter.json" } as const;
    const filters = JSON.stringify(renderBootstrap({ primary, mode }));
    expect(filters).toContain('"path_config_source":{"path":"/tmp/filter.json"}');
    expect(filters).not.toContain("envoy.filters.http.wasm\"");
    expect(() => renderBootstrap({ primary, mode: { ...mode, gate: { percent: 1 } } })).toThrow(/gated filter's configuration cannot come from a discovery file/);
  });
});
