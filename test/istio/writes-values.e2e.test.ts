// The write-mirroring example's chart values (istio/example/writes/shadowdiff.values.yaml), used as
// the README says (`make push ... VALUES=`, which runs scripts/render-filter.sh): both filter modes
// render with the real helm, send copies to the shadow in its own namespace, and the compiled
// filter accepts the configuration.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { filterWasmPath } from "../../support/paths.js";
import { REPO, helm, run } from "../ship/support/tools.js";
import { ProxyWasmHost } from "../wasmhost/index.js";
import { istioOutboundCluster, validateManifest } from "./support/manifests.js";
import { SHADOW_NAMESPACE, WRITES_DIR, appliedExample, find } from "./support/writes-example.js";

const VALUES = join("istio", WRITES_DIR, "shadowdiff.values.yaml");
const DIGEST = `sha256:${"cd".repeat(32)}`;

describe("the filter rendered with the write-mirroring example's values", () => {
  let out: string;
  const rendered = (file: string) => parse(readFileSync(join(out, file), "utf8")) as { spec: any; apiVersion: string; kind: string; metadata: any };
  const shadowService = find(appliedExample(), "Service", "api-shadow", SHADOW_NAMESPACE);

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "shadowdiff-writes-values-"));
    const result = await run(join(REPO, "scripts", "render-filter.sh"), ["registry.example.com/shadowdiff/filter:0.1.0", DIGEST], {
      env: { ...process.env, HELM: helm(), VALUES, OUT: out },
    });
    expect(result.code, result.stderr).toBe(0);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("the WasmPlugin sends copies to the shadow's Service in its own namespace, and passes its schema", () => {
    const plugin = rendered("wasmplugin.yaml");
    expect(() => validateManifest(plugin)).not.toThrow();
    expect(plugin.spec.pluginConfig.shadow_cluster).toBe(istioOutboundCluster(shadowService, "http"));
    expect(plugin.spec.pluginConfig.shadow_cluster).toBe("outbound|80||api-shadow.shop-shadow.svc.cluster.local");
    expect(plugin.spec.pluginConfig.shadow_authority).toBe("api-shadow.shop-shadow.svc.cluster.local");
    // The rest of the configuration is the chart's: still on the primary, still GET and HEAD.
    expect(plugin.spec.selector.matchLabels).toEqual({ app: "api", version: "v1" });
    expect(plugin.spec.pluginConfig.methods).toEqual(["GET", "HEAD"]);
  });

  it("the gated EnvoyFilter carries the same shadow", () => {
    const text = readFileSync(join(out, "gated-envoyfilter.yaml"), "utf8");
    expect(text).toContain('"shadow_cluster": "outbound|80||api-shadow.shop-shadow.svc.cluster.local"');
    expect(text).not.toContain("api-shadow.shop.svc");
  });

  it("the compiled filter accepts the configuration and mirrors to that cluster", async () => {
    const config = rendered("wasmplugin.yaml").spec.pluginConfig as Record<string, unknown>;
    const host = await ProxyWasmHost.load(filterWasmPath(), { clusters: [config.shadow_cluster as string, config.collector_cluster as string] });
    // Every request sampled, so that one request is enough to see where the copy goes.
    expect(host.start(JSON.stringify({ ...config, sample_percent: 100 }))).toBe(true);
    expect(host.logs.filter((entry) => entry.level === "critical")).toEqual([]);
    host.newStream().requestHeaders(
      [
        [":method", "GET"],
        [":path", "/orders/42"],
        [":authority", "api.shop.svc.cluster.local"],
        ["x-request-id", "3f0c2a9e-1d4b-4c6a-8e2f-5b7d9a1c0e42"],
      ],
      true,
    );
    expect(host.httpCalls.map((call) => call.cluster)).toEqual([config.shadow_cluster]);
    const headers = new Map(host.httpCalls[0]!.headers);
    expect(headers.get(":authority")).toBe("api-shadow.shop-shadow.svc.cluster.local");
    expect(headers.get("x-shadow-request")).toBe("true");
  });
});
