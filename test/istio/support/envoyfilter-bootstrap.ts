// An Envoy bootstrap with an EnvoyFilter's patches applied the way istiod and the sidecar's agent
// would apply them, so the manifest's Envoy configuration runs in a real Envoy here:
//   EXTENSION_CONFIG ADD  -> an ECDS resource, served from a file instead of istiod; its remote
//                            module rewritten to a local file, as the agent does (pkg/wasm/convert.go)
//   HTTP_FILTER INSERT_BEFORE the router, with ADS config sources pointed at that file
//   ROUTE_CONFIGURATION MERGE, NETWORK_FILTER MERGE on the connection manager
// Only what the shadowdiff manifests use; any other patch throws, so a new one cannot go untested.
import { writeFileSync } from "node:fs";
import type { Manifest } from "./manifests.js";

type Json = Record<string, any>;

export interface PatchedBootstrapOptions {
  /** A bootstrap from renderBootstrap: one listener, one connection manager, a router last. */
  bootstrap: Json;
  envoyFilter: Manifest;
  /** Where the ECDS file goes. */
  ecdsPath: string;
  /** The module the agent would have fetched. */
  wasmPath: string;
  /** Replace the ECDS resources (what the agent would send instead); default: the patched extension configs. */
  ecdsResources?: (extensionConfigs: Json[]) => Json[];
}

const TYPED_EXTENSION_CONFIG = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig";

export function patchedBootstrap(options: PatchedBootstrapOptions): Json {
  const bootstrap = structuredClone(options.bootstrap);
  const manager = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config as Json;
  const extensionConfigs: Json[] = [];
  for (const [index, patch] of (options.envoyFilter.spec.configPatches as Json[]).entries()) {
    const where = `${options.envoyFilter.file} configPatches[${index}] (${patch.applyTo} ${patch.patch.operation})`;
    const value = structuredClone(patch.patch.value) as Json;
    switch (`${patch.applyTo} ${patch.patch.operation}`) {
      case "EXTENSION_CONFIG ADD":
        extensionConfigs.push(withLocalModule(value, options.wasmPath, where));
        break;
      case "HTTP_FILTER INSERT_BEFORE": {
        if (patch.match?.listener?.filterChain?.filter?.subFilter?.name !== "envoy.filters.http.router") throw new Error(`${where}: only before the router`);
        pointAdsAt(value, options.ecdsPath);
        manager.http_filters.splice(manager.http_filters.length - 1, 0, value);
        break;
      }
      case "ROUTE_CONFIGURATION MERGE":
        Object.assign(manager.route_config, value);
        break;
      case "NETWORK_FILTER MERGE":
        if (value.name !== "envoy.filters.network.http_connection_manager") throw new Error(`${where}: only the connection manager`);
        Object.assign(manager, withoutType(value.typed_config));
        break;
      default:
        throw new Error(`${where}: not a patch this test knows how to apply`);
    }
  }
  const resources = (options.ecdsResources ?? ((configs) => configs))(extensionConfigs);
  writeFileSync(
    options.ecdsPath,
    JSON.stringify({ version_info: "1", resources: resources.map((resource) => ({ "@type": TYPED_EXTENSION_CONFIG, ...resource })) }),
  );
  // Istio's sidecar bootstrap has an admin runtime layer; /runtime_modify needs one.
  bootstrap.layered_runtime = { layers: [{ name: "admin", admin_layer: {} }] };
  return bootstrap;
}

/**
 * What the agent hands Envoy after fetching the module: the same config, code from a local file,
 * and the environment without the ISTIO_META_* keys that told the agent how to fetch it.
 */
function withLocalModule(extensionConfig: Json, wasmPath: string, where: string): Json {
  const vmConfig = extensionConfig.typed_config?.config?.vm_config as Json | undefined;
  if (vmConfig?.code?.remote === undefined) throw new Error(`${where}: expected a remote module for the agent to fetch`);
  vmConfig.code = { local: { filename: wasmPath } };
  const environment = vmConfig.environment_variables as Json | undefined;
  if (environment !== undefined) {
    const kept = Object.entries((environment.key_values ?? {}) as Record<string, string>).filter(([key]) => !key.startsWith("ISTIO_META_"));
    if (kept.length > 0) environment.key_values = Object.fromEntries(kept);
    else delete environment.key_values;
    if (environment.key_values === undefined && (environment.host_env_keys ?? []).length === 0) delete vmConfig.environment_variables;
  }
  return extensionConfig;
}

/** Every `config_source: { ads: {} }` inside `node` now reads a file: there is no istiod here. */
function pointAdsAt(node: unknown, path: string): void {
  if (node === null || typeof node !== "object") return;
  const object = node as Json;
  if (object.config_source?.ads !== undefined) {
    const { ads: _ads, ...rest } = object.config_source as Json;
    object.config_source = { ...rest, path_config_source: { path } };
  }
  for (const child of Object.values(object)) pointAdsAt(child, path);
}

function withoutType(typedConfig: Json): Json {
  const { "@type": _type, ...fields } = typedConfig;
  return fields;
}
