// Envoy bootstrap configurations for shadowdiff: one listener in front of the primary, in three
// variants that differ only in how the shadow is reached (not at all, Envoy's native mirror, or
// the shadowdiff filter, optionally behind the native gate), so that tests, the demo and the
// benchmark compare like with like. The filter mirrors to one shadow or to several named targets,
// each in a cluster of its own, and optionally to a secondary. With the plugin's `grpc` block the
// mirrored sides' clusters speak HTTP/2, and the primary's the protocol its client spoke.
import { isIP } from "node:net";
import { gatedPlugin, gateFilter, tagSpellings, type GateOptions } from "./gate.js";

export const PRIMARY_CLUSTER = "primary";
export const SHADOW_CLUSTER = "shadow";
export const SECONDARY_CLUSTER = "secondary";
export const COLLECTOR_CLUSTER = "collector";
export const LISTENER_NAME = "ingress";

export interface Endpoint {
  port: number;
  host?: string;
}

/** The filter's plugin configuration (snake_case JSON). Left open so tests can render invalid ones. */
export type PluginConfiguration = Record<string, unknown>;

/** Where a mirrored copy goes, beside its endpoint: what the plugin's `targets` and `secondary` hold. */
export interface MirroredSide {
  endpoint: Endpoint;
  /** `:authority` sent to it; the request's by default. */
  authority?: string;
  timeoutMs?: number;
}

/** A version under test, in a cluster of its own (targetCluster(name)). */
export interface Target extends MirroredSide {
  name: string;
}

/** The primary's own version asked again, for `samplePercent` of the mirrored requests. */
export interface Secondary extends MirroredSide {
  samplePercent: number;
}

export type ShadowMode =
  | { kind: "plain" }
  | { kind: "mirror"; shadow: Endpoint; percent: number }
  | {
      kind: "filter";
      /** The one shadow of the plugin's shadow_* keys; or `targets`, never both. */
      shadow?: Endpoint;
      /** Up to 4 named targets, each sent every mirrored request. */
      targets?: Target[];
      secondary?: Secondary;
      collector: Endpoint;
      wasmPath: string;
      /** Merged over the defaults that name this bootstrap's shadow and collector clusters. */
      plugin?: PluginConfiguration;
      /** Envoy samples before the VM (gate.ts); unsampled requests never enter it. */
      gate?: GateOptions;
      /**
       * The filter's configuration from a file Envoy watches (ECDS with a path config source)
       * instead of inline: write filterDiscoveryFile() there, and replace the file (write, then
       * rename) to change the configuration while Envoy runs.
       */
      discoveryPath?: string;
    };

export interface BootstrapOptions {
  primary: Endpoint;
  mode: ShadowMode;
  /** 0 (the default) lets the kernel choose; read the bound port from the admin /listeners endpoint. */
  listenerPort?: number;
  /** The listener's address; 127.0.0.1 by default. */
  listenerHost?: string;
  /** Envoy's admin endpoint; 127.0.0.1 on a port the kernel chooses by default. */
  admin?: Endpoint;
  nodeId?: string;
  /** Envoy's upstream request timeout for the primary route. */
  routeTimeoutMs?: number;
  /** More upstream clusters a wasm module may call by name. */
  extraClusters?: ExtraCluster[];
  /**
   * How Envoy speaks to the primary: HTTP/1.1, or the protocol the client spoke (HTTP/2 for gRPC,
   * HTTP/1.1 for the rest). The latter by default when the filter has a `grpc` block.
   */
  primaryProtocol?: "http1" | "downstream";
}

export interface ExtraCluster {
  name: string;
  endpoint: Endpoint;
  http2?: boolean;
}

type Json = Record<string, unknown>;

type FilterMode = Extract<ShadowMode, { kind: "filter" }>;

/** The cluster a target's copies go to. */
export function targetCluster(name: string): string {
  return `target-${name}`;
}

/** The plugin configuration the filter receives: cluster names filled in, caller's keys on top. */
export function pluginConfiguration(mode: FilterMode): PluginConfiguration {
  const sides: PluginConfiguration =
    mode.targets === undefined
      ? { shadow_cluster: SHADOW_CLUSTER }
      : { targets: mode.targets.map((target) => ({ name: target.name, cluster: targetCluster(target.name), ...sideKeys(target) })) };
  if (mode.secondary !== undefined) {
    sides.secondary = { cluster: SECONDARY_CLUSTER, sample_percent: mode.secondary.samplePercent, ...sideKeys(mode.secondary) };
  }
  return { ...sides, collector_cluster: COLLECTOR_CLUSTER, ...mode.plugin };
}

