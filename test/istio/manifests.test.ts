// Every manifest under istio/ passes its kind's published schema, and the pieces fit together:
// the WasmPlugin selects the primary only, its cluster names are the ones Istio gives the
// Services, the collector's ports, probes and config are the collector's own.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../host/config/load.js";
import {
  allManifests,
  findManifest,
  istioOutboundCluster,
  manifestFiles,
  readManifests,
  selects,
  validateManifest,
} from "./support/manifests.js";
import { exportedMetrics } from "./support/exported-metrics.js";

describe("manifests under istio/", () => {
  it("are found, and every file holds at least one document", () => {
    const files = manifestFiles();
    expect(files).toEqual(
      expect.arrayContaining([
        "collector/collector.yaml",
        "collector/security.yaml",
        "collector/servicemonitor.yaml",
        "example/api.yaml",
        "example/podmonitor.yaml",
        "example/writes/mesh-policy.yaml",
        "example/writes/network-policy.yaml",
        "example/writes/primary-datastore.yaml",
        "example/writes/resources.yaml",
        "example/writes/shadow-datastore.yaml",
        "example/writes/shadow.yaml",
        "grafana/dashboard-configmap.yaml",
        "prometheus/prometheusrule.yaml",
      ]),
    );
    for (const file of files) expect(readManifests(file).length, file).toBeGreaterThan(0);
  });

  it.each(allManifests().map((doc) => [`${doc.file}: ${doc.kind} ${doc.metadata.name}`, doc] as const))(
    "%s passes its schema",
    (_name, doc) => {
      const { file: _file, ...document } = doc;
      expect(() => validateManifest(document)).not.toThrow();
    },
  );

  it("the schemas refuse what Istio and Kubernetes would refuse (the check can fail)", () => {
    const plugin = findManifest("WasmPlugin", "shadowdiff");
    const { file: _file, ...document } = plugin;
    expect(() => validateManifest({ ...document, spec: { ...plugin.spec, phase: "AFTER_AUTHZ" } })).toThrow(/phase/);
    expect(() => validateManifest({ ...document, spec: { ...plugin.spec, failStrategy: "OPEN" } })).toThrow(/failStrategy/);
    const deployment = findManifest("Deployment", "shadowdiff-collector");
    const { file: _f, ...deploymentDocument } = deployment;
    expect(() => validateManifest({ ...deploymentDocument, spec: { ...deployment.spec, replicas: "two" } })).toThrow(/replicas/);
    expect(() => validateManifest({ apiVersion: "v1", kind: "Pod" })).toThrow(/no schema known/);
  });
});

