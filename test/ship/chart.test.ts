// The Helm chart (charts/shadowdiff): `helm lint` and `helm template` with the real helm; every
// rendered manifest passes its kind's published schema; the plain manifests under istio/ are its
// rendering; the security policies let only the filter report and only monitoring read; the filter
// renders as the WasmPlugin or the gated EnvoyFilter, from the same values; hostile or careless
// values are refused with a message naming the value.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { parseConfig } from "../../host/config/load.js";
import { executeFilterAction, gatedMethods, gateMatcher, tagSpellings } from "../../host/envoy/gate.js";
import { findManifest, istioOutboundCluster, selects, validateManifest } from "../istio/support/manifests.js";
import { promtool } from "../istio/support/promtool.js";
import { ruleGroups } from "../istio/support/queries.js";
import { bodiesFilterWasmPath, filterWasmPath } from "../../support/paths.js";
import { ProxyWasmHost } from "../wasmhost/index.js";
import { REPO, helm, run } from "./support/tools.js";

const CHART = join(REPO, "charts", "shadowdiff");
const PLAIN_VALUES = join(REPO, "charts", "plain-manifests.values.yaml");
const DIGEST = `sha256:${"ab".repeat(32)}`;
const EVERYTHING = [
  "-f", PLAIN_VALUES,
  "--set", "filter.enabled=true",
  "--set", "filter.image=registry.example.com/shadowdiff/filter:0.1.0",
  "--set", `filter.digest=${DIGEST}`,
];
const GATE = [...EVERYTHING, "--set", "filter.mode=gate"];
const BODIES_DIGEST = `sha256:${"cd".repeat(32)}`;
const REQUEST_BODIES = { methods: ["POST", "PUT", "PATCH"], max_bytes: 65536 };
/** The bodies module, its image, and request_bodies turned on. */
const BODIES = [
  "--set", "filter.module=bodies",
  "--set", "filter.bodiesImage=registry.example.com/shadowdiff/filter-bodies:0.1.0",
  "--set", `filter.bodiesDigest=${BODIES_DIGEST}`,
  "--set-json", `filter.pluginConfig.request_bodies=${JSON.stringify(REQUEST_BODIES)}`,
];

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [field: string]: unknown;
}

async function template(args: string[]): Promise<{ code: number; docs: Doc[]; stderr: string }> {
  const result = await run(helm(), ["template", "shadowdiff", CHART, "--namespace", "shadowdiff", ...args]);
  const docs = result.code === 0 ? parseAllDocuments(result.stdout).map((d) => d.toJS() as Doc).filter((d) => d !== null) : [];
  return { code: result.code, docs, stderr: result.stderr.replace(/^.*found symbolic link.*\n/gm, "") };
}

const find = (docs: Doc[], kind: string): Doc => {
  const doc = docs.find((d) => d.kind === kind);
  if (doc === undefined) throw new Error(`no ${kind} rendered`);
  return doc;
};