function sideKeys(side: MirroredSide): PluginConfiguration {
  return {
    ...(side.authority === undefined ? {} : { authority: side.authority }),
    ...(side.timeoutMs === undefined ? {} : { timeout_ms: side.timeoutMs }),
  };
}

/** Whether the filter mirrors gRPC calls: its copies then go over HTTP/2. */
function mirrorsGrpc(mode: FilterMode): boolean {
  return Object.hasOwn(mode.plugin ?? {}, "grpc");
}

/** The upstream clusters the filter mirrors to; HTTP/2 ones when it mirrors gRPC calls, which a gRPC server takes over HTTP/2 only. */
function mirroredClusters(mode: FilterMode): Json[] {
  if ((mode.shadow === undefined) === (mode.targets === undefined)) {
    throw new Error("shadowdiff: the filter mirrors to a shadow or to targets: give one of them");
  }
  const cluster = mirrorsGrpc(mode) ? http2Cluster : staticCluster;
  const clusters = mode.shadow !== undefined
    ? [cluster(SHADOW_CLUSTER, mode.shadow)]
    : mode.targets!.map((target) => cluster(targetCluster(target.name), target.endpoint));
  if (mode.secondary !== undefined) clusters.push(cluster(SECONDARY_CLUSTER, mode.secondary.endpoint));
  return clusters;
}

export function renderBootstrap(options: BootstrapOptions): Json {
  const { mode } = options;
  const primaryProtocol = options.primaryProtocol ?? (mode.kind === "filter" && mirrorsGrpc(mode) ? "downstream" : "http1");
  const clusters: Json[] = [
    primaryProtocol === "downstream" ? downstreamProtocolCluster(PRIMARY_CLUSTER, options.primary) : staticCluster(PRIMARY_CLUSTER, options.primary),
  ];
  const httpFilters: Json[] = [];
  const manager: ConnectionManagerOptions = {};
  const runtimeLayers: Json[] = [];
  const route: Json = { cluster: PRIMARY_CLUSTER, timeout: `${(options.routeTimeoutMs ?? 15_000) / 1000}s` };

  if (mode.kind === "mirror") {
    clusters.push(staticCluster(SHADOW_CLUSTER, mode.shadow));
    route.request_mirror_policies = [
      {
        cluster: SHADOW_CLUSTER,
        runtime_fraction: { default_value: { numerator: mirrorMillionths(mode.percent), denominator: "MILLION" } },
      },
    ];
  }
  if (mode.kind === "filter") {
    clusters.push(...mirroredClusters(mode), http2Cluster(COLLECTOR_CLUSTER, mode.collector));
    if (mode.discoveryPath !== undefined) {
      if (mode.gate !== undefined) throw new Error("shadowdiff: the gated filter's configuration cannot come from a discovery file here");
      httpFilters.push({
        name: DISCOVERED_FILTER_NAME,
        config_discovery: { config_source: { path_config_source: { path: mode.discoveryPath } }, type_urls: [WASM_TYPE_URL] },
      });
    } else if (mode.gate === undefined) {
      httpFilters.push({ name: "envoy.filters.http.wasm", typed_config: wasmTypedConfig(mode.wasmPath, pluginConfiguration(mode)) });
    } else {
      if (mirrorsGrpc(mode)) throw new Error('shadowdiff: gate: plugin key "grpc" needs the filter\'s own sampling: the gate hands methods over, not gRPC methods');
      const plugin = gatedPlugin(pluginConfiguration(mode));
      httpFilters.push(gateFilter(wasmTypedConfig(mode.wasmPath, plugin), plugin, mode.gate));
      // Unsampled requests never meet the filter, which strips the tag from the ones it sees:
      // Envoy strips it from all, and drops underscore spellings (x_shadow_request) that some
      // servers (CGI, WSGI, PHP) would read as the same header; a tag that has an underscore
      // itself is stripped in its dashed spelling too, which that rule lets through.
      manager.requestHeadersToRemove = tagSpellings(plugin);
      manager.dropHeadersWithUnderscores = true;
      // Without an admin layer, Envoy refuses /runtime_modify and the gate's runtime key is fixed.
      runtimeLayers.push({ name: "admin", admin_layer: {} });
    }
  }
  for (const extra of options.extraClusters ?? []) {
    clusters.push(extra.http2 === true ? http2Cluster(extra.name, extra.endpoint) : staticCluster(extra.name, extra.endpoint));
  }
  httpFilters.push({
    name: "envoy.filters.http.router",
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
  });

  return {
    node: { id: options.nodeId ?? "shadowdiff-envoy", cluster: "shadowdiff" },
    admin: { address: socketAddress(options.admin ?? { port: 0 }) },
    static_resources: {
      listeners: [
        {
          name: LISTENER_NAME,
          address: socketAddress({ port: options.listenerPort ?? 0, host: options.listenerHost }),
          filter_chains: [{ filters: [httpConnectionManager(route, httpFilters, manager)] }],
        },
      ],
      clusters,
    },
    ...(runtimeLayers.length > 0 ? { layered_runtime: { layers: runtimeLayers } } : {}),
  };
}

