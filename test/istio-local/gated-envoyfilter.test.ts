// The chart's gated EnvoyFilter (filter.mode gate) instead of the WasmPlugin, through istiod and
// istio-agent: istiod applies its four patches to v1's sidecar and serves the module's extension
// config over ECDS, the agent fetches the image it names and checks its digest, and Envoy's gate
// hands the filter only the requests it samples. Unsampled requests never enter the wasm VM (the
// filter's counters stay still while the primary serves them), sampled ones are mirrored.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { filterWasmPath } from "../../support/paths.js";
import { pushFilter, type PushedFilter } from "./support/chart.js";
import { configDump, ecdsFilters, inboundHttpFilters } from "./support/envoy-config.js";
import { filterStatsAt, requestsDecided } from "./support/filter-counters.js";
import { rawRequest } from "./support/raw-http.js";
import { API_PORT, startShop, waitForPairs, type Shop } from "./support/shop.js";

const MODULE_NAME = "shop.shadowdiff-gated";
/** The chart's defaults: the gate's share is the plugin's sample_percent, 10. */
const GATE_VALUES = { filter: { mode: "gate" } };

let shop: Shop;
let pushed: PushedFilter;

beforeAll(async () => {
  shop = await startShop();
  pushed = await pushFilter({ image: `${shop.mesh.registry}/shadowdiff/filter:compat`, variant: "compat", module: "default", values: GATE_VALUES, dir: shop.mesh.dir });
  shop.mesh.istiod.apply("shadowdiff-filter.yaml", pushed.gatedEnvoyFilter.text);
  const module = readFileSync(filterWasmPath());
  await eventually(async () => {
    const filter = (await ecdsFilters(shop.api.admin)).find((entry) => entry.name === MODULE_NAME);
    expect(filter?.type, "the gated module served over ECDS").toBe("wasm");
    expect(readFileSync(join(shop.mesh.dir, "pods", "shop.api-primary", "data", filter!.localFile!.slice("/var/lib/istio/data/".length))).equals(module)).toBe(true);
  }, { timeoutMs: 60_000, intervalMs: 250 });
});

afterAll(async () => {
  await shop?.stop();
});

/** Envoy's admin runtime layer, which the gate's runtime key reads (the chart's comment says how, per pod). */
async function setGatePercent(percent: number): Promise<void> {
  const response = await fetch(`${shop.api.admin.url}/runtime_modify?shadowdiff.gate_percent=${percent}`, { method: "POST" });
  expect(response.status).toBe(200);
}

async function sendGets(count: number, prefix: string): Promise<void> {
  for (let index = 0; index < count; index++) {
    const response = await rawRequest(shop.api.address, API_PORT, { path: `/users/${index}`, headers: { "x-request-id": `${prefix}-${index}` } });
    expect(response.status).toBe(200);
  }
}

describe("the gated EnvoyFilter through istiod", () => {
  it("puts the gate in v1's inbound chain before the router, at the chart's share, and nothing in v2", async () => {
    for (const filters of await inboundHttpFilters(shop.api.admin, API_PORT)) {
      expect(filters).toContain("shadowdiff.gate");
      expect(filters.indexOf("shadowdiff.gate")).toBe(filters.indexOf("envoy.filters.http.router") - 1);
    }
    expect((await inboundHttpFilters(shop.api.admin, API_PORT)).length).toBeGreaterThan(0);
    for (const filters of await inboundHttpFilters(shop.apiShadow.admin, API_PORT)) expect(filters).not.toContain("shadowdiff.gate");
    const dump = JSON.stringify(await configDump(shop.api.admin));
    expect(dump).toMatch(/"runtime_key":"shadowdiff\.gate_percent"/);
    expect(dump).toMatch(/"numerator":100000,"denominator":"MILLION"/);
  });

  it("keeps unsampled requests out of the VM: Envoy serves them, the filter counts none", async () => {
    const decided = requestsDecided(await shop.api.admin.filterStats());
    const pairs = (await shop.collectorTotals()).pairs;
    const shadowRequests = shop.shadow.received.length;
    const primaryRequests = shop.primary.received.length;
    await setGatePercent(0);
    await sendGets(20, "unsampled");
    expect(shop.primary.received.length).toBe(primaryRequests + 20);
    // One sampled request after them: once the filter has counted it, it has counted all it saw.
    await setGatePercent(100);
    await sendGets(1, "marker");
    const stats = await filterStatsAt(shop.api.admin, decided + 1);
    expect(stats.requests_mirrored).toBe(1);
    expect(shop.shadow.received.slice(shadowRequests).map((request) => request.headers["x-request-id"])).toEqual(["marker-0"]);
    expect((await waitForPairs(shop, pairs + 1)).pairs).toBe(pairs + 1);
  });

  it("mirrors every request it samples: counted by the filter, copied to v2, paired at the collector", async () => {
    await setGatePercent(100);
    const before = await shop.api.admin.filterStats();
    const pairs = (await shop.collectorTotals()).pairs;
    const shadowRequests = shop.shadow.received.length;
    await sendGets(10, "sampled");
    const stats = await filterStatsAt(shop.api.admin, requestsDecided(before) + 10);
    expect(stats.requests_mirrored).toBe(before.requests_mirrored + 10);
    expect(shop.shadow.received.length).toBe(shadowRequests + 10);
    expect(shop.shadow.received.slice(-10).every((request) => request.headers["x-shadow-request"] === "true")).toBe(true);
    expect((await waitForPairs(shop, pairs + 10)).pairs).toBe(pairs + 10);
  });

  it("strips the tag header from client requests, in either spelling, sampled or not", async () => {
    for (const percent of [0, 100]) {
      await setGatePercent(percent);
      const primaryRequests = shop.primary.received.length;
      const response = await rawRequest(shop.api.address, API_PORT, { path: "/users/1", headers: { "x-request-id": `tagged-${percent}`, "x-shadow-request": "true", x_shadow_request: "true" } });
      expect(response.status).toBe(200);
      const received = shop.primary.received.slice(primaryRequests);
      expect(received).toHaveLength(1);
      expect(Object.keys(received[0]!.headers).filter((name) => name.replace("_", "-") === "x-shadow-request")).toEqual([]);
    }
  });
});