describe("the chart", () => {
  let docs: Doc[];

  beforeAll(async () => {
    const rendered = await template(EVERYTHING);
    expect(rendered.code, rendered.stderr).toBe(0);
    docs = rendered.docs;
  });

  it("passes helm lint", async () => {
    const result = await run(helm(), ["lint", CHART, "--strict", "-f", PLAIN_VALUES]);
    expect(result.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(result.code).toBe(0);
  });

  it("renders the collector, the security policies, the rules, the dashboard and the WasmPlugin", () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(
      ["AuthorizationPolicy", "ConfigMap", "ConfigMap", "Deployment", "Namespace", "PeerAuthentication", "PrometheusRule", "Service", "ServiceAccount", "ServiceMonitor", "WasmPlugin"].sort(),
    );
  });

  it("every rendered manifest passes its kind's published schema", () => {
    for (const doc of docs) expect(() => validateManifest(doc), `${doc.kind} ${doc.metadata.name}`).not.toThrow();
  });

  it("the plain manifests under istio/ are its rendering (make manifests)", async () => {
    const out = mkdtempSync(join(tmpdir(), "shadowdiff-plain-"));
    try {
      const result = await run(join(REPO, "scripts", "render-manifests.sh"), [out], { env: { ...process.env, HELM: helm() } });
      expect(result.code, result.stderr).toBe(0);
      const files = (dir: string): string[] =>
        readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
          .sort();
      const rendered = files(out);
      expect(rendered.length).toBeGreaterThanOrEqual(5);
      for (const file of rendered) {
        expect(readFileSync(join(REPO, "istio", file), "utf8"), `istio/${file} is stale: run make manifests`).toBe(readFileSync(join(out, file), "utf8"));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("its collector config is one the collector accepts, on the container's ports and writable volume", () => {
    const deployment = find(docs, "Deployment");
    const container = deployment.spec.template.spec.containers[0];
    const configMap = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "shadowdiff-collector")!;
    const config = parseConfig(configMap.data!["collector.yaml"]!, {}, "collector.yaml");
    const port = (name: string) => (container.ports as { name: string; containerPort: number }[]).find((p) => p.name === name)!.containerPort;
    expect(config.grpc.address).toBe(`0.0.0.0:${port("grpc")}`);
    expect(config.http.address).toBe(`0.0.0.0:${port("http")}`);
    expect(config.examples.path).toBe("/var/lib/shadowdiff/shadowdiff.db");
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it("mounts extra volumes (a Secret with a file the collector reads) when asked", async () => {
    const rendered = await template([
      ...EVERYTHING,
      "--set", "collector.extraVolumes[0].name=token",
      "--set", "collector.extraVolumes[0].secret.secretName=shadowdiff-token",
      "--set", "collector.extraVolumeMounts[0].name=token",
      "--set", "collector.extraVolumeMounts[0].mountPath=/etc/shadowdiff/token",
      "--set", "collector.extraVolumeMounts[0].readOnly=true",
    ]);
    const pod = find(rendered.docs, "Deployment").spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: "token", secret: { secretName: "shadowdiff-token" } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "token", mountPath: "/etc/shadowdiff/token", readOnly: true });
    expect(() => validateManifest(find(rendered.docs, "Deployment"))).not.toThrow();
  });

  it("mounts the intake token's Secret and names it as grpc.tokenFile with collector.tokenSecret", async () => {
    const rendered = await template([...EVERYTHING, "--set", "collector.tokenSecret.name=shadowdiff-token", "--set", "collector.tokenSecret.key=intake"]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const deployment = find(rendered.docs, "Deployment");
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: "intake-token", secret: { secretName: "shadowdiff-token", defaultMode: 0o440, items: [{ key: "intake", path: "intake" }] } });
    const mount = (pod.containers[0].volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[]).find((m) => m.name === "intake-token");
    expect(mount?.readOnly).toBe(true);
    const configMap = rendered.docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "shadowdiff-collector")!;
    const config = parseConfig(configMap.data!["collector.yaml"]!, {}, "collector.yaml");
    expect(config.grpc.tokenFile).toBe(`${mount?.mountPath}/intake`);
    expect(() => validateManifest(deployment)).not.toThrow();
    // Without it, no token and no volume.
    expect(parseConfig(find(docs, "ConfigMap").data!["collector.yaml"] ?? "", {}).grpc.tokenFile).toBeUndefined();
  });

  it("tells the collector that Istio guards both ports, unless it checks a token itself", async () => {
    const configOf = (rendered: { docs: typeof docs }) =>
      parseConfig(rendered.docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "shadowdiff-collector")!.data!["collector.yaml"]!, {});
    const guarded = configOf({ docs });
    expect([guarded.grpc.allowUnauthenticated, guarded.http.allowUnauthenticated]).toEqual([true, true]);
    const withToken = await template([...EVERYTHING, "--set", "collector.tokenSecret.name=shadowdiff-token"]);
    expect(withToken.code, withToken.stderr).toBe(0);
    expect(configOf(withToken).grpc).toMatchObject({ allowUnauthenticated: false, tokenFile: expect.stringMatching(/\/token$/) });
    const withHttpToken = await template([...EVERYTHING, "--set", "collector.config.http.tokenFile=/etc/shadowdiff/http/token"]);
    expect(withHttpToken.code, withHttpToken.stderr).toBe(0);
    expect(configOf(withHttpToken).http).toMatchObject({ allowUnauthenticated: false, tokenFile: "/etc/shadowdiff/http/token" });
    const withoutIstio = await template([
      ...EVERYTHING,
      "--set", "security.enabled=false",
      "--set", "collector.tokenSecret.name=shadowdiff-token",
      "--set", "collector.config.http.allowUnauthenticated=true",
    ]);
    expect(withoutIstio.code, withoutIstio.stderr).toBe(0);
    expect(configOf(withoutIstio).http.allowUnauthenticated).toBe(true);
    // Without Istio and without tokens, the collector would not start, and says which keys guard the ports.
    const unguarded = await template([...EVERYTHING, "--set", "security.enabled=false"]);
    expect(unguarded.code, unguarded.stderr).toBe(0);
    expect(() => configOf(unguarded)).toThrow(/config key "grpc.address" is 0.0.0.0:9000, which other machines can reach, and no grpc.tokenFile is set/);
  });

  it.each([
    [["--set", "collector.config.http.address=0.0.0.0:80"], /collector\.config: leave out http\.address/],
  ])("refuses %j, naming the value", async (args, message) => {
    const rendered = await template([...EVERYTHING, ...args]);
    expect(rendered.code).not.toBe(0);
    expect(rendered.stderr).toMatch(message);
  });

  it.each([
    [["--set", "collector.tokenSecret.name=x", "--set", "collector.config.grpc.tokenFile=/etc/token"], /as collector.tokenSecret or as collector.config.grpc.tokenFile, not both/],
    [["--set", "collector.tokenSecret.name=Not_A_Name"], /tokenSecret/],
    [["--set", "collector.tokenSecret.key=../../etc/passwd"], /tokenSecret/],
  ])("refuses %j", async (args, message) => {
    const rendered = await template([...EVERYTHING, ...args]);
    expect(rendered.code).not.toBe(0);
    expect(rendered.stderr).toMatch(message);
  });

  it("pulls the collector image by digest when one is given", async () => {
    const rendered = await template([...EVERYTHING, "--set", `collector.image.digest=${DIGEST}`]);
    expect(find(rendered.docs, "Deployment").spec.template.spec.containers[0].image).toBe(`registry.example.com/shadowdiff/collector@${DIGEST}`);
  });
});