interface ConnectionManagerOptions {
  requestHeadersToRemove?: string[];
  dropHeadersWithUnderscores?: boolean;
}

function httpConnectionManager(route: Json, httpFilters: Json[], options: ConnectionManagerOptions): Json {
  const virtualHost: Json = { name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route }] };
  if (options.requestHeadersToRemove !== undefined) virtualHost.request_headers_to_remove = options.requestHeadersToRemove;
  return {
    name: "envoy.filters.network.http_connection_manager",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      stat_prefix: LISTENER_NAME,
      codec_type: "AUTO",
      ...(options.dropHeadersWithUnderscores === true
        ? { common_http_protocol_options: { headers_with_underscores_action: "DROP_HEADER" } }
        : {}),
      route_config: { name: "local", virtual_hosts: [virtualHost] },
      http_filters: httpFilters,
    },
  };
}

const WASM_TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const DISCOVERED_FILTER_NAME = "shadowdiff";

/** The content of a filter mode's discoveryPath: a discovery response holding the filter's
 * configuration as the one TypedExtensionConfig; `version` names this configuration. */
export function filterDiscoveryFile(mode: FilterMode, version: string): Json {
  return {
    version_info: version,
    resources: [
      {
        "@type": "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig",
        name: DISCOVERED_FILTER_NAME,
        typed_config: wasmTypedConfig(mode.wasmPath, pluginConfiguration(mode)),
      },
    ],
  };
}

function wasmTypedConfig(wasmPath: string, plugin: PluginConfiguration): Json {
  return {
    "@type": WASM_TYPE_URL,
    config: {
      name: "shadowdiff",
      root_id: "shadowdiff",
      // A broken filter must never take the primary's traffic down with it.
      failure_policy: "FAIL_OPEN",
      configuration: {
        "@type": "type.googleapis.com/google.protobuf.StringValue",
        value: JSON.stringify(plugin),
      },
      vm_config: {
        vm_id: "shadowdiff",
        runtime: "envoy.wasm.runtime.v8",
        code: { local: { filename: wasmPath } },
      },
    },
  };
}

/** An IP address is used as it is; a host name is resolved by DNS (and re-resolved as it changes). */
function staticCluster(name: string, endpoint: Endpoint): Json {
  return {
    name,
    type: endpoint.host === undefined || isIP(endpoint.host) !== 0 ? "STATIC" : "STRICT_DNS",
    connect_timeout: "1s",
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(endpoint) } }] }],
    },
  };
}

/** The collector speaks gRPC, and so do mirrored gRPC sides: the cluster must use HTTP/2 explicitly. */
function http2Cluster(name: string, endpoint: Endpoint): Json {
  return {
    ...staticCluster(name, endpoint),
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
}

/** HTTP/2 to the primary for a client that spoke HTTP/2 (gRPC), HTTP/1.1 for one that spoke HTTP/1.1. */
function downstreamProtocolCluster(name: string, endpoint: Endpoint): Json {
  return {
    ...staticCluster(name, endpoint),
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
      },
    },
  };
}

function socketAddress(endpoint: Endpoint): Json {
  return { socket_address: { address: endpoint.host ?? "127.0.0.1", port_value: endpoint.port } };
}

function mirrorMillionths(percent: number): number {
  if (!(percent >= 0 && percent <= 100)) throw new Error(`shadowdiff: mirror percent must be 0..100, got ${percent}`);
  return Math.round(percent * 10_000);
}
