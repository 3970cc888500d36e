// The README's deployment, run on the local mesh: the example's `api` (istio/example/api.yaml: v1
// serving, v2 the shadow, their Services and the VirtualService) and the chart's collector with
// its PeerAuthentication and AuthorizationPolicy (`helm template` with test values), each file
// handed to istiod as it is; a pod per Deployment, each with its sidecar. The applications of v1
// and v2 are services of the tests (so the tests see what each received); the collector is the
// real `shadowdiff collector`, in its pod, with the configuration the chart's ConfigMap holds.
// The filter itself is attached by each test, from what `make push` rendered.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { eventually } from "../../../support/eventually.js";
import { startHttpService, type HttpService, type RequestHandler } from "../../../support/http-service.js";
import { sameAnswer } from "../../e2e/support/services.js";
import { ISTIO_DIR, type Manifest } from "../../istio/support/manifests.js";
import { helmTemplate, parseManifests, type Rendered } from "./chart.js";
import { startMesh, type Mesh, type Pod } from "./mesh.js";
import { principal } from "./mesh-ca.js";

export const API_PORT = 8080;
/** The primary's identity: the filter runs in its sidecar and reports as this principal. */
export const PRIMARY = { namespace: "shop", serviceAccount: "api-primary" };

/** Chart values of the tests: the collector and its policies as the README installs them; the filter's image comes from make push. */
export const CHART_VALUES = {
  namespace: { name: "shadowdiff" },
  collector: { replicas: 1 },
  security: { filterPrincipals: [principal(PRIMARY)] },
};

/** The filter's values for `make push`: the chart's defaults, every request sampled. */
export const FILTER_VALUES = { filter: { pluginConfig: { sample_percent: 100 } } };
/** The bodies module's: writes mirrored with their bodies (README "Side effects"). */
export const BODIES_FILTER_VALUES = { filter: { module: "bodies", pluginConfig: { sample_percent: 100, request_bodies: { methods: ["POST"], max_bytes: 4096 } } } };

export interface Shop {
  mesh: Mesh;
  chart: Rendered;
  example: Manifest[];
  /** v1's application and v2's: each request they received. */
  primary: HttpService;
  shadow: HttpService;
  api: Pod;
  apiShadow: Pod;
  collectorPod: Pod;
  /** The collector's HTTP port (/api/*, /metrics), reached on its pod's loopback. */
  collectorUrl: string;
  /** The collector's /api/summary totals. */
  collectorTotals(): Promise<{ pairs: number; matched: number }>;
  stop(): Promise<void>;
}

export function deployment(manifests: readonly Manifest[], name: string): Manifest {
  const found = manifests.find((manifest) => manifest.kind === "Deployment" && manifest.metadata.name === name);
  if (found === undefined) throw new Error(`no Deployment ${name}`);
  return found;
}

export interface ShopOptions {
  chartValues?: object;
  /** What v2 answers; by default the same as v1, so that pairs match. */
  shadowAnswer?: RequestHandler;
}

export async function startShop(options: ShopOptions = {}): Promise<Shop> {
  const mesh = await startMesh();
  const stops: (() => Promise<void>)[] = [() => mesh.stop()];
  const stop = async (): Promise<void> => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const exampleText = readFileSync(join(ISTIO_DIR, "example", "api.yaml"), "utf8");
    const example = parseManifests(exampleText, "example/api.yaml");
    const chart = await helmTemplate(options.chartValues ?? CHART_VALUES, mesh.dir);
    mesh.declareServices([...example, ...chart.documents]);
    mesh.istiod.apply("example-api.yaml", exampleText);
    mesh.istiod.apply("shadowdiff-chart.yaml", chart.text);

    const primary = await startHttpService(sameAnswer);
    const shadow = await startHttpService(options.shadowAnswer ?? sameAnswer);
    stops.push(() => primary.close(), () => shadow.close());

    const configMap = chart.documents.find((document) => document.kind === "ConfigMap")!;
    const collectorConfig = parse(configMap.data!["collector.yaml"]!) as { examples: Record<string, unknown> };
    // The examples volume is the pod's folder here.
    collectorConfig.examples.path = join(mesh.dir, "collector-examples.db");
    const collectorPod = await mesh.startPod(deployment(chart.documents, "shadowdiff-collector"), { collectorConfig: stringify(collectorConfig) });
    const apiShadow = await mesh.startPod(deployment(example, "api-shadow"), { serve: { [API_PORT]: shadow.port } });
    const api = await mesh.startPod(deployment(example, "api-primary"), { serve: { [API_PORT]: primary.port } });
    const httpPort = (parse(configMap.data!["collector.yaml"]!) as { http: { address: string } }).http.address.split(":")[1]!;
    const relay = await collectorPod.connectFrom("127.0.0.1", Number(httpPort));
    const collectorUrl = `http://127.0.0.1:${relay.port}`;
    return {
      mesh,
      chart,
      example,
      primary,
      shadow,
      api,
      apiShadow,
      collectorPod,
      collectorUrl,
      collectorTotals: async () => {
        const summary = (await (await fetch(`${collectorUrl}/api/summary`)).json()) as { total: { pairs: number; matched: number } };
        return summary.total;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until the collector has counted `pairs` pairs in all. */
export function waitForPairs(shop: Shop, pairs: number): Promise<{ pairs: number; matched: number }> {
  return eventually(async () => {
    const totals = await shop.collectorTotals();
    if (totals.pairs !== pairs) throw new Error(`the collector counts ${totals.pairs} pairs, not ${pairs}`);
    return totals;
  }, { timeoutMs: 30_000, intervalMs: 200 });
}
