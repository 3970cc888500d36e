// The write-mirroring example's chart values (istio/example/writes/shadowdiff.values.yaml), used as
// the README says (`make push MODULE=bodies ... VALUES=`, which runs scripts/render-filter.sh):
// both filter modes render with the real helm, pull the bodies module's image, send copies to the
// shadow in its own namespace, hand POST, PUT and PATCH to the filter, and the compiled bodies
// module accepts the configuration and mirrors a write with its body.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bodiesFilterWasmPath } from "../../support/paths.js";
import { REPO, helm, run } from "../ship/support/tools.js";
import { ProxyWasmHost } from "../wasmhost/index.js";
import { istioOutboundCluster, validateManifest } from "./support/manifests.js";
import { SHADOW_NAMESPACE, WRITES_DIR, appliedExample, find } from "./support/writes-example.js";

const VALUES = join("istio", WRITES_DIR, "shadowdiff.values.yaml");
const IMAGE = "registry.example.com/shadowdiff/filter-bodies:0.1.0";
const DIGEST = `sha256:${"cd".repeat(32)}`;
const REQUEST_BODIES = { methods: ["POST", "PUT", "PATCH"], max_bytes: 65536 };

const renderFilter = (out: string, module: string) =>
  run(join(REPO, "scripts", "render-filter.sh"), [IMAGE, DIGEST], { env: { ...process.env, HELM: helm(), VALUES, OUT: out, MODULE: module } });

describe("the filter rendered with the write-mirroring example's values", () => {
  let out: string;
  const rendered = (file: string) => parse(readFileSync(join(out, file), "utf8")) as { spec: any; apiVersion: string; kind: string; metadata: any };
  const shadowService = find(appliedExample(), "Service", "api-shadow", SHADOW_NAMESPACE);

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "shadowdiff-writes-values-"));
    const result = await renderFilter(out, "bodies");
    expect(result.code, result.stderr).toBe(0);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("is refused with the default module's image, naming filter.module, and writes nothing", async () => {
    const refusedOut = join(out, "refused");
    const result = await renderFilter(refusedOut, "default");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/filter\.module is "bodies", but the image is the default module's \(MODULE=default\); give MODULE=bodies/);
    expect(existsSync(join(refusedOut, "wasmplugin.yaml"))).toBe(false);
  });

  it("the WasmPlugin pulls the bodies module, sends copies to the shadow's Service in its own namespace, and passes its schema", () => {
    const plugin = rendered("wasmplugin.yaml");
    expect(() => validateManifest(plugin)).not.toThrow();
    expect(plugin.spec.url).toBe(`oci://${IMAGE}`);
    expect(plugin.spec.sha256).toBe(DIGEST.slice(7));
    expect(plugin.spec.pluginConfig.shadow_cluster).toBe(istioOutboundCluster(shadowService, "http"));
    expect(plugin.spec.pluginConfig.shadow_cluster).toBe("outbound|80||api-shadow.shop-shadow.svc.cluster.local");
    expect(plugin.spec.pluginConfig.shadow_authority).toBe("api-shadow.shop-shadow.svc.cluster.local");
    // Reads as the chart has them, writes with their bodies.
    expect(plugin.spec.selector.matchLabels).toEqual({ app: "api", version: "v1" });
    expect(plugin.spec.pluginConfig.methods).toEqual(["GET", "HEAD"]);
    expect(plugin.spec.pluginConfig.request_bodies).toEqual(REQUEST_BODIES);
  });

  it("the gated EnvoyFilter carries the same shadow and module, and hands the writes to the filter", () => {
    const text = readFileSync(join(out, "gated-envoyfilter.yaml"), "utf8");
    expect(text).toContain('"shadow_cluster": "outbound|80||api-shadow.shop-shadow.svc.cluster.local"');
    expect(text).not.toContain("api-shadow.shop.svc");
    const gate = rendered("gated-envoyfilter.yaml");
    const patches = gate.spec.configPatches as { applyTo: string; patch: { value: any } }[];
    const module = patches.find((p) => p.applyTo === "EXTENSION_CONFIG")!.patch.value.typed_config.config;
    expect(module.vm_config.code.remote.http_uri.uri).toBe(`oci://${IMAGE}`);
    expect(JSON.parse(module.configuration.value).request_bodies).toEqual(REQUEST_BODIES);
    const matcher = patches.find((p) => p.applyTo === "HTTP_FILTER")!.patch.value.typed_config.xds_matcher.matcher_list.matchers[0];
    const methods = (matcher.predicate.or_matcher.predicate as { single_predicate: { value_match: { exact: string } } }[]).map((p) => p.single_predicate.value_match.exact);
    expect(methods).toEqual(["GET", "HEAD", "POST", "PUT", "PATCH"]);
  });

  it("the compiled bodies module accepts the configuration and mirrors a POST with its body to that cluster", async () => {
    const config = rendered("wasmplugin.yaml").spec.pluginConfig as Record<string, unknown>;
    const host = await ProxyWasmHost.load(bodiesFilterWasmPath(), { clusters: [config.shadow_cluster as string, config.collector_cluster as string] });
    // Every request sampled, so that one request is enough to see where the copy goes.
    expect(host.start(JSON.stringify({ ...config, sample_percent: 100 }))).toBe(true);
    expect(host.logs.filter((entry) => entry.level === "critical")).toEqual([]);
    const body = '{"sku":"a-1","qty":2}';
    const stream = host.newStream();
    stream.requestHeaders(
      [
        [":method", "POST"],
        [":path", "/orders"],
        [":authority", "api.shop.svc.cluster.local"],
        ["x-request-id", "3f0c2a9e-1d4b-4c6a-8e2f-5b7d9a1c0e42"],
        ["content-type", "application/json"],
      ],
      false,
    );
    stream.requestBody(body, true);
    expect(host.httpCalls.map((call) => call.cluster)).toEqual([config.shadow_cluster]);
    const headers = new Map(host.httpCalls[0]!.headers);
    expect(headers.get(":authority")).toBe("api-shadow.shop-shadow.svc.cluster.local");
    expect(headers.get("x-shadow-request")).toBe("true");
    expect(headers.get("content-length")).toBe(String(body.length));
    expect(Buffer.from(host.httpCalls[0]!.body).toString()).toBe(body);
  });
});