describe("the chart's security policies", () => {
  let docs: Doc[];
  beforeAll(async () => {
    docs = (await template(EVERYTHING)).docs;
  });

  it("mutual TLS only (STRICT) on the collector's pods", () => {
    const peer = find(docs, "PeerAuthentication");
    expect(peer.spec.mtls).toEqual({ mode: "STRICT" });
    expect(selects(peer.spec.selector.matchLabels, find(docs, "Deployment").spec.template.metadata.labels)).toBe(true);
  });

  it("only the filter's principals may call Report, only on the grpc port; only monitoring may read the http port", () => {
    const policy = find(docs, "AuthorizationPolicy");
    expect(policy.spec.action).toBe("ALLOW");
    expect(selects(policy.spec.selector.matchLabels, find(docs, "Deployment").spec.template.metadata.labels)).toBe(true);
    expect(policy.spec.rules).toEqual([
      {
        from: [{ source: { principals: ["cluster.local/ns/shop/sa/api-primary"] } }],
        to: [{ operation: { ports: ["9000"], methods: ["POST"], paths: ["/shadowdiff.v1.Collector/Report"] } }],
      },
      { from: [{ source: { namespaces: ["monitoring"] } }], to: [{ operation: { ports: ["9464"], methods: ["GET"] } }] },
    ]);
  });

  it("the rollout controllers' namespaces may ask for the verdict and call Flagger's webhooks, nothing else", async () => {
    const rendered = await template([...EVERYTHING, "--set", "security.rolloutNamespaces={argo-rollouts,flagger-system}"]);
    const rules = find(rendered.docs, "AuthorizationPolicy").spec.rules as unknown[];
    expect(rules).toHaveLength(3);
    expect(rules[2]).toEqual({
      from: [{ source: { namespaces: ["argo-rollouts", "flagger-system"] } }],
      to: [
        { operation: { ports: ["9464"], methods: ["GET"], paths: ["/api/verdict"] } },
        { operation: { ports: ["9464"], methods: ["POST"], paths: ["/api/flagger/*"] } },
      ],
    });
    const refused = await template([...EVERYTHING, "--set", "security.rolloutNamespaces={argo/x}"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/\/security\/rolloutNamespaces\/0/);
  });

  it("the principal allowed is the identity of the pods the WasmPlugin attaches to", () => {
    const plugin = find(docs, "WasmPlugin");
    const primary = findManifest("Deployment", "api-primary", "shop");
    expect(selects(plugin.spec.selector.matchLabels, primary.spec.template.metadata.labels)).toBe(true);
    const account = primary.spec.template.spec.serviceAccountName as string;
    expect(findManifest("ServiceAccount", account, "shop").metadata.name).toBe(account);
    const principals = find(docs, "AuthorizationPolicy").spec.rules[0].from[0].source.principals as string[];
    expect(principals).toContain(`cluster.local/ns/${primary.metadata.namespace}/sa/${account}`);
  });

  it("the collector's http port no longer bypasses the sidecar", () => {
    const annotations = find(docs, "Deployment").spec.template.metadata.annotations as Record<string, string>;
    expect(Object.keys(annotations).filter((key) => key.startsWith("traffic.sidecar.istio.io/"))).toEqual([]);
  });

  it("the WasmPlugin reports to this release's collector, by the cluster name Istio forms", () => {
    const config = find(docs, "WasmPlugin").spec.pluginConfig as Record<string, unknown>;
    const service = find(docs, "Service");
    expect(config.collector_cluster).toBe(istioOutboundCluster({ ...service, file: "" } as never, "grpc"));
    expect(config.collector_authority).toBe("shadowdiff-collector.shadowdiff.svc.cluster.local");
    expect(find(docs, "WasmPlugin").spec.sha256).toBe(DIGEST.slice("sha256:".length));
  });
});

describe("the chart's rules and dashboard", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "shadowdiff-chart-rules-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("with default thresholds, the PrometheusRule holds exactly the rules file's groups", async () => {
    const rule = find((await template(EVERYTHING)).docs, "PrometheusRule");
    expect(rule.spec.groups).toEqual(ruleGroups());
  });

  it("thresholds from values change those numbers only, and promtool accepts the result", async () => {
    // helm --set reads 0.995 as a string (the schema refuses it): numbers come from a values file.
    const values = join(dir, "thresholds.yaml");
    writeFileSync(values, stringify({ monitoring: { prometheusRule: { thresholds: { minMatchRatio: 0.995, maxLatencyRatio: 1.25 } } } }));
    const rendered = await template([...EVERYTHING, "-f", values]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const groups = find(rendered.docs, "PrometheusRule").spec.groups as { rules: { alert?: string; expr: string; annotations?: { description: string } }[] }[];
    const alert = (name: string) => groups.flatMap((g) => g.rules).find((r) => r.alert === name)!;
    expect(alert("ShadowResponsesDiverging").expr).toMatch(/< 0\.995\n/);
    expect(alert("ShadowResponsesDiverging").annotations!.description).toMatch(/threshold 99\.5%/);
    expect(alert("ShadowLatencyRegression").expr).toMatch(/> 1\.25\n/);
    const defaults = ruleGroups().flatMap((g) => g.rules);
    const changed = groups.flatMap((g) => g.rules).filter((r, i) => JSON.stringify(r) !== JSON.stringify(defaults[i])).map((r) => r.alert);
    expect(changed).toEqual(["ShadowResponsesDiverging", "ShadowLatencyRegression"]);
    const file = join(dir, "rules.yaml");
    writeFileSync(file, stringify({ groups }));
    const checked = await promtool(["check", "rules", file]);
    expect(checked.code, checked.output).toBe(0);
  });

  it("the dashboard ConfigMap carries the dashboard for Grafana's sidecar", async () => {
    const configMap = (await template(EVERYTHING)).docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "shadowdiff-dashboard")!;
    expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: "1" });
    expect(JSON.parse(configMap.data!["shadowdiff-dashboard.json"]!)).toEqual(JSON.parse(readFileSync(join(REPO, "istio", "grafana", "shadowdiff-dashboard.json"), "utf8")));
  });
});

