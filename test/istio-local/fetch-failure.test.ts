// A WasmPlugin whose module cannot be had: the chart rendered for an image never pushed, or for
// the pushed image with a wrong digest. failStrategy FAIL_OPEN holds through the real agent: it
// answers the fetch failure with an allow-all RBAC filter in the module's place, clients are
// served, nothing is mirrored, and the agent says why in its log and in its metrics, which is
// what the README's troubleshooting names.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { REPO, helm, run } from "../ship/support/tools.js";
import { pushFilter, type PushedFilter } from "./support/chart.js";
import { ecdsFilters } from "./support/envoy-config.js";
import { rawRequest } from "./support/raw-http.js";
import { STATUS_PORT } from "./support/sidecar.js";
import { API_PORT, FILTER_VALUES, startShop, type Shop } from "./support/shop.js";

const PLUGIN_NAME = "extensions.istio.io/trafficextension/shop.shadowdiff~istio-translated-wasmplugin";

let shop: Shop;
let pushed: PushedFilter;
let digest: string;

beforeAll(async () => {
  shop = await startShop();
  pushed = await pushFilter({ image: `${shop.mesh.registry}/shadowdiff/filter:compat`, variant: "compat", module: "default", values: FILTER_VALUES, dir: shop.mesh.dir });
  digest = `sha256:${(pushed.wasmPlugin.documents[0]!.spec as { sha256: string }).sha256}`;
});

afterAll(async () => {
  await shop?.stop();
});

/** The WasmPlugin as the chart renders it for `image` and `digest` (scripts/render-filter.sh, what make push runs). */
async function renderedFor(image: string, withDigest: string): Promise<string> {
  const out = `${shop.mesh.dir}/rendered-${Math.random().toString(16).slice(2)}`;
  const result = await run(`${REPO}/scripts/render-filter.sh`, [image, withDigest], { env: { ...process.env, HELM: helm(), OUT: out, VALUES: "", MODULE: "default" } });
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(`${out}/wasmplugin.yaml`, "utf8");
}

/** The agent's metrics at its status port, as Prometheus scrapes them (pod annotation prometheus.io/port 15020). */
async function agentMetrics(): Promise<string> {
  return (await fetch(`http://${shop.api.address}:${STATUS_PORT}/stats/prometheus`)).text();
}

function metricValue(metrics: string, name: string, result: string): number {
  const line = metrics.split("\n").find((entry) => entry.startsWith(`${name}{`) && entry.includes(`result="${result}"`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

describe.each([
  {
    what: "an image that was never pushed",
    plugin: () => renderedFor(`${shop.mesh.registry}/shadowdiff/filter:never-pushed`, digest),
    log: () => new RegExp(`error in converting the wasm config to local: cannot fetch Wasm module oci://${shop.mesh.registry}/shadowdiff/filter:never-pushed: .*applying allow RBAC filter`),
    fetchResult: "manifest_failure",
  },
  {
    what: "the pushed image with a wrong digest",
    plugin: () => renderedFor(`${shop.mesh.registry}/shadowdiff/filter:compat`, `sha256:${"0".repeat(64)}`),
    log: () => new RegExp(`module downloaded from oci://${shop.mesh.registry}/shadowdiff/filter:compat has checksum [0-9a-f]{64}, which does not match: 0{64}.*applying allow RBAC filter`),
    fetchResult: "checksum_mismatched",
  },
])("a WasmPlugin naming $what", ({ plugin, log, fetchResult }) => {
  it("fails open: the agent puts an allow-all filter in its place, clients are served, nothing is mirrored, and the agent says why", async () => {
    const before = await agentMetrics();
    shop.mesh.istiod.apply("shadowdiff-filter.yaml", await plugin());
    await eventually(async () => {
      const filter = (await ecdsFilters(shop.api.admin)).find((entry) => entry.name === PLUGIN_NAME);
      expect(filter?.type, "what Envoy runs in the plugin's place").toBe("rbac");
      expect(shop.api.sidecar!.agent.log()).toMatch(log());
    }, { timeoutMs: 60_000, intervalMs: 250 });

    const pairs = (await shop.collectorTotals()).pairs;
    const shadowRequests = shop.shadow.received.length;
    const primaryRequests = shop.primary.received.length;
    for (let index = 0; index < 5; index++) {
      const response = await rawRequest(shop.api.address, API_PORT, { path: `/users/${index}`, headers: { "x-request-id": `fail-open-${fetchResult}-${index}` } });
      expect(response.status).toBe(200);
    }
    expect(shop.primary.received.length).toBe(primaryRequests + 5);
    // The filter is not in the chain at all: no counter of it moves, and the shadow gets nothing.
    expect(await shop.api.admin.stats("^wasmcustom\\.shadowdiff\\.requests_mirrored$")).toEqual(new Map());
    expect(shop.shadow.received.length).toBe(shadowRequests);
    expect((await shop.collectorTotals()).pairs).toBe(pairs);

    const after = await agentMetrics();
    expect(metricValue(after, "istio_agent_wasm_remote_fetch_count", fetchResult)).toBeGreaterThan(metricValue(before, "istio_agent_wasm_remote_fetch_count", fetchResult));
    expect(metricValue(after, "istio_agent_wasm_config_conversion_count", "fetch_failure")).toBeGreaterThan(metricValue(before, "istio_agent_wasm_config_conversion_count", "fetch_failure"));
  });
});
