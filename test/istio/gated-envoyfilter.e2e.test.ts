// The gated EnvoyFilter the chart renders (filter.mode gate; `make image` writes it with the built
// image's digest to build/istio/gated-envoyfilter.yaml, beside the WasmPlugin from the same values),
// run in a real Envoy with the compiled filter: its patches applied as istiod and the sidecar's
// agent would (support/envoyfilter-bootstrap.ts), its cluster names served by local services. The
// gate it declares is the one host/envoy/gate.ts renders; its module arrives over ECDS into the
// composite filter; without the module, sampled requests still reach the primary.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpService, type HttpService } from "../../support/http-service.js";
import { startCollector } from "../../host/collector.js";
import { parseConfig } from "../../host/config/load.js";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import { DEFAULT_GATE_RUNTIME_KEY, executeFilterAction, gatedMethods, gateMatcher, tagSpellings, WASM_FILTER_TYPE } from "../../host/envoy/gate.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { filterWasmPath } from "../../support/paths.js";
import { send, sendMany } from "../e2e/support/client.js";
import { eventually } from "../../support/eventually.js";
import { sameAnswer } from "../e2e/support/services.js";
import { patchedBootstrap } from "./support/envoyfilter-bootstrap.js";
import { findManifest, selects, validateManifest } from "./support/manifests.js";

const envoyFilter = findManifest("EnvoyFilter", "shadowdiff-gate", "shop");
const patches = envoyFilter.spec.configPatches as { applyTo: string; patch: { value: any } }[];
const patchValue = (applyTo: string): any => patches.find((patch) => patch.applyTo === applyTo)!.patch.value;
const extensionConfig = patchValue("EXTENSION_CONFIG");
const gate = patchValue("HTTP_FILTER");
const pluginConfig = JSON.parse(extensionConfig.typed_config.config.configuration.value as string) as Record<string, unknown>;
const wasmPlugin = findManifest("WasmPlugin", "shadowdiff", "shop");

