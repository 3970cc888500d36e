// The collector behind its own sidecar, with the chart's PeerAuthentication (mutual TLS only) and
// AuthorizationPolicy (only the filter's principals may call Report; only the monitoring
// namespace may read the http port), enforced by the real sidecars: the filter in v1's sidecar
// reports; a workload of another service account, in the mesh, is refused; a client without a
// sidecar cannot even connect; nothing either sent reaches the collector's counts or a verdict.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { eventually } from "../../support/eventually.js";
import { filterWasmPath, shadowdiffCommandPath } from "../../support/paths.js";
import { encodeBatch, ReportClient, type WirePair } from "../../support/report-client.js";
import { parseManifests, pushFilter } from "./support/chart.js";
import { ecdsFilters } from "./support/envoy-config.js";
import type { Pod } from "./support/mesh.js";
import { API_PORT, deployment, FILTER_VALUES, startShop, waitForPairs, type Shop } from "./support/shop.js";
import { rawRequest } from "./support/raw-http.js";
import { STATUS_PORT } from "./support/sidecar.js";

const COLLECTOR_HOST = "shadowdiff-collector.shadowdiff.svc.cluster.local";
const GRPC_PORT = 9000;
const HTTP_PORT = 9464;
const OTHERS = parseManifests(readFileSync(new URL("fixtures/other-workloads.yaml", import.meta.url), "utf8"), "fixtures/other-workloads.yaml");

/** Pairs that would turn any verdict into a pass: matching, on a route of their own. */
function forgedPairs(count: number): WirePair[] {
  const response = { status: 200, headers: [], body: Buffer.from("{}"), body_size: 2, latency_nanos: 1_000_000 };
  return Array.from({ length: count }, (_, index) => ({ id: `forged-${index}`, method: "GET", path: `/forged/${index}`, primary: response, targets: [{ ...response, name: "v2" }] }));
}

let shop: Shop;
let intruder: Pod;
let prometheus: Pod;
/** Pairs the filter reported before the others tried. */
let filterPairs: number;

beforeAll(async () => {
  shop = await startShop();
  shop.mesh.declareServices([...shop.example, ...shop.chart.documents, ...OTHERS]);
  intruder = await shop.mesh.startPod(deployment(OTHERS, "intruder"), {});
  prometheus = await shop.mesh.startPod(deployment(OTHERS, "prometheus"), {});
  const filter = await pushFilter({ image: `${shop.mesh.registry}/shadowdiff/filter:compat`, variant: "compat", module: "default", values: FILTER_VALUES, dir: shop.mesh.dir });
  shop.mesh.istiod.apply("shadowdiff-filter.yaml", filter.wasmPlugin.text);
  const module = readFileSync(filterWasmPath());
  await eventually(async () => {
    const plugin = (await ecdsFilters(shop.api.admin)).find((entry) => entry.type === "wasm");
    expect(plugin?.localFile).toBeDefined();
    expect(readFileSync(join(shop.mesh.dir, "pods", "shop.api-primary", "data", plugin!.localFile!.slice("/var/lib/istio/data/".length))).equals(module)).toBe(true);
  }, { timeoutMs: 60_000, intervalMs: 250 });
  for (let index = 0; index < 3; index++) {
    const response = await rawRequest(shop.api.address, API_PORT, { path: `/users/${index}`, headers: { "x-request-id": `filter-${index}` } });
    expect(response.status).toBe(200);
  }
  filterPairs = (await waitForPairs(shop, 3)).pairs;
});

afterAll(async () => {
  await shop?.stop();
});

