// The chart's WasmPlugin through istiod and istio-agent: `make push` pushes each image (both
// variants of both modules) to the registry on the node and renders the WasmPlugin for it; istiod
// reads that file as it is and serves the filter to v1's sidecar over ECDS; the agent pulls the
// image, checks its digest and hands Envoy the module from the pod's cache folder. Then a client's
// request through v1's sidecar is mirrored to v2 through v2's sidecar, its pair reaches the
// collector through the collector's sidecar, and the client's bytes are those it got without the
// filter.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { bodiesFilterWasmPath, filterWasmPath } from "../../support/paths.js";
import { pushFilter, renamedWasmPlugin, type PushedFilter } from "./support/chart.js";
import { ecdsFilters, inboundHttpFilters, istiodHttpFilters } from "./support/envoy-config.js";
import { filterStatsAt, requestsDecided } from "./support/filter-counters.js";
import { rawRequest, withoutPerResponseValues, type RawRequest } from "./support/raw-http.js";
import { API_PORT, BODIES_FILTER_VALUES, FILTER_VALUES, startShop, waitForPairs, type Shop } from "./support/shop.js";

const pluginName = (name: string): string => `extensions.istio.io/trafficextension/shop.${name}~istio-translated-wasmplugin`;
const PLUGIN_NAME = pluginName("shadowdiff");
const GET: RawRequest = { path: "/users/7?view=full", headers: { "x-request-id": "get-0001", accept: "application/json" } };
const POST: RawRequest = {
  method: "POST",
  path: "/orders",
  headers: { "x-request-id": "post-0001", "content-type": "application/json" },
  body: JSON.stringify({ sku: "a-1", qty: 2, note: "caf\u00e9" }),
};

/** v1's own policy: nobody reaches /admin. (Selecting app: api alone would refuse the shadow's copies too.) */
const DENY_ADMIN = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: api-deny-admin
  namespace: shop
spec:
  selector:
    matchLabels: { app: api, version: v1 }
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/admin", "/admin/*"] } }]
`;

let shop: Shop;
const pushed = {} as Record<"default" | "bodies", Record<"compat" | "oci", PushedFilter>>;
/** What the client got from v1's sidecar before any filter was attached. */
const unfiltered = {} as Record<"GET" | "POST", string>;

beforeAll(async () => {
  shop = await startShop();
  for (const module of ["default", "bodies"] as const) {
    pushed[module] = {} as Record<"compat" | "oci", PushedFilter>;
    for (const variant of ["compat", "oci"] as const) {
      const repository = module === "bodies" ? "shadowdiff/filter-bodies" : "shadowdiff/filter";
      pushed[module][variant] = await pushFilter({
        image: `${shop.mesh.registry}/${repository}:${variant}`,
        variant,
        module,
        values: module === "bodies" ? BODIES_FILTER_VALUES : FILTER_VALUES,
        dir: shop.mesh.dir,
      });
    }
  }
  unfiltered.GET = withoutPerResponseValues(await rawRequest(shop.api.address, API_PORT, GET));
  unfiltered.POST = withoutPerResponseValues(await rawRequest(shop.api.address, API_PORT, POST));
});

afterAll(async () => {
  await shop?.stop();
});

/** Attaches the WasmPlugin make push rendered, and waits until v1's Envoy runs the module the image holds. */
async function attach(filter: PushedFilter, module: Buffer, configuration: Record<string, unknown> = {}): Promise<void> {
  shop.mesh.istiod.apply("shadowdiff-filter.yaml", filter.wasmPlugin.text);
  await eventually(async () => {
    const plugin = (await ecdsFilters(shop.api.admin)).find((filter) => filter.name === PLUGIN_NAME);
    expect(JSON.parse(plugin?.configuration ?? "{}")).toMatchObject(configuration);
    expect(plugin?.type, "the filter served over ECDS").toBe("wasm");
    // The agent rewrote the image to a file of the pod's cache folder (/var/lib/istio/data in the pod).
    const file = join(shop.mesh.dir, "pods", "shop.api-primary", "data", plugin!.localFile!.slice("/var/lib/istio/data/".length));
    expect(readFileSync(file).equals(module), `${plugin!.localFile} holds the module`).toBe(true);
  }, { timeoutMs: 60_000, intervalMs: 250 });
}

describe.each([
  { module: "default" as const, request: GET, wasm: () => readFileSync(filterWasmPath()) },
  { module: "bodies" as const, request: POST, wasm: () => readFileSync(bodiesFilterWasmPath()) },
])("the $module module's WasmPlugin", ({ module, request, wasm }) => {
  it.each(["compat", "oci"] as const)("from the %s image: mirrors a request, its pair reaches the collector, the client's bytes unchanged", async (variant) => {
    await attach(pushed[module][variant], wasm());
    const before = await shop.collectorTotals();
    const shadowBefore = shop.shadow.received.length;

    const response = await rawRequest(shop.api.address, API_PORT, { ...request, headers: { ...request.headers, "x-request-id": `${module}-${variant}` } });

    expect(response.status).toBe(200);
    expect(withoutPerResponseValues(response)).toBe(unfiltered[request.method === "POST" ? "POST" : "GET"]);
    const totals = await waitForPairs(shop, before.pairs + 1);
    expect(totals.matched).toBe(before.matched + 1);
    // What Prometheus scrapes at the sidecar: the pod's proxyStatsMatcher annotation keeps the filter's counters.
    await eventually(async () => expect(await shop.api.sidecar!.prometheus()).toMatch(/^shadowdiff_requests_mirrored\{\} [1-9]/m));
    const copy = shop.shadow.received.at(-1)!;
    expect(shop.shadow.received.length).toBe(shadowBefore + 1);
    expect(copy.headers).toMatchObject({ "x-shadow-request": "true", "x-request-id": `${module}-${variant}` });
    expect([copy.method, copy.url, copy.body.toString()]).toEqual([request.method ?? "GET", request.path, request.body ?? ""]);
  });
});