/** Values the gate cannot run, though the WasmPlugin could (or the filter would refuse them only once deployed). */
const gateFaults: [string, string[], RegExp][] = [
  ["a share over 100", ["--set", "filter.pluginConfig.sample_percent=150"], /\/filter\/pluginConfig\/sample_percent/],
  ["no digest", ["--set", "filter.digest="], /filter\.digest is empty/],
  ["no image", ["--set", "filter.image="], /filter\.image is empty/],
  ["every pod of the namespace", ["--set", "filter.selector=null"], /filter\.selector is empty/],
  ["failing closed", ["--set", "filter.failStrategy=FAIL_CLOSE"], /filter\.failStrategy is FAIL_CLOSE, but the gate runs its module FAIL_OPEN only/],
  ["before authorisation", ["--set", "filter.phase=AUTHN"], /filter\.phase is AUTHN, but the gate sits before the router/],
  ["a method it cannot hand over", ["--set", "filter.pluginConfig.methods={GET,POST}"], /filter\.pluginConfig\.methods holds POST/],
  ["no method at all", ["--set-json", "filter.pluginConfig.methods=[]"], /filter\.pluginConfig\.methods must be a non-empty list of GET or HEAD/],
  ["methods that are no list", ["--set", "filter.pluginConfig.methods=GET"], /filter\.pluginConfig\.methods must be a non-empty list/],
  ["a tag header Envoy keeps", ["--set", "filter.pluginConfig.tag_header=Host"], /filter\.pluginConfig\.tag_header must be an HTTP header name Envoy can strip, got Host/],
  ["a tag header that is no header name", ["--set", "filter.pluginConfig.tag_header=x shadow"], /filter\.pluginConfig\.tag_header must be an HTTP header name/],
  ["a body method it cannot mirror with a body", [...BODIES, "--set-json", 'filter.pluginConfig.request_bodies={"methods":["POST","GET"]}'], /filter\.pluginConfig\.request_bodies\.methods holds GET/],
  ["no body method at all", [...BODIES, "--set-json", 'filter.pluginConfig.request_bodies={"methods":[]}'], /filter\.pluginConfig\.request_bodies\.methods must be a non-empty list of POST, PUT or PATCH/],
  ["request_bodies that is no object", [...BODIES, "--set", "filter.pluginConfig.request_bodies=POST"], /filter\.pluginConfig\.request_bodies\.methods must be a non-empty list/],
  ["gRPC calls, mirrored by method, not by the gate's sample", [...BODIES, "--set-json", 'filter.pluginConfig.grpc={"methods":["/a.B/C"]}'], /filter\.pluginConfig\.grpc needs filter\.mode wasmplugin/],
];