describe("the gated EnvoyFilter's declarations", () => {
  it("passes EnvoyFilter's schema, which refuses a patch Istio would refuse (the check can fail)", () => {
    const { file: _file, ...document } = envoyFilter;
    expect(() => validateManifest(document)).not.toThrow();
    const misspelt = [{ ...patches[0], applyTo: "HTTP_FILTERS" }];
    expect(() => validateManifest({ ...document, spec: { ...envoyFilter.spec, configPatches: misspelt } })).toThrow(/applyTo/);
  });

  it("patches the primary's sidecars only, on the port the WasmPlugin would run on", () => {
    const labels = envoyFilter.spec.workloadSelector.labels as Record<string, string>;
    expect(selects(labels, findManifest("Deployment", "api-primary", "shop").spec.template.metadata.labels)).toBe(true);
    expect(selects(labels, findManifest("Deployment", "api-shadow", "shop").spec.template.metadata.labels)).toBe(false);
    const [port] = (wasmPlugin.spec.match as { ports: { number: number }[] }[])[0]!.ports;
    for (const patch of patches as { applyTo: string; match?: any }[]) {
      if (patch.applyTo === "EXTENSION_CONFIG") continue;
      expect(patch.match.context, patch.applyTo).toBe("SIDECAR_INBOUND");
      expect(patch.match.listener?.portNumber ?? patch.match.routeConfiguration?.portNumber, patch.applyTo).toBe(port!.number);
    }
  });

  it("runs the WasmPlugin's configuration, with sample_percent 100 since the gate samples", () => {
    expect(pluginConfig).toEqual({ ...wasmPlugin.spec.pluginConfig, sample_percent: 100 });
  });

  it("gates on the plugin's methods at the WasmPlugin's share, as host/envoy/gate.ts renders it", () => {
    const action = executeFilterAction(
      { percent: wasmPlugin.spec.pluginConfig.sample_percent as number },
      { dynamic_config: gate.typed_config.xds_matcher.matcher_list.matchers[0].on_match.action.typed_config.dynamic_config },
    );
    expect(gate.typed_config.xds_matcher).toEqual(gateMatcher(gatedMethods(pluginConfig), action));
    expect(action.typed_config).toMatchObject({ sample_percent: { runtime_key: DEFAULT_GATE_RUNTIME_KEY } });
  });

  it("asks ECDS for the module it adds, accepting the agent's fail-open stand-in", () => {
    const { dynamic_config } = gate.typed_config.xds_matcher.matcher_list.matchers[0].on_match.action.typed_config;
    expect(dynamic_config.name).toBe(extensionConfig.name);
    expect(dynamic_config.config_discovery.type_urls).toEqual([
      WASM_FILTER_TYPE,
      "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC",
    ]);
    expect(extensionConfig.typed_config["@type"]).toBe(WASM_FILTER_TYPE);
  });

  it("pulls the WasmPlugin's image, checked by digest, and strips the plugin's tag header", () => {
    const { code, environment_variables } = extensionConfig.typed_config.config.vm_config;
    const { remote } = code;
    expect(remote.http_uri.uri).toBe(wasmPlugin.spec.url);
    expect(remote.sha256).toBe(wasmPlugin.spec.sha256);
    expect(remote.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The agent reads the pull policy from the module's environment, as istiod writes it for a WasmPlugin.
    expect(environment_variables.key_values).toEqual({ ISTIO_META_WASM_IMAGE_PULL_POLICY: wasmPlugin.spec.imagePullPolicy });
    expect(patchValue("ROUTE_CONFIGURATION").request_headers_to_remove).toEqual(tagSpellings(pluginConfig));
  });
});

/** The manifest's Envoy configuration on 127.0.0.1: its clusters named as Istio names them. */
interface Deployment {
  envoy: EnvoyProcess;
  primary: HttpService;
  shadow: HttpService;
  stop(): Promise<void>;
}

async function deploy(ecdsResources?: (extensionConfigs: Record<string, unknown>[]) => Record<string, unknown>[]): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-envoyfilter-"));
  const primary = await startHttpService(sameAnswer);
  const shadow = await startHttpService(sameAnswer);
  const collector = await startCollector(
    parseConfig('grpc: { address: "127.0.0.1:0" }\nhttp: { address: "127.0.0.1:0" }\nexamples: { path: ":memory:" }\n', {}),
  );
  const rendered = renderBootstrap({
    primary: { port: primary.port },
    mode: { kind: "plain" },
    extraClusters: [
      { name: pluginConfig.shadow_cluster as string, endpoint: { port: shadow.port } },
      { name: pluginConfig.collector_cluster as string, endpoint: { port: collector.grpcPort }, http2: true },
    ],
  });
  const bootstrap = patchedBootstrap({
    bootstrap: rendered,
    envoyFilter,
    ecdsPath: join(dir, "ecds.json"),
    wasmPath: filterWasmPath(),
    ecdsResources,
  });
  const stopServices = async (): Promise<void> => {
    await Promise.all([primary.close(), shadow.close(), collector.close()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const envoy = await startEnvoy(bootstrap);
    return { envoy, primary, shadow, stop: async () => { await envoy.stop(); await stopServices(); } };
  } catch (error) {
    await stopServices();
    throw error;
  }
}

async function setGatePercent(envoy: EnvoyProcess, value: string): Promise<void> {
  const response = await fetch(`${envoy.admin.url}/runtime_modify?${DEFAULT_GATE_RUNTIME_KEY}=${value}`, { method: "POST" });
  expect(response.status).toBe(200);
}

async function delegations(envoy: EnvoyProcess): Promise<number> {
  const stats = await envoy.admin.stats("composite\\.filter_delegation_success$");
  return [...stats.values()].reduce((sum, value) => sum + value, 0);
}

/** The filter's per-request counters (requests_*): they move only when a request enters the VM; reports of earlier pairs move the others. */
async function decisions(envoy: EnvoyProcess): Promise<[string, number][]> {
  return Object.entries(await envoy.admin.countedFilterStats("gate")).filter(([name]) => name.startsWith("requests_"));
}

describe("the gated EnvoyFilter in Envoy, module delivered over ECDS", () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await deploy();
  });
  afterAll(async () => deployment?.stop());

  it("mirrors every GET at a 100% override to the shadow's Istio cluster, tagged, with the shadow's authority", async () => {
    const { envoy, shadow } = deployment;
    await setGatePercent(envoy, "100");
    const responses = await sendMany(envoy.listenerPort, 20, (index) => `/users/${index}`);
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    await eventually(async () => expect(shadow.received).toHaveLength(20));
    expect(shadow.received.map((request) => request.headers["x-shadow-request"])).toEqual(shadow.received.map(() => "true"));
    expect(shadow.received.map((request) => request.headers.host)).toEqual(shadow.received.map(() => "api-shadow.shop.svc.cluster.local"));
    const stats = await envoy.admin.countedFilterStats("gate");
    expect(stats.requests_mirrored).toBe(20);
  });

  it("at a 0% override lets nothing in and strips forged tags before the primary", async () => {
    const { envoy, primary } = deployment;
    await setGatePercent(envoy, "0");
    const before = { delegated: await delegations(envoy), seen: primary.received.length, decisions: await decisions(envoy) };
    const forged = { "x-shadow-request": "true", x_shadow_request: "true" };
    const responses = await sendMany(envoy.listenerPort, 20, (index) => `/users/${index}`, 4, { headers: forged });
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    const received = primary.received.slice(before.seen);
    expect(received).toHaveLength(20);
    for (const request of received) expect(Object.keys(request.headers).filter((name) => /^x.shadow.request$/.test(name))).toEqual([]);
    expect((await delegations(envoy)) - before.delegated).toBe(0);
    expect(await decisions(envoy)).toEqual(before.decisions);
  });
});

describe("the gated EnvoyFilter without its module", () => {
  it.each([
    // Istio's agent answers a failed fetch of a FAIL_OPEN module with an RBAC filter without rules.
    ["the agent's fail-open stand-in", (_configs: Record<string, any>[]) => [{ name: extensionConfig.name, typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC" } }]],
    ["no module yet", (_configs: Record<string, any>[]) => []],
    // Envoy rejects the update (the filter's configure refuses it) and keeps the default in its place.
    [
      "a plugin configuration the filter refuses",
      (configs: Record<string, any>[]) =>
        configs.map((resource) => {
          const config = resource.typed_config.config;
          const refused = JSON.stringify({ ...pluginConfig, tag_header: ":path" });
          return { ...resource, typed_config: { ...resource.typed_config, config: { ...config, configuration: { ...config.configuration, value: refused } } } };
        }),
    ],
  ])("%s: sampled requests reach the primary untouched, nothing is mirrored", async (_name, resources) => {
    const deployment = await deploy(resources);
    try {
      const { envoy, primary, shadow } = deployment;
      await setGatePercent(envoy, "100");
      const response = await send(envoy.listenerPort, "/users/1");
      expect(response.status).toBe(200);
      expect(primary.received.map((request) => request.url)).toEqual(["/users/1"]);
      expect(await delegations(envoy)).toBe(1);
      expect(shadow.received).toEqual([]);
      expect(await envoy.admin.stats("^wasmcustom\\.")).toEqual(new Map());
    } finally {
      await deployment.stop();
    }
  });
});
