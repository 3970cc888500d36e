// Loads the compiled filter (build/shadowdiff.wasm) into the in-process proxy-wasm host with the
// clusters and node id a test proxy would have, and drives requests through it.
import { fileURLToPath } from "node:url";
import { ProxyWasmHost } from "../wasmhost/host.js";
import { decodeBatch, type DecodedPair } from "./capture.js";

export const WASM_PATH = fileURLToPath(new URL("../../build/shadowdiff.wasm", import.meta.url));
/** The module that also receives request bodies (request_bodies). */
export const BODIES_WASM_PATH = fileURLToPath(new URL("../../build/shadowdiff-bodies.wasm", import.meta.url));
export const SHADOW_CLUSTER = "outbound|80||api-shadow.demo.svc.cluster.local";
export const COLLECTOR_CLUSTER = "outbound|9000||collector.demo.svc.cluster.local";
export const NODE_ID = "sidecar~10.0.0.7~api-v1-5d9c.demo~demo.svc.cluster.local";
/** Three versions under test and the primary's own version again, as Istio names their clusters. */
export const TARGET_CLUSTERS = {
  v2: "outbound|80|v2|api.demo.svc.cluster.local",
  v3: "outbound|80|v3|api.demo.svc.cluster.local",
  v4: "outbound|80|v4|api.demo.svc.cluster.local",
} as const;
export const SECONDARY_CLUSTER = "outbound|80||api-primary.demo.svc.cluster.local";

export type HeaderList = Array<[string, string]>;

export const BASE_CONFIG = {
  shadow_cluster: SHADOW_CLUSTER,
  collector_cluster: COLLECTOR_CLUSTER,
  batch_max_pairs: 1,
};

/** Three targets (v2, v3, v4) and a secondary that answers every mirrored request. */
export const TARGETS_CONFIG = {
  targets: Object.entries(TARGET_CLUSTERS).map(([name, cluster]) => ({ name, cluster })),
  secondary: { cluster: SECONDARY_CLUSTER, sample_percent: 100 },
  collector_cluster: COLLECTOR_CLUSTER,
  batch_max_pairs: 1,
};

export async function loadHost(wasmPath: string = WASM_PATH): Promise<ProxyWasmHost> {
  return ProxyWasmHost.load(wasmPath, {
    clusters: [SHADOW_CLUSTER, COLLECTOR_CLUSTER, ...Object.values(TARGET_CLUSTERS), SECONDARY_CLUSTER],
    properties: { "xds.node.id": NODE_ID },
  });
}

/** A host with the filter started on `base` (BASE_CONFIG) plus `overrides`; fails the test if refused. */
export async function startFilter(
  overrides: Record<string, unknown> = {},
  base: Record<string, unknown> = BASE_CONFIG,
  wasmPath: string = WASM_PATH,
): Promise<ProxyWasmHost> {
  const host = await loadHost(wasmPath);
  const config = JSON.stringify({ ...base, ...overrides });
  if (!host.start(config)) {
    throw new Error(`the filter refused ${config}: ${host.logs.map((l) => l.message).join(" | ")}`);
  }
  return host;
}

export function requestHeaders(method: string, path: string, extra: HeaderList = []): HeaderList {
  return [
    [":method", method],
    [":path", path],
    [":scheme", "http"],
    [":authority", "api.demo.example"],
    ...extra,
  ];
}

/** Every pair the filter has sent in proxy_grpc_call so far, in order. */
export function reportedPairs(host: ProxyWasmHost): DecodedPair[] {
  return host.grpcCalls.flatMap((call) => decodeBatch(call.message));
}

/** A counter or gauge as Envoy shows it once the filter has added its counts: on the root's tick. */
export function metric(host: ProxyWasmHost, name: string): number {
  host.tick();
  return host.metric(name);
}

export function header(list: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  return list.find(([n]) => n === name)?.[1];
}
