// A pluginConfig change pushed through istiod while clients keep sending: the WasmPlugin file is
// replaced (as `kubectl apply` replaces the object) with new chart values, istiod sends v1's
// sidecar the new ECDS resource, the agent serves it from the module it already holds, and Envoy
// starts the new configuration beside the old. No client request fails, no pair is lost, and the
// pairs the collector keeps carry the old configuration's version, then the new one's: the one
// the filter derives from the configuration text istiod sent (an FNV-1a 32 of it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import type { ServerResponse } from "node:http";
import type { ReceivedRequest } from "../../support/http-service.js";
import { sendJson } from "../../support/http-service.js";
import { pushFilter, type PushedFilter } from "./support/chart.js";
import { ecdsFilters } from "./support/envoy-config.js";
import { rawRequest, type RawResponse } from "./support/raw-http.js";
import { API_PORT, CHART_VALUES, FILTER_VALUES, startShop, type Shop } from "./support/shop.js";

const PLUGIN_NAME = "extensions.istio.io/trafficextension/shop.shadowdiff~istio-translated-wasmplugin";

/** v2 answers with a field v1 lacks, so every pair is a mismatch the collector keeps, with its version. */
function newVersionAnswer(request: ReceivedRequest, response: ServerResponse): void {
  sendJson(response, 200, { path: request.url, method: request.method, received_bytes: request.body.length, items: [1, 2, 3], v2: true });
}

/** The filter's configuration version: FNV-1a 32 of the configuration's bytes, 8 hex digits. */
function configVersion(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

let shop: Shop;
let before: PushedFilter;
let after: PushedFilter;

beforeAll(async () => {
  // Every pair is kept (a mismatch), none pushed out by the count under this load.
  shop = await startShop({ shadowAnswer: newVersionAnswer, chartValues: { ...CHART_VALUES, collector: { ...CHART_VALUES.collector, config: { examples: { maxCount: 100_000 } } } } });
  const image = `${shop.mesh.registry}/shadowdiff/filter:compat`;
  before = await pushFilter({ image, variant: "compat", module: "default", values: FILTER_VALUES, dir: shop.mesh.dir });
  const values = { filter: { pluginConfig: { ...FILTER_VALUES.filter.pluginConfig, shadow_timeout_ms: 4000 } } };
  after = await pushFilter({ image, variant: "compat", module: "default", values, dir: `${shop.mesh.dir}/after` });
});

afterAll(async () => {
  await shop?.stop();
});

/** The plugin configuration Envoy runs now, once it is a Wasm filter. */
async function servedConfiguration(): Promise<string> {
  const plugin = (await ecdsFilters(shop.api.admin)).find((filter) => filter.name === PLUGIN_NAME);
  if (plugin?.type !== "wasm") throw new Error("the filter is not served yet");
  return plugin.configuration!;
}

/** The configuration version of the example the collector kept under `id` (ids count up from 1). */
async function keptVersion(id: number): Promise<string> {
  const response = await fetch(`${shop.collectorUrl}/api/mismatches/${id}`);
  expect(response.status, `example ${id}`).toBe(200);
  return ((await response.json()) as { configVersion: string }).configVersion;
}

/** The id of the newest example the collector kept. */
async function newestExample(): Promise<number> {
  const list = (await (await fetch(`${shop.collectorUrl}/api/mismatches?limit=1`)).json()) as { mismatches: { id: number }[] };
  if (list.mismatches.length === 0) throw new Error("the collector has kept no example yet");
  return list.mismatches[0]!.id;
}

describe("a pluginConfig change through istiod, under load", () => {
  it("fails no client request, loses no pair, and the new configuration's version follows the old one's in the pairs", async () => {
    shop.mesh.istiod.apply("shadowdiff-filter.yaml", before.wasmPlugin.text);
    const oldConfiguration = await eventually(servedConfiguration, { timeoutMs: 60_000, intervalMs: 250 });
    expect(JSON.parse(oldConfiguration)).toMatchObject({ shadow_timeout_ms: 5000 });

    const responses: RawResponse[] = [];
    let running = true;
    let sent = 0;
    const clients = Array.from({ length: 3 }, async () => {
      while (running) responses.push(await rawRequest(shop.api.address, API_PORT, { path: `/users/${sent}`, headers: { "x-request-id": `load-${sent++}` } }));
    });
    try {
      await eventually(() => expect(responses.length).toBeGreaterThan(20), { timeoutMs: 30_000 });
      shop.mesh.istiod.apply("shadowdiff-filter.yaml", after.wasmPlugin.text);
      const newConfiguration = await eventually(async () => {
        const served = await servedConfiguration();
        expect(JSON.parse(served)).toMatchObject({ shadow_timeout_ms: 4000 });
        return served;
      }, { timeoutMs: 60_000, intervalMs: 250 });
      const newVersion = configVersion(newConfiguration);
      expect(newVersion).not.toBe(configVersion(oldConfiguration));
      await eventually(async () => expect(await keptVersion(await newestExample())).toBe(newVersion), { timeoutMs: 60_000, intervalMs: 250 });
    } finally {
      running = false;
      await Promise.all(clients);
    }

    expect(responses.filter((response) => response.status !== 200).map((response) => response.status)).toEqual([]);
    // Every request mirrored and paired, none lost to the change; the first pairs under the old
    // configuration's version, the last under the new one's.
    await eventually(async () => expect((await shop.collectorTotals()).pairs).toBe(responses.length), { timeoutMs: 30_000, intervalMs: 250 });
    expect(await keptVersion(1)).toBe(configVersion(oldConfiguration));
    expect(await keptVersion(await newestExample())).toBe(configVersion(await servedConfiguration()));
  });
});
