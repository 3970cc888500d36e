// A WasmPlugin attached by targetRefs instead of a selector, as this istiod decides it. On a
// sidecar, never: istiod drops a WasmPlugin with targetRefs (a Service's included) from every
// sidecar, so the chart refuses a Service there. On a Gateway API gateway's proxy, yes: the chart's
// filter.targetRefs renders the WasmPlugin for it, with a match that leaves the mode out (istiod
// counts a gateway's listeners as CLIENT: mode SERVER would match none), and a request through the
// gateway is mirrored and its pair reaches the collector under the gateway's principal.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { REPO, helm, run } from "../ship/support/tools.js";
import { parseManifests, pushFilter, renamedWasmPlugin } from "./support/chart.js";
import { ecdsFilters, istiodHttpFilters } from "./support/envoy-config.js";
import type { Pod } from "./support/mesh.js";
import { principal } from "./support/mesh-ca.js";
import { rawRequest } from "./support/raw-http.js";
import { API_PORT, CHART_VALUES, FILTER_VALUES, PRIMARY, deployment, startShop, waitForPairs, type Shop } from "./support/shop.js";

const GATEWAY_TEXT = readFileSync(new URL("fixtures/api-gateway.yaml", import.meta.url), "utf8");
const GATEWAY = parseManifests(GATEWAY_TEXT, "fixtures/api-gateway.yaml");
const GATEWAY_IDENTITY = { namespace: "shop", serviceAccount: "api-gateway" };
const GATEWAY_PORT = 8080;
/** The gateway's values: the WasmPlugin by targetRefs, reporting under the gateway's principal. */
const GATEWAY_FILTER_VALUES = { filter: { ...FILTER_VALUES.filter, mode: "wasmplugin", targetRefs: [{ kind: "Gateway", name: "api-gateway" }], port: GATEWAY_PORT } };

const filterName = (name: string): string => `extensions.istio.io/trafficextension/shop.${name}~istio-translated-wasmplugin`;

let shop: Shop;
let gateway: Pod;

beforeAll(async () => {
  shop = await startShop({ chartValues: { ...CHART_VALUES, security: { filterPrincipals: [principal(PRIMARY), principal(GATEWAY_IDENTITY)] } } });
  shop.mesh.declareServices([...shop.example, ...shop.chart.documents, ...GATEWAY]);
  shop.mesh.istiod.apply("api-gateway.yaml", GATEWAY_TEXT);
  gateway = await shop.mesh.startPod(deployment(GATEWAY, "api-gateway"), { sidecar: "router" });
});

afterAll(async () => {
  await shop?.stop();
});

describe("targetRefs on a sidecar", () => {
  it("the chart refuses a Service, naming why", async () => {
    const result = await run(helm(), ["template", "shadowdiff", `${REPO}/charts/shadowdiff`, "--set", "filter.enabled=true", "--set", "filter.image=registry.example.com/f:1",
      "--set", `filter.digest=sha256:${"0".repeat(64)}`, "--set-json", 'filter.targetRefs=[{"kind":"Service","name":"api"}]', "--set-json", `security.filterPrincipals=["${principal(PRIMARY)}"]`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/filter\.targetRefs names a Service: istiod attaches a WasmPlugin with targetRefs to gateways \(and ambient waypoints\) only, never to a sidecar/);
  });

  it("istiod gives v1's sidecar nothing for a WasmPlugin targeting its Service, and the selector's beside it", async () => {
    const pushed = await pushFilter({ image: `${shop.mesh.registry}/shadowdiff/filter:compat`, variant: "compat", module: "default", values: FILTER_VALUES, dir: shop.mesh.dir });
    const byService = renamedWasmPlugin(pushed.wasmPlugin.text, "by-service", (spec) => {
      delete spec.selector;
      spec.targetRefs = [{ group: "", kind: "Service", name: "api" }];
    });
    const bySelector = renamedWasmPlugin(pushed.wasmPlugin.text, "by-selector", () => undefined);
    // One file: istiod reads both in the same update, so once one shows the other has been decided.
    shop.mesh.istiod.apply("targeted.yaml", `${byService}---\n${bySelector}`);
    const filters = await eventually(async () => {
      const found = await istiodHttpFilters(shop.mesh.istiod, "api-primary-0.shop");
      expect(found).toContain(filterName("by-selector"));
      return found;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(filters).not.toContain(filterName("by-service"));
    shop.mesh.istiod.remove("targeted.yaml");
    await eventually(async () => expect(await istiodHttpFilters(shop.mesh.istiod, "api-primary-0.shop")).not.toContain(filterName("by-selector")), { timeoutMs: 30_000, intervalMs: 250 });
  });
});

describe("targetRefs on a Gateway API gateway (filter.targetRefs)", () => {
  it("attaches the chart's WasmPlugin to the gateway's listener, where mode SERVER would attach nothing", async () => {
    const pushed = await pushFilter({ image: `${shop.mesh.registry}/shadowdiff/filter:compat`, variant: "compat", module: "default", values: GATEWAY_FILTER_VALUES, dir: `${shop.mesh.dir}/gateway` });
    const plugin = pushed.wasmPlugin.documents[0]!;
    expect(plugin.spec.targetRefs).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "api-gateway" }]);
    expect(plugin.spec.selector).toBeUndefined();
    const serverMode = renamedWasmPlugin(pushed.wasmPlugin.text, "server-mode", (spec) => {
      spec.match = [{ mode: "SERVER", ports: [{ number: GATEWAY_PORT }] }];
    });
    shop.mesh.istiod.apply("shadowdiff-filter.yaml", `${pushed.wasmPlugin.text}---\n${serverMode}`);
    const filters = await eventually(async () => {
      const found = await istiodHttpFilters(shop.mesh.istiod, "api-gateway-0.shop");
      expect(found).toContain(filterName("shadowdiff"));
      return found;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(filters).not.toContain(filterName("server-mode"));
    expect(await istiodHttpFilters(shop.mesh.istiod, "api-primary-0.shop")).not.toContain(filterName("shadowdiff"));
    shop.mesh.istiod.apply("shadowdiff-filter.yaml", pushed.wasmPlugin.text);
  });

  it("mirrors a request through the gateway: v1 answers the client, v2 gets the copy, the pair reaches the collector", async () => {
    await eventually(async () => {
      const plugin = (await ecdsFilters(gateway.admin)).find((filter) => filter.name === filterName("shadowdiff"));
      expect(plugin?.type, "the filter the gateway's agent fetched").toBe("wasm");
    }, { timeoutMs: 60_000, intervalMs: 250 });
    const pairs = (await shop.collectorTotals()).pairs;
    const response = await rawRequest(gateway.address, GATEWAY_PORT, { path: "/users/through-gateway" });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toMatchObject({ path: "/users/through-gateway", method: "GET" });
    // The gateway gives an outside request an x-request-id of its own: the copy is found by its path.
    const copy = await eventually(() => {
      const found = shop.shadow.received.find((request) => request.url === "/users/through-gateway");
      expect(found, "v2's copy").toBeDefined();
      return found!;
    });
    expect(copy.headers).toMatchObject({ "x-shadow-request": "true" });
    expect((await waitForPairs(shop, pairs + 1)).matched).toBeGreaterThan(0);
  });
});
