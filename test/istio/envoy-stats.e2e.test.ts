// On the real Envoy (1.39, V8) with the compiled filter: the stats matcher Istio builds from the
// primary's proxy.istio.io/config annotation keeps every filter metric, and /stats/prometheus
// names them exactly as exported-metrics.yaml (and so the rules and the dashboard) expect.
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderBootstrap, SHADOW_CLUSTER, COLLECTOR_CLUSTER } from "../../host/envoy/bootstrap.js";
import { filterWasmPath } from "../../support/paths.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { exportedMetrics } from "./support/exported-metrics.js";
import { findManifest } from "./support/manifests.js";

const plugin = findManifest("WasmPlugin", "shadowdiff", "shop");
const pluginConfig = plugin.spec.pluginConfig as Record<string, unknown>;
const primary = findManifest("Deployment", "api-primary", "shop");
const proxyConfig = parse(primary.spec.template.metadata.annotations["proxy.istio.io/config"] as string) as {
  proxyStatsMatcher: { inclusionPrefixes: string[] };
};

/**
 * The bootstrap an Istio sidecar would run, as far as these checks go: the WasmPlugin's
 * pluginConfig, clusters under Istio's names, and the stats matcher Istio renders from
 * proxyStatsMatcher.inclusionPrefixes (one `prefix` pattern each).
 */
function sidecarLikeBootstrap(inclusionPrefixes: string[]): object {
  const bootstrap = renderBootstrap({
    primary: { port: 1 },
    mode: { kind: "filter", shadow: { port: 1 }, collector: { port: 1 }, wasmPath: filterWasmPath(), plugin: pluginConfig },
  }) as { static_resources: { clusters: { name: string; load_assignment: { cluster_name: string } }[] } };
  const istioNames: Record<string, string> = {
    [SHADOW_CLUSTER]: pluginConfig.shadow_cluster as string,
    [COLLECTOR_CLUSTER]: pluginConfig.collector_cluster as string,
  };
  for (const cluster of bootstrap.static_resources.clusters) {
    const name = istioNames[cluster.name];
    if (name !== undefined) {
      cluster.name = name;
      cluster.load_assignment.cluster_name = name;
    }
  }
  return {
    ...bootstrap,
    stats_config: { stats_matcher: { inclusion_list: { patterns: inclusionPrefixes.map((prefix) => ({ prefix })) } } },
  };
}

/** `# TYPE name type` lines of Prometheus' text format, for names starting with `prefix`. */
function typeLines(text: string, prefix: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (match[1]!.startsWith(prefix)) types.set(match[1]!, match[2]!);
  }
  return types;
}

let envoy: EnvoyProcess | undefined;
afterEach(async () => {
  await envoy?.stop();
  envoy = undefined;
});

describe("the filter's metrics on the real Envoy", () => {
  it("the annotation's stats matcher keeps them all, named as exported-metrics.yaml says", { timeout: 90_000 }, async () => {
    envoy = await startEnvoy(sidecarLikeBootstrap(proxyConfig.proxyStatsMatcher.inclusionPrefixes));
    const log = envoy.log();
    expect(log).not.toMatch(/shadowdiff: config key/);

    const exported = typeLines(await envoy.admin.prometheus(), "shadowdiff_");
    const expected = new Map(exportedMetrics().filter.map((metric) => [metric.name, metric.type]));
    expect(exported).toEqual(expected);
    // No envoy_ prefix, no _total suffix on these counters.
    expect(typeLines(await envoy.admin.prometheus(), "envoy_shadowdiff")).toEqual(new Map());

    // The name Envoy itself uses (what the stats matcher sees) carries the wasmcustom namespace.
    const stats = await envoy.admin.stats("shadowdiff");
    for (const metric of exportedMetrics().filter) expect(stats.has(`wasmcustom.${metric.envoy}`), metric.envoy).toBe(true);
  });

  it("a prefix without the wasmcustom namespace would drop them all (the check can fail)", { timeout: 90_000 }, async () => {
    envoy = await startEnvoy(sidecarLikeBootstrap(["shadowdiff."]));
    expect(typeLines(await envoy.admin.prometheus(), "shadowdiff_")).toEqual(new Map());
  });
});