describe("where istiod puts the WasmPlugin", () => {
  it("in v1's inbound chain for its port, after Istio's authorisation filter (phase STATS), before the router, and nowhere in v2", async () => {
    shop.mesh.istiod.apply("api-policy.yaml", DENY_ADMIN);
    await attach(pushed.default.compat, readFileSync(filterWasmPath()));
    const chains = await eventually(async () => {
      const found = await inboundHttpFilters(shop.api.admin, API_PORT);
      expect(found.length).toBeGreaterThan(0);
      for (const filters of found) expect(filters).toContain("envoy.filters.http.rbac");
      return found;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    shop.mesh.istiod.remove("api-policy.yaml");
    for (const filters of chains) {
      expect(filters.indexOf(PLUGIN_NAME)).toBeGreaterThan(filters.indexOf("envoy.filters.http.rbac"));
      expect(filters.indexOf(PLUGIN_NAME)).toBeLessThan(filters.indexOf("envoy.filters.http.router"));
    }
    const shadowChains = await inboundHttpFilters(shop.apiShadow.admin, API_PORT);
    expect(shadowChains.length).toBeGreaterThan(0);
    for (const filters of shadowChains) expect(filters).not.toContain(PLUGIN_NAME);
  });
});

describe("the port the WasmPlugin matches", () => {
  it("is the port v1's container listens on (the Service's targetPort): the Service's own port matches nothing", async () => {
    const text = pushed.default.compat.wasmPlugin.text;
    const byServicePort = renamedWasmPlugin(text, "service-port", (spec) => {
      spec.match = [{ mode: "SERVER", ports: [{ number: 80 }] }];
    });
    const byContainerPort = renamedWasmPlugin(text, "container-port", () => undefined);
    // One file: once istiod shows one, it has decided on both.
    shop.mesh.istiod.apply("ports.yaml", `${byServicePort}---\n${byContainerPort}`);
    const filters = await eventually(async () => {
      const found = await istiodHttpFilters(shop.mesh.istiod, "api-primary-0.shop");
      expect(found).toContain(pluginName("container-port"));
      return found;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(filters).not.toContain(pluginName("service-port"));
    shop.mesh.istiod.remove("ports.yaml");
    await eventually(async () => expect(await istiodHttpFilters(shop.mesh.istiod, "api-primary-0.shop")).not.toContain(pluginName("container-port")), { timeoutMs: 30_000, intervalMs: 250 });
  });
});

describe("phase against the primary's own AuthorizationPolicy", () => {
  /** Sends a request v1's policy denies, then one it allows: counted once the second is, the filter has counted all it saw. */
  async function deniedThenAllowed(tag: string): Promise<{ denied: number; mirroredIds: string[]; decided: number }> {
    const decided = requestsDecided(await shop.api.admin.filterStats());
    const shadowRequests = shop.shadow.received.length;
    const denied = await rawRequest(shop.api.address, API_PORT, { path: "/admin/users", headers: { "x-request-id": `${tag}-denied` } });
    const allowed = await rawRequest(shop.api.address, API_PORT, { path: "/users/1", headers: { "x-request-id": `${tag}-allowed` } });
    expect(allowed.status).toBe(200);
    await eventually(() => expect(shop.shadow.received.map((request) => request.headers["x-request-id"])).toContain(`${tag}-allowed`));
    const mirroredIds = shop.shadow.received.slice(shadowRequests).map((request) => String(request.headers["x-request-id"]));
    return { denied: denied.status, mirroredIds, decided: requestsDecided(await shop.api.admin.filterStats()) - decided };
  }

  beforeAll(async () => {
    shop.mesh.istiod.apply("api-policy.yaml", DENY_ADMIN);
    await eventually(async () => expect((await rawRequest(shop.api.address, API_PORT, { path: "/admin/users" })).status).toBe(403), { timeoutMs: 30_000, intervalMs: 250 });
  });

  afterAll(() => shop.mesh.istiod.remove("api-policy.yaml"));

  it("phase STATS (the chart's): a request the policy denies never reaches the filter, and is never mirrored", async () => {
    await attach(pushed.default.compat, readFileSync(filterWasmPath()), { sample_percent: 100 });
    const before = await shop.api.admin.filterStats();
    const { denied, mirroredIds } = await deniedThenAllowed("stats");
    expect(denied).toBe(403);
    expect(mirroredIds).toEqual(["stats-allowed"]);
    expect((await filterStatsAt(shop.api.admin, requestsDecided(before) + 1)).requests_mirrored).toBe(before.requests_mirrored + 1);
  });

  it("phase AUTHZ would put the filter before the policy: the denied request is mirrored all the same", async () => {
    const authz = await pushFilter({
      image: `${shop.mesh.registry}/shadowdiff/filter:compat`,
      variant: "compat",
      module: "default",
      values: { filter: { ...FILTER_VALUES.filter, mode: "wasmplugin", phase: "AUTHZ" } },
      dir: `${shop.mesh.dir}/authz`,
    });
    await attach(authz, readFileSync(filterWasmPath()));
    await eventually(async () => {
      const filters = (await inboundHttpFilters(shop.api.admin, API_PORT))[0]!;
      expect(filters.indexOf(PLUGIN_NAME)).toBeLessThan(filters.indexOf("envoy.filters.http.rbac"));
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const { denied, mirroredIds } = await deniedThenAllowed("authz");
    expect(denied).toBe(403);
    expect(mirroredIds.sort()).toEqual(["authz-allowed", "authz-denied"]);
  });
});