describe("the filter's two modes: the WasmPlugin or the gated EnvoyFilter, from the same values", () => {
  let dir: string;
  let files = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "shadowdiff-chart-gate-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Both modes rendered from the same values file on top of EVERYTHING. */
  async function bothModes(values: unknown): Promise<{ plugin: Doc; gate: Doc }> {
    const file = join(dir, `values-${(files += 1)}.yaml`);
    writeFileSync(file, stringify(values));
    const plain = await template([...EVERYTHING, "-f", file]);
    const gated = await template([...GATE, "-f", file]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(gated.code, gated.stderr).toBe(0);
    expect(plain.docs.filter((d) => d.kind === "EnvoyFilter")).toEqual([]);
    expect(gated.docs.filter((d) => d.kind === "WasmPlugin")).toEqual([]);
    return { plugin: find(plain.docs, "WasmPlugin"), gate: find(gated.docs, "EnvoyFilter") };
  }

  const patch = (gate: Doc, applyTo: string): any => (gate.spec.configPatches as { applyTo: string; patch: { value: any } }[]).find((p) => p.applyTo === applyTo)!.patch.value;
  const moduleOf = (gate: Doc): any => patch(gate, "EXTENSION_CONFIG").typed_config.config;
  const actionOf = (gate: Doc): any => patch(gate, "HTTP_FILTER").typed_config.xds_matcher.matcher_list.matchers[0].on_match.action.typed_config;

  it("gate mode renders the gated EnvoyFilter instead of the WasmPlugin, and it passes EnvoyFilter's schema", async () => {
    const rendered = await template(GATE);
    expect(rendered.docs.map((d) => d.kind).filter((kind) => kind === "WasmPlugin" || kind === "EnvoyFilter")).toEqual(["EnvoyFilter"]);
    for (const doc of rendered.docs) expect(() => validateManifest(doc), `${doc.kind} ${doc.metadata.name}`).not.toThrow();
  });

  it("both take the workload, port, image, digest, pull policy and plugin configuration from the same values", async () => {
    const { plugin, gate } = await bothModes({
      filter: {
        namespace: "store",
        selector: { app: "cart", track: "stable" },
        port: 9090,
        imagePullPolicy: "Always",
        pluginConfig: { sample_percent: 2.5, methods: ["GET"], tag_header: "X-Canary-Mirror", shadow_cluster: "outbound|80||cart-v2.store.svc.cluster.local" },
      },
    });
    expect(gate.metadata.namespace).toBe(plugin.metadata.namespace);
    expect(gate.spec.workloadSelector.labels).toEqual(plugin.spec.selector.matchLabels);
    for (const p of gate.spec.configPatches as { applyTo: string; match?: any }[]) {
      if (p.applyTo === "EXTENSION_CONFIG") continue;
      expect(p.match.listener?.portNumber ?? p.match.routeConfiguration?.portNumber, p.applyTo).toBe(9090);
    }
    expect(plugin.spec.match[0].ports).toEqual([{ number: 9090 }]);
    const module = moduleOf(gate);
    expect(module.vm_config.code.remote.http_uri.uri).toBe(plugin.spec.url);
    expect(module.vm_config.code.remote.sha256).toBe(plugin.spec.sha256);
    expect(module.vm_config.environment_variables.key_values).toEqual({ ISTIO_META_WASM_IMAGE_PULL_POLICY: "Always" });
    const pluginConfig = JSON.parse(module.configuration.value) as Record<string, unknown>;
    expect(pluginConfig).toEqual({ ...plugin.spec.pluginConfig, sample_percent: 100 });
    expect(pluginConfig.shadow_cluster).toBe("outbound|80||cart-v2.store.svc.cluster.local");
    const action = executeFilterAction({ percent: plugin.spec.pluginConfig.sample_percent }, { dynamic_config: actionOf(gate).dynamic_config });
    expect(patch(gate, "HTTP_FILTER").typed_config.xds_matcher).toEqual(gateMatcher(gatedMethods(pluginConfig), action));
    expect(actionOf(gate).sample_percent.default_value).toEqual({ numerator: 25_000, denominator: "MILLION" });
    expect(patch(gate, "ROUTE_CONFIGURATION").request_headers_to_remove).toEqual(tagSpellings(pluginConfig));
    expect(tagSpellings(pluginConfig)).toEqual(["x-canary-mirror", "x_canary_mirror"]);
  });

  it("several targets and a secondary: the shadow_* keys set to null, both modes carry them and the filter accepts them", async () => {
    const targets = [
      { name: "v2", cluster: "outbound|80||cart-v2.store.svc.cluster.local", timeout_ms: 3000 },
      { name: "v3", cluster: "outbound|80||cart-v3.store.svc.cluster.local" },
    ];
    const secondary = { cluster: "outbound|80||cart-again.store.svc.cluster.local", sample_percent: 25 };
    const { plugin, gate } = await bothModes({
      filter: { pluginConfig: { shadow_cluster: null, shadow_authority: null, shadow_timeout_ms: null, targets, secondary } },
    });
    const pluginConfig = plugin.spec.pluginConfig as Record<string, unknown>;
    expect(Object.keys(pluginConfig).filter((key) => key.startsWith("shadow_"))).toEqual([]);
    expect(pluginConfig).toMatchObject({ targets, secondary });
    expect(JSON.parse(moduleOf(gate).configuration.value)).toEqual({ ...pluginConfig, sample_percent: 100 });
    const host = await ProxyWasmHost.load(filterWasmPath(), {
      clusters: [...targets.map((target) => target.cluster), secondary.cluster, pluginConfig.collector_cluster as string],
    });
    expect(host.start(JSON.stringify(pluginConfig)), host.logs.map((entry) => entry.message).join("\n")).toBe(true);
    // Left beside targets, the chart's default shadow_cluster is refused by name.
    const careless = await ProxyWasmHost.load(filterWasmPath(), { clusters: [] });
    expect(careless.start(JSON.stringify({ ...pluginConfig, shadow_cluster: "outbound|80||api-shadow.shop.svc.cluster.local" }))).toBe(false);
    expect(careless.logs.map((entry) => entry.message).join("\n")).toMatch(/shadow_cluster/);
  });

  it("the bodies module: both modes pull its image, the gate hands request_bodies' methods over as gate.ts does, and only that module accepts the configuration", async () => {
    const { plugin, gate } = await bothModes({
      filter: {
        module: "bodies",
        bodiesImage: "registry.example.com/shadowdiff/filter-bodies:0.1.0",
        bodiesDigest: BODIES_DIGEST,
        pluginConfig: { request_bodies: REQUEST_BODIES },
      },
    });
    expect(plugin.spec.url).toBe("oci://registry.example.com/shadowdiff/filter-bodies:0.1.0");
    expect(plugin.spec.sha256).toBe(BODIES_DIGEST.slice(7));
    expect(moduleOf(gate).vm_config.code.remote.http_uri.uri).toBe(plugin.spec.url);
    expect(moduleOf(gate).vm_config.code.remote.sha256).toBe(plugin.spec.sha256);
    const pluginConfig = JSON.parse(moduleOf(gate).configuration.value) as Record<string, unknown>;
    expect(pluginConfig.request_bodies).toEqual(REQUEST_BODIES);
    const action = executeFilterAction({ percent: plugin.spec.pluginConfig.sample_percent }, { dynamic_config: actionOf(gate).dynamic_config });
    expect(patch(gate, "HTTP_FILTER").typed_config.xds_matcher).toEqual(gateMatcher(gatedMethods(pluginConfig), action));
    expect(gatedMethods(pluginConfig)).toEqual(["GET", "HEAD", "POST", "PUT", "PATCH"]);
    const clusters = [pluginConfig.shadow_cluster as string, pluginConfig.collector_cluster as string];
    const bodies = await ProxyWasmHost.load(bodiesFilterWasmPath(), { clusters });
    expect(bodies.start(JSON.stringify(plugin.spec.pluginConfig)), bodies.logs.map((entry) => entry.message).join("\n")).toBe(true);
    const plain = await ProxyWasmHost.load(filterWasmPath(), { clusters });
    expect(plain.start(JSON.stringify(plugin.spec.pluginConfig))).toBe(false);
    expect(plain.logs.map((entry) => entry.message).join("\n")).toMatch(/request_bodies/);
  });

  it("gRPC: the bodies module takes grpc, each mirrored side's port is upgraded to HTTP/2, the default module refuses it by name", async () => {
    const grpc = { methods: ["/shop.catalog.v1.Catalog/GetProduct"] };
    const targets = [
      { name: "v2", cluster: "outbound|9090|v2|catalog.shop.svc.cluster.local" },
      { name: "v3", cluster: "outbound|9090|v3|catalog.shop.svc.cluster.local" },
    ];
    const secondary = { cluster: "outbound|9091||catalog-again.shop.svc.cluster.local", sample_percent: 10 };
    const grpcValues = [
      ...BODIES.slice(0, 6),
      "--set-json", `filter.pluginConfig.grpc=${JSON.stringify(grpc)}`,
      "--set-json", `filter.pluginConfig.targets=${JSON.stringify(targets)}`,
      "--set-json", `filter.pluginConfig.secondary=${JSON.stringify(secondary)}`,
      "--set", "filter.pluginConfig.shadow_cluster=null", "--set", "filter.pluginConfig.shadow_authority=null", "--set", "filter.pluginConfig.shadow_timeout_ms=null",
    ];
    const rendered = await template([...EVERYTHING, ...grpcValues]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const rules = rendered.docs.filter((d) => d.kind === "DestinationRule");
    expect(rules.map((rule) => [rule.metadata.name, rule.metadata.namespace, rule.spec.host, rule.spec.trafficPolicy.portLevelSettings])).toEqual([
      ["shadowdiff-grpc-catalog-again.shop.svc.cluster.local", "shop", "catalog-again.shop.svc.cluster.local", [{ port: { number: 9091 }, connectionPool: { http: { h2UpgradePolicy: "UPGRADE" } } }]],
      ["shadowdiff-grpc-catalog.shop.svc.cluster.local", "shop", "catalog.shop.svc.cluster.local", [{ port: { number: 9090 }, connectionPool: { http: { h2UpgradePolicy: "UPGRADE" } } }]],
    ]);
    for (const rule of rules) expect(() => validateManifest(rule)).not.toThrow();
    const plugin = find(rendered.docs, "WasmPlugin");
    const clusters = [...targets.map((t) => t.cluster), secondary.cluster, plugin.spec.pluginConfig.collector_cluster as string];
    const bodies = await ProxyWasmHost.load(bodiesFilterWasmPath(), { clusters });
    expect(bodies.start(JSON.stringify(plugin.spec.pluginConfig)), bodies.logs.map((entry) => entry.message).join("\n")).toBe(true);

    const off = await template([...EVERYTHING, ...grpcValues, "--set", "filter.grpcHttp2=false"]);
    expect(off.docs.filter((d) => d.kind === "DestinationRule")).toEqual([]);
    const notIstio = await template([...EVERYTHING, ...grpcValues, "--set-json", 'filter.pluginConfig.targets=[{"name":"v2","cluster":"catalog-v2"}]']);
    expect(notIstio.stderr).toMatch(/filter\.pluginConfig\.grpc needs each mirrored side's cluster as Istio names it \(outbound\|PORT\|SUBSET\|HOST\), to make it HTTP\/2; got catalog-v2/);
    const defaultModule = await template([...EVERYTHING, "--set-json", `filter.pluginConfig.grpc=${JSON.stringify(grpc)}`]);
    expect(defaultModule.stderr).toMatch(/filter\.pluginConfig\.grpc needs filter\.module bodies/);
  });

  it.each([
    ["a share of 0 stays 0", { sample_percent: 0 }, 0],
    ["a fraction is kept", { sample_percent: 0.0125 }, 125],
    ["no share is the filter's default, all of them", { sample_percent: null }, 1_000_000],
  ])("the gate's share: %s", async (_name, pluginConfig, numerator) => {
    const { gate } = await bothModes({ filter: { pluginConfig } });
    expect(actionOf(gate).sample_percent).toEqual({ default_value: { numerator, denominator: "MILLION" }, runtime_key: "shadowdiff.gate_percent" });
  });

  it("without methods, the gate hands over what the filter would mirror by default: GET", async () => {
    const { gate } = await bothModes({ filter: { pluginConfig: { methods: null } } });
    const pluginConfig = JSON.parse(moduleOf(gate).configuration.value) as Record<string, unknown>;
    expect(pluginConfig.methods).toBeUndefined();
    expect(patch(gate, "HTTP_FILTER").typed_config.xds_matcher.matcher_list.matchers[0].predicate.single_predicate.value_match).toEqual({ exact: "GET" });
    expect(gatedMethods(pluginConfig)).toEqual(["GET"]);
  });
});

describe("hostile or careless values are refused, naming the value", () => {
  const cases: [string, string[], RegExp][] = [
    ["no principal at all", ["--set", "security.filterPrincipals=null"], /security\.filterPrincipals is empty/],
    ["a wildcard principal", ["--set", "security.filterPrincipals={*}"], /\/security\/filterPrincipals\/0/],
    ["a principal with a wildcard service account", ["--set", "security.filterPrincipals={cluster.local/ns/shop/sa/*}"], /\/security\/filterPrincipals\/0/],
    ["a namespace that is no name", ["--set", "security.metricsNamespaces={monitoring/x}"], /\/security\/metricsNamespaces\/0/],
    ["a short digest", ["--set", "filter.digest=sha256:abc"], /\/filter\/digest/],
    ["a WasmPlugin without a digest", ["--set", "filter.digest="], /filter\.digest is empty/],
    ["a WasmPlugin without an image", ["--set", "filter.image="], /filter\.image is empty/],
    ["an image given with oci://", ["--set", "filter.image=oci://registry.example.com/f:1"], /\/filter\/image/],
    ["a WasmPlugin on every pod of the namespace", ["--set", "filter.selector=null"], /filter\.selector is empty/],
    ["a listen address in the collector config", ["--set", "collector.config.http.address=0.0.0.0:80"], /collector\.config: leave out http/],
    ["the examples file moved off the volume", ["--set", "collector.config.examples.path=/tmp/x.db"], /collector\.config: leave out .*examples\.path/],
    ["a misspelt key", ["--set", "collector.replica=3"], /additional properties 'replica' not allowed/],
    ["a ratio over 1", ["--set", "monitoring.prometheusRule.thresholds.minMatchRatio=99"], /minMatchRatio/],
    ["a port out of range", ["--set", "collector.ports.grpc=70000"], /\/collector\/ports\/grpc/],
    ["an unknown fail strategy", ["--set", "filter.failStrategy=OPEN"], /\/filter\/failStrategy/],
    ["the filter's former key", ["--set", "wasmPlugin.enabled=true"], /additional properties 'wasmPlugin' not allowed/],
    ["both modes at once", ["--set", "filter.mode=both"], /\/filter\/mode/],
    ["a share over 100", ["--set", "filter.pluginConfig.sample_percent=101"], /\/filter\/pluginConfig\/sample_percent/],
    ["a negative share", ["--set", "filter.pluginConfig.sample_percent=-1"], /\/filter\/pluginConfig\/sample_percent/],
    ["a share that is no number", ["--set-string", "filter.pluginConfig.sample_percent=10"], /\/filter\/pluginConfig\/sample_percent/],
    ["an unknown module", ["--set", "filter.module=streaming"], /\/filter\/module/],
    ["request_bodies with the default module", ["--set-json", 'filter.pluginConfig.request_bodies={"methods":["POST"]}'], /filter\.pluginConfig\.request_bodies needs filter\.module bodies/],
    ["the gate: request_bodies with the default module", ["--set", "filter.mode=gate", "--set-json", 'filter.pluginConfig.request_bodies={"methods":["POST"]}'], /filter\.pluginConfig\.request_bodies needs filter\.module bodies/],
    ["the bodies module without its image", [...BODIES, "--set", "filter.bodiesImage="], /filter\.module is bodies, but filter\.bodiesImage is empty/],
    ["the bodies module without its digest", [...BODIES, "--set", "filter.bodiesDigest="], /filter\.module is bodies, but filter\.bodiesDigest is empty/],
    ["a short digest for the bodies module", [...BODIES, "--set", "filter.bodiesDigest=sha256:abc"], /\/filter\/bodiesDigest/],
    ...gateFaults.map(([name, args, message]): [string, string[], RegExp] => [`the gate: ${name}`, ["--set", "filter.mode=gate", ...args], message]),
    ["targetRefs naming a Service (istiod never attaches it to a sidecar)", ["--set-json", 'filter.targetRefs=[{"kind":"Service","name":"api"}]'], /filter\.targetRefs names a Service: istiod attaches a WasmPlugin with targetRefs to gateways \(and ambient waypoints\) only, never to a sidecar/],
    ["targetRefs naming an HTTPRoute", ["--set-json", 'filter.targetRefs=[{"kind":"HTTPRoute","name":"api"}]'], /filter\.targetRefs names a HTTPRoute/],
    ["a Gateway in another group", ["--set-json", 'filter.targetRefs=[{"kind":"Gateway","group":"networking.istio.io","name":"api"}]'], /filter\.targetRefs: a Gateway's group is gateway\.networking\.k8s\.io, got networking\.istio\.io/],
    ["a Gateway without a name", ["--set-json", 'filter.targetRefs=[{"kind":"Gateway"}]'], /\/filter\/targetRefs\/0.*name/],
    ["a Gateway name that is no name", ["--set-json", 'filter.targetRefs=[{"kind":"Gateway","name":"api gateway"}]'], /\/filter\/targetRefs\/0\/name/],
    ["a Gateway in another namespace", ["--set-json", 'filter.targetRefs=[{"kind":"Gateway","name":"api","namespace":"edge"}]'], /additional properties 'namespace' not allowed/],
    ["targetRefs that is no list", ["--set", "filter.targetRefs=api-gateway"], /\/filter\/targetRefs/],
    ["17 targetRefs", ["--set-json", `filter.targetRefs=${JSON.stringify(Array.from({ length: 17 }, (_, i) => ({ kind: "Gateway", name: `g${i}` })))}`], /\/filter\/targetRefs/],
    ["the gate with targetRefs", ["--set", "filter.mode=gate", "--set-json", 'filter.targetRefs=[{"kind":"Gateway","name":"api-gateway"}]'], /filter\.targetRefs is for the WasmPlugin on a gateway: the gate patches the primary's sidecar by filter\.selector/],
  ];

  it.each(cases)("%s", async (_name, args, message) => {
    const rendered = await template([...EVERYTHING, ...args]);
    expect(rendered.code).not.toBe(0);
    expect(rendered.stderr).toMatch(message);
  });

  it("a Gateway in targetRefs renders the WasmPlugin for its proxies: no selector, the port in any mode", async () => {
    const rendered = await template([...EVERYTHING, "--set", "filter.port=443", "--set-json", 'filter.targetRefs=[{"kind":"Gateway","name":"api-gateway"},{"kind":"Gateway","group":"gateway.networking.k8s.io","name":"edge"}]']);
    expect(rendered.code, rendered.stderr).toBe(0);
    const plugin = find(rendered.docs, "WasmPlugin");
    expect(() => validateManifest(plugin)).not.toThrow();
    expect(plugin.spec.selector).toBeUndefined();
    expect(plugin.spec.targetRefs).toEqual([
      { group: "gateway.networking.k8s.io", kind: "Gateway", name: "api-gateway" },
      { group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" },
    ]);
    expect(plugin.spec.match).toEqual([{ ports: [{ number: 443 }] }]);
  });

  it("the same values without the fault render (each refusal is the fault's)", async () => {
    for (const args of [EVERYTHING, GATE, [...EVERYTHING, ...BODIES], [...GATE, ...BODIES]]) {
      const rendered = await template(args);
      expect(rendered.code, rendered.stderr).toBe(0);
    }
  });

  it("the plain values file is what the plain manifests say it is", () => {
    const values = parse(readFileSync(PLAIN_VALUES, "utf8")) as { security: { filterPrincipals: string[] } };
    expect(values.security.filterPrincipals).toEqual(["cluster.local/ns/shop/sa/api-primary"]);
  });
});
