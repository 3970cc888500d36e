// The native gate: Envoy decides which requests enter the shadowdiff VM. Envoy's composite filter,
// wrapped in a matcher on `:method`, delegates to the wasm filter only for a random share of the
// methods the filter may mirror (ExecuteFilterAction.sample_percent); every other request passes
// without a single call into the VM. The filter inside then mirrors everything it is handed.

import type { PluginConfiguration } from "./bootstrap.js";

export interface GateOptions {
  /** Share of the filter's methods handed to the filter, 0..100, fractional (0.5 works). */
  percent: number;
  /** Envoy runtime key that overrides `percent` at run time; see README "Native gate". */
  runtimeKey?: string;
}

export const DEFAULT_GATE_RUNTIME_KEY = "shadowdiff.gate_percent";
export const DEFAULT_TAG_HEADER = "x-shadow-request";
export const GATE_FILTER_NAME = "shadowdiff.gate";
export const WASM_FILTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const DEFAULT_METHODS = ["GET"];
const GATEABLE_METHODS = new Set(["GET", "HEAD"]);
// RFC 9110 token characters; Envoy refuses to remove pseudo-headers and `host`.
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const RUNTIME_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

type Json = Record<string, unknown>;

/** The plugin configuration the gated filter runs with: the gate has sampled, so the filter mirrors all it sees. */
export function gatedPlugin(plugin: PluginConfiguration): PluginConfiguration {
  if (plugin.sample_percent !== undefined && plugin.sample_percent !== 100) {
    throw new Error(
      `shadowdiff: gate: plugin key "sample_percent" is ${JSON.stringify(plugin.sample_percent)}, but behind the gate the filter ` +
        "mirrors every request it is handed; set the share with the gate's percent instead",
    );
  }
  return { ...plugin, sample_percent: 100 };
}

/** The methods the gate hands to the filter: the plugin's `methods`, checked as the filter checks them. */
export function gatedMethods(plugin: PluginConfiguration): string[] {
  const methods = plugin.methods ?? DEFAULT_METHODS;
  if (
    !Array.isArray(methods) ||
    methods.length === 0 ||
    !methods.every((method): method is string => typeof method === "string" && GATEABLE_METHODS.has(method))
  ) {
    throw new Error('shadowdiff: gate: plugin key "methods" must be a non-empty array of "GET" or "HEAD"');
  }
  return [...new Set(methods)];
}

/** The tag header, lower case, as the filter reads it; Envoy strips it natively from every client request. */
export function tagHeader(plugin: PluginConfiguration): string {
  const name = plugin.tag_header ?? DEFAULT_TAG_HEADER;
  if (typeof name !== "string" || !HEADER_NAME.test(name.toLowerCase()) || name.toLowerCase() === "host") {
    throw new Error(`shadowdiff: gate: plugin key "tag_header" must be an HTTP header name, got ${JSON.stringify(name)}`);
  }
  return name.toLowerCase();
}

/**
 * What Envoy strips from every client request: the tag with "-" for every "_", and with "_" for
 * every "-". Other spellings hold an underscore, and the gated configuration drops every client
 * header that does.
 */
export function tagSpellings(plugin: PluginConfiguration): string[] {
  const tag = tagHeader(plugin);
  return [...new Set([tag.replaceAll("_", "-"), tag.replaceAll("-", "_")])];
}

/** `sample_percent` of ExecuteFilterAction: a fraction in millionths, overridable at run time under the runtime key. */
export function gateSamplePercent(gate: GateOptions): Json {
  const { percent } = gate;
  if (typeof percent !== "number" || !(percent >= 0 && percent <= 100)) {
    throw new Error(`shadowdiff: gate percent must be a number from 0 to 100, got ${JSON.stringify(percent)}`);
  }
  const runtimeKey = gate.runtimeKey ?? DEFAULT_GATE_RUNTIME_KEY;
  if (!RUNTIME_KEY.test(runtimeKey)) {
    throw new Error(`shadowdiff: gate runtime key must be dot-separated words of letters, digits, _ and -, got ${JSON.stringify(runtimeKey)}`);
  }
  return {
    default_value: { numerator: Math.round(percent * 10_000), denominator: "MILLION" },
    runtime_key: runtimeKey,
  };
}

/**
 * The composite filter's matcher: requests whose `:method` is one of `methods` run `action`; others
 * match nothing, so the composite filter delegates to no filter at all.
 */
export function gateMatcher(methods: string[], action: Json): Json {
  const predicates = methods.map((method) => ({
    single_predicate: {
      input: {
        name: "request-method",
        typed_config: {
          "@type": "type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput",
          header_name: ":method",
        },
      },
      value_match: { exact: method },
    },
  }));
  const predicate = predicates.length === 1 ? predicates[0] : { or_matcher: { predicate: predicates } };
  return { matcher_list: { matchers: [{ predicate, on_match: { action } }] } };
}

/**
 * The action that runs the filter for the sampled share. `filter` is the delegated filter's
 * TypedExtensionConfig fields: `{ typed_config }` inline, or `{ dynamic_config }` from ECDS.
 */
export function executeFilterAction(gate: GateOptions, filter: { typed_config: Json } | { dynamic_config: Json }): Json {
  return {
    name: "shadowdiff",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction",
      ...filter,
      sample_percent: gateSamplePercent(gate),
    },
  };
}

/** The HTTP filter that replaces the plain wasm filter in gated mode. */
export function gateFilter(wasmTypedConfig: Json, plugin: PluginConfiguration, gate: GateOptions): Json {
  const action = executeFilterAction(gate, { typed_config: { name: "envoy.filters.http.wasm", typed_config: wasmTypedConfig } });
  return {
    name: GATE_FILTER_NAME,
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher",
      xds_matcher: gateMatcher(gatedMethods(plugin), action),
      extension_config: {
        name: "envoy.filters.http.composite",
        typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.composite.v3.Composite" },
      },
    },
  };
}
