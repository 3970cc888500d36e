// The rollout examples under istio/rollouts/ fit together, and the schemas they pass (checked with
// every manifest in test/istio/manifests.test.ts) refuse what Argo Rollouts and Flagger would.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FLAGGER_HOOKS } from "../../host/rollouts/flagger-webhooks.js";
import { ISTIO_DIR, findManifest, istioOutboundCluster, readManifests, selects, validateManifest } from "../istio/support/manifests.js";

const values = (file: string) =>
  parse(readFileSync(join(ISTIO_DIR, "rollouts", file), "utf8")) as { filter: { selector: Record<string, string>; pluginConfig: { targets: { name: string; cluster: string; authority: string }[] } } };
const collectorService = findManifest("Service", "shadowdiff-collector", "shadowdiff");
const httpPort = (collectorService.spec.ports as { name: string; port: number }[]).find((port) => port.name === "http")!.port;
const COLLECTOR_HTTP = `http://shadowdiff-collector.shadowdiff.svc.cluster.local:${httpPort}`;

describe("Argo Rollouts", () => {
  const rollout = findManifest("Rollout", "api", "shop");
  const web = findManifest("AnalysisTemplate", "shadowdiff-verdict", "shop");
  const job = findManifest("AnalysisTemplate", "shadowdiff-verdict-prometheus", "shop");
  const filter = values("argo-rollouts/shadowdiff.values.yaml").filter;
  const canary = rollout.spec.strategy.canary;
  const arg = (template: typeof web, name: string) => (template.spec.args as { name: string; value: string }[]).find((a) => a.name === name)?.value;

  it("judges the canary before the first setWeight, with the template and target the filter names", () => {
    const steps = canary.steps as Record<string, any>[];
    const firstWeight = steps.findIndex((step) => "setWeight" in step);
    const analysis = steps.findIndex((step) => "analysis" in step);
    expect(analysis).toBeGreaterThanOrEqual(0);
    expect(analysis).toBeLessThan(firstWeight);
    expect(steps[analysis]!.analysis.templates).toEqual([{ templateName: web.metadata.name }]);
    const target = steps[analysis]!.analysis.args.find((a: { name: string }) => a.name === "target").value;
    expect(filter.pluginConfig.targets.map((t) => t.name)).toEqual([target]);
    expect(arg(web, "target")).toBe(target);
    expect(arg(job, "target")).toBe(target);
  });

  it("mirrors from the stable pods to the canary Service, never from the canary's", () => {
    const labels = rollout.spec.template.metadata.labels as Record<string, string>;
    expect(selects(filter.selector, { ...labels, ...canary.stableMetadata.labels })).toBe(true);
    expect(selects(filter.selector, { ...labels, ...canary.canaryMetadata.labels })).toBe(false);
    const canaryService = findManifest("Service", canary.canaryService, "shop");
    expect(filter.pluginConfig.targets[0]!.cluster).toBe(istioOutboundCluster(canaryService, "http"));
    expect(filter.pluginConfig.targets[0]!.authority).toBe(`${canaryService.metadata.name}.shop.svc.cluster.local`);
  });

  it("routes users with the VirtualService the Rollout names, all to stable until a weight is set", () => {
    // Beside istio/example/api.yaml's VirtualService of the same name: the Rollout's setup replaces it.
    const virtualService = readManifests("rollouts/argo-rollouts/rollout.yaml").find((doc) => doc.kind === "VirtualService" && doc.metadata.name === canary.trafficRouting.istio.virtualService.name)!;
    const route = (virtualService.spec.http as { name: string; route: { destination: { host: string }; weight: number }[] }[]).find((r) => canary.trafficRouting.istio.virtualService.routes.includes(r.name))!;
    expect(route.route.map((r) => [r.destination.host, r.weight])).toEqual([[canary.stableService, 100], [canary.canaryService, 0]]);
  });

  it("asks the collector's /api/verdict and maps pass, fail and not yet", () => {
    const metric = web.spec.metrics[0];
    expect(arg(web, "collector")).toBe(COLLECTOR_HTTP);
    expect(metric.provider.web.url).toMatch(/^\{\{args\.collector\}\}\/api\/verdict\?target=\{\{args\.target\}\}&/);
    expect(metric.provider.web.jsonPath).toBe("{$.verdict}");
    expect(metric).toMatchObject({ successCondition: 'result == "pass"', failureCondition: 'result == "fail"', consecutiveSuccessLimit: 1, failureLimit: 0 });
  });

  it("the job template waits out not yet (exit 2) and ends on the others", () => {
    const container = job.spec.metrics[0].provider.job.spec.template.spec.containers[0];
    const script = container.args[0] as string;
    expect(script).toContain('shadowdiff verdict --prometheus "$PROMETHEUS_URL" --target "$TARGET"');
    expect(script).toMatch(/\[ "\$code" -eq 2 \] \|\| exit "\$code"/);
  });

  it("the schemas refuse what Argo Rollouts would refuse (the check can fail)", () => {
    const { file: _f, ...template } = web;
    expect(() => validateManifest({ ...template, spec: { ...web.spec, metrics: [{ ...web.spec.metrics[0], interval: 60 }] } })).toThrow(/interval/);
    expect(() => validateManifest({ ...template, spec: { ...web.spec, metrics: [{ ...web.spec.metrics[0], provider: { web: { jsonPath: "{$.verdict}" } } }] } })).toThrow(/url/);
    const { file: _g, ...document } = rollout;
    expect(() => validateManifest({ ...document, spec: { ...rollout.spec, strategy: { canary: { ...canary, steps: [{ setWeight: "five" }] } } } })).toThrow(/setWeight/);
  });
});