describe("the WasmPlugin", () => {
  const plugin = findManifest("WasmPlugin", "shadowdiff", "shop");
  const primary = findManifest("Deployment", "api-primary", "shop");
  const shadow = findManifest("Deployment", "api-shadow", "shop");

  it("selects the primary's pods and never the shadow's", () => {
    const matchLabels = plugin.spec.selector.matchLabels as Record<string, string>;
    expect(selects(matchLabels, primary.spec.template.metadata.labels)).toBe(true);
    expect(selects(matchLabels, shadow.spec.template.metadata.labels)).toBe(false);
  });

  it("runs on the primary's inbound HTTP port only", () => {
    const containerPorts = (primary.spec.template.spec.containers as { ports: { containerPort: number }[] }[]).flatMap((c) =>
      c.ports.map((p) => p.containerPort),
    );
    expect(plugin.spec.match).toEqual([{ mode: "SERVER", ports: [{ number: containerPorts[0] }] }]);
  });

  it("fails open, runs after authentication and authorisation, and pins its module by digest", () => {
    expect(plugin.spec.failStrategy).toBe("FAIL_OPEN");
    expect(plugin.spec.phase).toBe("STATS");
    expect(plugin.spec.url).toMatch(/^oci:\/\/[^/]+\/.+:.+$/);
    expect(plugin.spec.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names the shadow and collector clusters as Istio forms them from the Services", () => {
    const config = plugin.spec.pluginConfig as Record<string, unknown>;
    expect(config.shadow_cluster).toBe(istioOutboundCluster(findManifest("Service", "api-shadow", "shop"), "http"));
    expect(config.shadow_cluster).toBe("outbound|80||api-shadow.shop.svc.cluster.local");
    expect(config.collector_cluster).toBe(
      istioOutboundCluster(findManifest("Service", "shadowdiff-collector", "shadowdiff"), "grpc"),
    );
    // Istio cluster names hold `|`, which is no valid :authority: the authorities are host names.
    expect(config.shadow_authority).toBe("api-shadow.shop.svc.cluster.local");
    expect(config.collector_authority).toMatch(/^[a-z0-9.-]+$/);
  });
});

describe("the example's traffic", () => {
  it("the shadow stage sends every user request to the primary", () => {
    const virtualService = findManifest("VirtualService", "api", "shop");
    expect(virtualService.spec.hosts).toEqual(["api"]);
    expect(virtualService.spec.http).toEqual([
      { route: [{ destination: { host: "api-primary", port: { number: 80 } }, weight: 100 }] },
    ]);
  });

  it("api-primary and api-shadow select one version each", () => {
    const primary = findManifest("Deployment", "api-primary", "shop");
    const shadow = findManifest("Deployment", "api-shadow", "shop");
    const primaryService = findManifest("Service", "api-primary", "shop");
    const shadowService = findManifest("Service", "api-shadow", "shop");
    expect(selects(primaryService.spec.selector, primary.spec.template.metadata.labels)).toBe(true);
    expect(selects(primaryService.spec.selector, shadow.spec.template.metadata.labels)).toBe(false);
    expect(selects(shadowService.spec.selector, shadow.spec.template.metadata.labels)).toBe(true);
    expect(selects(shadowService.spec.selector, primary.spec.template.metadata.labels)).toBe(false);
    // The name clients use never reaches the shadow, with or without a sidecar.
    expect(selects(findManifest("Service", "api", "shop").spec.selector, shadow.spec.template.metadata.labels)).toBe(false);
  });

  it("the primary's proxy keeps every filter metric (proxyStatsMatcher on wasmcustom.shadowdiff.)", () => {
    const primary = findManifest("Deployment", "api-primary", "shop");
    const proxyConfig = parse(primary.spec.template.metadata.annotations["proxy.istio.io/config"] as string) as {
      proxyStatsMatcher: { inclusionPrefixes: string[] };
    };
    const prefixes = proxyConfig.proxyStatsMatcher.inclusionPrefixes;
    for (const metric of exportedMetrics().filter) {
      // Envoy's stats matcher sees the name with the wasmcustom namespace in front.
      expect(prefixes.some((prefix) => `wasmcustom.${metric.envoy}`.startsWith(prefix)), metric.envoy).toBe(true);
    }
  });

  it("the PodMonitor scrapes the primary's sidecars, not the shadow's", () => {
    const podMonitor = findManifest("PodMonitor", "api-primary-envoy-stats", "shop");
    const primary = findManifest("Deployment", "api-primary", "shop");
    const shadow = findManifest("Deployment", "api-shadow", "shop");
    expect(selects(podMonitor.spec.selector.matchLabels, primary.spec.template.metadata.labels)).toBe(true);
    expect(selects(podMonitor.spec.selector.matchLabels, shadow.spec.template.metadata.labels)).toBe(false);
    expect(podMonitor.spec.podMetricsEndpoints[0].path).toBe("/stats/prometheus");
  });
});

describe("the collector's manifests", () => {
  const deployment = findManifest("Deployment", "shadowdiff-collector", "shadowdiff");
  const service = findManifest("Service", "shadowdiff-collector", "shadowdiff");
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  const containerPort = (name: string): number =>
    (container.ports as { name: string; containerPort: number }[]).find((p) => p.name === name)!.containerPort;

  it("has a ServiceAccount of its own", () => {
    const account = findManifest("ServiceAccount", pod.spec.serviceAccountName, "shadowdiff");
    expect(account.metadata.name).toBe("shadowdiff-collector");
  });

  it("exposes grpc (named so Istio speaks HTTP/2 to it) and http through its Service", () => {
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ name: "grpc", targetPort: "grpc", appProtocol: "grpc" }),
      expect.objectContaining({ name: "http", targetPort: "http" }),
    ]);
    expect(selects(service.spec.selector, pod.metadata.labels)).toBe(true);
  });

  it("probes readiness and liveness on the collector's health endpoints", () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
  });

  it("asks for resources and caps them", () => {
    expect(Object.keys(container.resources.requests).sort()).toEqual(["cpu", "memory"]);
    expect(Object.keys(container.resources.limits).sort()).toEqual(["cpu", "memory"]);
  });

  it("is scraped on its http port, by annotation and by ServiceMonitor", () => {
    expect(pod.metadata.annotations["prometheus.io/scrape"]).toBe("true");
    expect(Number(pod.metadata.annotations["prometheus.io/port"])).toBe(containerPort("http"));
    expect(pod.metadata.annotations["prometheus.io/path"]).toBe("/metrics");
    const monitor = findManifest("ServiceMonitor", "shadowdiff-collector", "shadowdiff");
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: "http", path: "/metrics" })]);
  });

  it("its ConfigMap is a configuration the collector accepts, listening where the pod says", () => {
    const configMap = findManifest("ConfigMap", pod.spec.volumes[0].configMap.name, "shadowdiff");
    const mount = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.name === "config")!;
    const configFile = `${mount.mountPath}/collector.yaml`;
    expect(container.args).toEqual(["collector", "--config", configFile]);
    const config = parseConfig(configMap.data!["collector.yaml"]!, {}, configFile);
    expect(config.grpc.address).toBe(`0.0.0.0:${containerPort("grpc")}`);
    expect(config.http.address).toBe(`0.0.0.0:${containerPort("http")}`);
    // The examples database lives on the writable volume, not the read-only root filesystem.
    const examples = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.name === "examples")!;
    expect(config.examples.path.startsWith(`${examples.mountPath}/`)).toBe(true);
  });

  it("refuses the typo a hand-edited ConfigMap could carry (the check can fail)", () => {
    expect(() => parseConfig("grpc:\n  adress: 0.0.0.0:9000\n", {}, "collector.yaml")).toThrow(/adress/);
  });
});
