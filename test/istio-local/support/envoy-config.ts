// What a sidecar's Envoy was actually given, read from its admin /config_dump: the filters that
// came over ECDS (a WasmPlugin's, the gated EnvoyFilter's module), and the listeners' HTTP filter
// chains; and what istiod would give a connected proxy now, from istiod's own /debug/config_dump.
import type { EnvoyAdmin } from "../../../support/envoy-admin.js";
import type { Istiod } from "./istiod.js";

type Json = Record<string, any>;

const WASM = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const RBAC = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";

export interface EcdsFilter {
  /** The ECDS resource name, e.g. extensions.istio.io/trafficextension/shop.shadowdiff~istio-translated-wasmplugin. */
  name: string;
  /** The filter's type: Wasm, or the RBAC filter the agent sends when it could not fetch a module. */
  type: "wasm" | "rbac" | string;
  /** For a Wasm filter: the plugin configuration text, the local module file, the failure policy. */
  configuration?: string;
  localFile?: string;
  failurePolicy?: string;
  rootId?: string;
  config: Json;
}

export async function configDump(admin: EnvoyAdmin): Promise<Json[]> {
  return (JSON.parse(await admin.text("/config_dump")) as { configs: Json[] }).configs;
}

/** Every filter Envoy holds from ECDS, as it holds it. */
export async function ecdsFilters(admin: EnvoyAdmin): Promise<EcdsFilter[]> {
  const dump = (await configDump(admin)).find((config) => config["@type"] === "type.googleapis.com/envoy.admin.v3.EcdsConfigDump");
  return ((dump?.ecds_filters ?? []) as Json[]).map((entry) => {
    const extension = entry.ecds_filter as Json;
    const typed = extension.typed_config as Json;
    if (typed["@type"] === WASM) {
      const plugin = typed.config as Json;
      return {
        name: extension.name,
        type: "wasm",
        configuration: plugin.configuration?.value,
        localFile: plugin.vm_config?.code?.local?.filename,
        failurePolicy: plugin.failure_policy ?? "FAIL_CLOSED",
        rootId: plugin.root_id,
        config: typed,
      };
    }
    return { name: extension.name, type: typed["@type"] === RBAC ? "rbac" : typed["@type"], config: typed };
  });
}

/** The HTTP filters, by name, of each filter chain of the inbound listener on `port` (virtualInbound's chains for that port). */
export async function inboundHttpFilters(admin: EnvoyAdmin, port: number): Promise<string[][]> {
  const dump = (await configDump(admin)).find((config) => config["@type"] === "type.googleapis.com/envoy.admin.v3.ListenersConfigDump");
  const listeners = ((dump?.dynamic_listeners ?? []) as Json[]).map((listener) => listener.active_state?.listener).filter(Boolean) as Json[];
  const inbound = listeners.find((listener) => listener.name === "virtualInbound");
  if (inbound === undefined) return [];
  return (inbound.filter_chains as Json[])
    .filter((chain) => chain.filter_chain_match?.destination_port === port)
    .map((chain) => {
      const manager = (chain.filters as Json[]).find((filter) => filter.name === "envoy.filters.network.http_connection_manager");
      return ((manager?.typed_config?.http_filters ?? []) as Json[]).map((filter) => filter.name as string);
    })
    .filter((filters) => filters.length > 0);
}

/** The HTTP filters of every listener istiod generates for a connected proxy now (its /debug/config_dump, in protobuf's JSON names). */
export async function istiodHttpFilters(istiod: Istiod, proxyId: string): Promise<Set<string>> {
  const dump = (await istiod.debug(`/debug/config_dump?proxyID=${proxyId}`)) as { configs: Json[] };
  const listeners = dump.configs.find((config) => config["@type"] === "type.googleapis.com/envoy.admin.v3.ListenersConfigDump");
  if (listeners === undefined) throw new Error(`istiod has no listeners for ${proxyId}`);
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      const record = value as Json;
      if (Array.isArray(record.httpFilters)) for (const filter of record.httpFilters as { name: string }[]) names.add(filter.name);
      Object.values(record).forEach(walk);
    }
  };
  walk(listeners);
  return names;
}