describe("Flagger", () => {
  const canary = findManifest("Canary", "api", "shop");
  const filter = values("flagger/shadowdiff.values.yaml").filter;
  const webhooks = canary.spec.analysis.webhooks as { name: string; type: string; url: string }[];

  it("calls the collector's webhooks for its hooks, each judging the target the filter names", () => {
    expect(webhooks.map((hook) => hook.type).sort()).toEqual(Object.keys(FLAGGER_HOOKS).sort());
    for (const hook of webhooks) {
      const url = new URL(hook.url);
      expect(`${url.protocol}//${url.host}`, hook.name).toBe(COLLECTOR_HTTP);
      expect(url.pathname, hook.name).toBe(`/api/flagger/${hook.type}`);
      expect(url.searchParams.get("target"), hook.name).toBe(filter.pluginConfig.targets[0]!.name);
    }
  });

  it("mirrors from the primary Flagger promoted to the canary Service", () => {
    const name = canary.spec.targetRef.name as string;
    expect(filter.selector).toEqual({ app: `${name}-primary` });
    expect(filter.pluginConfig.targets[0]!.cluster).toBe(`outbound|${canary.spec.service.port}||${name}-canary.shop.svc.cluster.local`);
  });

  it("the schema refuses what Flagger's CRD would refuse (the check can fail)", () => {
    const { file: _f, ...document } = canary;
    expect(() => validateManifest({ ...document, spec: { ...canary.spec, analysis: { ...canary.spec.analysis, webhoks: [] } } })).toThrow(/webhoks/);
    expect(() => validateManifest({ ...document, spec: { ...canary.spec, analysis: { ...canary.spec.analysis, webhooks: [{ name: "x", url: "http://x", type: "confirm-promote" }] } } })).toThrow(/type/);
    expect(() => validateManifest({ ...document, spec: { ...canary.spec, analysis: { ...canary.spec.analysis, stepWeight: "5%" } } })).toThrow(/stepWeight/);
    expect(() => validateManifest({ ...document, spec: { ...canary.spec, targetRef: undefined } })).toThrow(/targetRef/);
  });

  it("every rollout example file holds its documents", () => {
    expect(readManifests("rollouts/flagger/canary.yaml").map((doc) => doc.kind)).toEqual(["Canary"]);
  });
});