/** The collector's own count of Report calls, by outcome (any call that reached it). */
async function reportsReceived(): Promise<number> {
  const metrics = await (await fetch(`${shop.collectorUrl}/metrics`)).text();
  return [...metrics.matchAll(/^shadowdiff_reports_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** Report calls from inside `pod`, through its sidecar, to the collector's Service. */
async function reportFrom(pod: Pod, pairs: WirePair[]): Promise<grpc.ServiceError | undefined> {
  const relay = await pod.connectFrom(shop.collectorPod.address, GRPC_PORT);
  const client = new ReportClient(`127.0.0.1:${relay.port}`, { grpc: { "grpc.default_authority": `${COLLECTOR_HOST}:${GRPC_PORT}` } });
  try {
    const result = await client.report(encodeBatch(pairs));
    return result.error;
  } finally {
    client.close();
  }
}

describe("the collector's policies, enforced by its sidecar", () => {
  it("took the filter's pairs: its principal may report", async () => {
    expect(filterPairs).toBe(3);
    expect(await reportsReceived()).toBeGreaterThan(0);
  });

  it("refuses a workload in the mesh under another service account: RBAC denies Report before the collector sees it", async () => {
    const received = await reportsReceived();
    const error = await reportFrom(intruder, forgedPairs(500));
    expect(error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(error?.details).toMatch(/RBAC: access denied/);
    expect(await reportsReceived()).toBe(received);
    const denied = await shop.collectorPod.admin.stats("rbac\\.denied$");
    expect([...denied.values()].reduce((sum, value) => sum + value, 0)).toBeGreaterThan(0);
  });

  it("refuses a client without a sidecar: mutual TLS only, the connection never reaches the collector", async () => {
    const received = await reportsReceived();
    const client = new ReportClient(`${shop.collectorPod.address}:${GRPC_PORT}`, { grpc: { "grpc.default_authority": `${COLLECTOR_HOST}:${GRPC_PORT}` } });
    try {
      const result = await client.report(encodeBatch(forgedPairs(500)));
      expect(result.error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
    }
    expect(await reportsReceived()).toBe(received);
  });

  it("keeps every forged pair out of the counts and the verdict", async () => {
    const summary = (await (await fetch(`${shop.collectorUrl}/api/summary`)).json()) as { total: { pairs: number }; routes: { route: string }[] };
    expect(summary.total.pairs).toBe(filterPairs);
    expect(summary.routes.map((route) => route.route).filter((route) => route.startsWith("/forged"))).toEqual([]);
    const verdict = await new Promise<string>((resolve) =>
      execFile(process.execPath, [shadowdiffCommandPath(), "verdict", "--collector", shop.collectorUrl, "--json", "--min-pairs", "1"], (_error, stdout) => resolve(stdout)),
    );
    expect((JSON.parse(verdict) as { total: { pairs: number } }).total.pairs).toBe(filterPairs);
  });

  it("lets a Prometheus outside the mesh scrape the collector through the agent's metrics merging, without certificates", async () => {
    const scraped = await fetch(`http://${shop.collectorPod.address}:${STATUS_PORT}/stats/prometheus`);
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toMatch(/^shadowdiff_reports_total\{/m);
    expect(text).toMatch(/^istio_agent_/m);
  });

  it("answers the kubelet's probes through the agent, while the http port itself refuses a plaintext client", async () => {
    for (const probe of ["readyz", "livez"]) {
      const response = await fetch(`http://${shop.collectorPod.address}:${STATUS_PORT}/app-health/collector/${probe}`);
      expect(response.status, probe).toBe(200);
    }
    await expect(fetch(`http://${shop.collectorPod.address}:${HTTP_PORT}/readyz`)).rejects.toThrow();
  });

  it("lets the monitoring namespace read /metrics, and refuses another namespace", async () => {
    const fromMonitoring = await prometheus.connectFrom(shop.collectorPod.address, HTTP_PORT);
    const allowed = await rawRequest("127.0.0.1", fromMonitoring.port, { path: "/metrics", headers: { host: `${COLLECTOR_HOST}:${HTTP_PORT}` } });
    expect(allowed.status).toBe(200);
    expect(allowed.body.toString()).toMatch(/^shadowdiff_reports_total/m);
    const fromShop = await intruder.connectFrom(shop.collectorPod.address, HTTP_PORT);
    const refused = await rawRequest("127.0.0.1", fromShop.port, { path: "/metrics", headers: { host: `${COLLECTOR_HOST}:${HTTP_PORT}` } });
    expect(refused.status).toBe(403);
    expect(refused.body.toString()).toBe("RBAC: access denied");
  });
});
