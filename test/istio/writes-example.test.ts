// The write-mirroring example (istio/example/writes/) holds together: its policies select the
// workloads they are about by the labels those really carry, name the ports the containers open
// and the identities the pods run as; the Sidecar lets the shadow call its own database and not the
// primary's; the shadow's environment reads its own Secret; the quota admits the pods it must.
// Every check is also shown failing on a careless edit. What the policies allow, taken together,
// is computed by network-config-analyzer in isolation.e2e.test.ts.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ISTIO_DIR, istioOutboundCluster, type Manifest } from "./support/manifests.js";
import { overLimitRange, podContainers, quantity, quotaExceeded, quotaUsage } from "./support/quota.js";
import {
  SHADOW_NAMESPACE,
  WRITES_DIR,
  appliedExample,
  changed,
  envValue,
  find,
  missingSecretKeys,
  namespaceLabels,
  policiesSelectingNothing,
  secretsRead,
  serviceHost,
  sidecarAllows,
  workloads,
  workloadsOfPeer,
  workloadsOfPrincipal,
  workloadsUnder,
  type Workload,
} from "./support/writes-example.js";

const docs = appliedExample();
const workload = (kind: string, name: string, namespace: string): Workload => find(docs, kind, name, namespace) as Workload;
const shadow = workload("Deployment", "api-shadow", SHADOW_NAMESPACE);
const shadowDb = workload("StatefulSet", "api-shadow-db", SHADOW_NAMESPACE);
const primaryDb = workload("StatefulSet", "api-db", "shop");
const names = (list: Manifest[]): string[] => list.map((doc) => `${doc.metadata.namespace}/${doc.metadata.name}`).sort();
const containerPort = (target: Workload): number => target.spec.template.spec.containers[0].ports[0].containerPort as number;

describe("the shadow's namespace", () => {
  it("is its own, meshed, and holds the shadow and its database, never the primary's", () => {
    expect(namespaceLabels(docs, SHADOW_NAMESPACE)["istio-injection"]).toBe("enabled");
    expect(names(workloads(docs).filter((w) => w.metadata.namespace === SHADOW_NAMESPACE))).toEqual([
      "shop-shadow/api-shadow",
      "shop-shadow/api-shadow-db",
    ]);
    expect(shadow.spec.template.metadata.labels).toEqual({ app: "api", version: "v2" });
    // The writes example replaces api.yaml's shadow in `shop`: only the primary stays there.
    expect(names(workloads(docs).filter((w) => w.metadata.namespace === "shop"))).toEqual(["shop/api-db", "shop/api-primary"]);
  });

  it("every policy in it selects the workload it is written for", () => {
    expect(policiesSelectingNothing(docs)).toEqual([]);
    const under = (kind: string, name: string, namespace = SHADOW_NAMESPACE): string[] => names(workloadsUnder(find(docs, kind, name, namespace), docs));
    expect(under("NetworkPolicy", "default-deny")).toEqual(["shop-shadow/api-shadow", "shop-shadow/api-shadow-db"]);
    expect(under("NetworkPolicy", "dns-and-istiod")).toEqual(["shop-shadow/api-shadow", "shop-shadow/api-shadow-db"]);
    expect(under("NetworkPolicy", "api-shadow")).toEqual(["shop-shadow/api-shadow"]);
    expect(under("NetworkPolicy", "api-shadow-db")).toEqual(["shop-shadow/api-shadow-db"]);
    expect(under("AuthorizationPolicy", "api-shadow")).toEqual(["shop-shadow/api-shadow"]);
    expect(under("AuthorizationPolicy", "api-shadow-db")).toEqual(["shop-shadow/api-shadow-db"]);
    expect(under("AuthorizationPolicy", "api-db-deny-shadow", "shop")).toEqual(["shop/api-db"]);
    expect(under("Sidecar", "default")).toEqual(["shop-shadow/api-shadow", "shop-shadow/api-shadow-db"]);
  });

  it("a policy whose selector has a typo selects nothing, and the check names it (the check can fail)", () => {
    const typo = changed(docs, "AuthorizationPolicy", "api-db-deny-shadow", (policy) => {
      policy.spec.selector.matchLabels = { app: "api-database" };
    });
    expect(policiesSelectingNothing(typo)).toEqual(["AuthorizationPolicy shop/api-db-deny-shadow"]);
    const version = changed(docs, "NetworkPolicy", "api-shadow", (policy) => {
      policy.spec.podSelector.matchLabels.version = "2";
    });
    expect(policiesSelectingNothing(version)).toEqual(["NetworkPolicy shop-shadow/api-shadow"]);
  });
});

describe("the NetworkPolicies", () => {
  const policy = (name: string): Manifest => find(docs, "NetworkPolicy", name, SHADOW_NAMESPACE);

  it("deny everything in the shadow's namespace, both ways, unless a policy allows it", () => {
    expect(policy("default-deny").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("let only the primary's pods in to the shadow, on the port it serves", () => {
    const [rule, ...others] = policy("api-shadow").spec.ingress;
    expect(others).toEqual([]);
    expect(rule.from.flatMap((peer: object) => names(workloadsOfPeer(peer, SHADOW_NAMESPACE, docs)))).toEqual(["shop/api-primary"]);
    expect(rule.ports).toEqual([{ protocol: "TCP", port: containerPort(shadow) }]);
  });

  it("let the shadow out to its own database's port only, and only the shadow into it", () => {
    const [egress, ...others] = policy("api-shadow").spec.egress;
    expect(others).toEqual([]);
    expect(egress.to.flatMap((peer: object) => names(workloadsOfPeer(peer, SHADOW_NAMESPACE, docs)))).toEqual(["shop-shadow/api-shadow-db"]);
    expect(egress.ports).toEqual([{ protocol: "TCP", port: containerPort(shadowDb) }]);
    const [ingress] = policy("api-shadow-db").spec.ingress;
    expect(ingress.from.flatMap((peer: object) => names(workloadsOfPeer(peer, SHADOW_NAMESPACE, docs)))).toEqual(["shop-shadow/api-shadow"]);
    expect(ingress.ports).toEqual([{ protocol: "TCP", port: containerPort(shadowDb) }]);
  });

  it("name no peer that is the primary's database (the check can fail)", () => {
    const peersOf = (list: Manifest[]): string[] =>
      list
        .filter((doc) => doc.kind === "NetworkPolicy" && doc.metadata.namespace === SHADOW_NAMESPACE)
        .flatMap((doc) => [...(doc.spec.egress ?? []), ...(doc.spec.ingress ?? [])])
        .flatMap((rule: { to?: object[]; from?: object[] }) => [...(rule.to ?? []), ...(rule.from ?? [])])
        .flatMap((peer) => names(workloadsOfPeer(peer, SHADOW_NAMESPACE, list)));
    expect(peersOf(docs)).not.toContain("shop/api-db");
    const careless = changed(docs, "NetworkPolicy", "api-shadow", (doc) => {
      doc.spec.egress[0].to.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } }, podSelector: { matchLabels: { app: "api-db" } } });
    });
    expect(peersOf(careless)).toContain("shop/api-db");
  });
});

describe("the Istio policies", () => {
  it("the primary's database refuses the shadow's namespace, whatever else allows it", () => {
    const deny = find(docs, "AuthorizationPolicy", "api-db-deny-shadow", "shop");
    expect(deny.spec.action).toBe("DENY");
    expect(deny.spec.rules).toEqual([{ from: [{ source: { namespaces: [SHADOW_NAMESPACE] } }] }]);
    expect(names(workloadsUnder(deny, docs))).toEqual(["shop/api-db"]);
  });

  it("the shadow's database answers the shadow's identity only, the shadow the primary's only, on their ports", () => {
    const allowed = (name: string): { workloads: string[]; ports: string[] } => {
      const policy = find(docs, "AuthorizationPolicy", name, SHADOW_NAMESPACE);
      expect(policy.spec.action).toBe("ALLOW");
      const [rule, ...others] = policy.spec.rules;
      expect(others).toEqual([]);
      return {
        workloads: names(rule.from.flatMap((from: { source: { principals: string[] } }) => from.source.principals.flatMap((p) => workloadsOfPrincipal(p, docs)))),
        ports: rule.to.flatMap((to: { operation: { ports: string[] } }) => to.operation.ports),
      };
    };
    expect(allowed("api-shadow-db")).toEqual({ workloads: ["shop-shadow/api-shadow"], ports: [String(containerPort(shadowDb))] });
    expect(allowed("api-shadow")).toEqual({ workloads: ["shop/api-primary"], ports: [String(containerPort(shadow))] });
  });

  it("a principal naming no service account is refused (the check can fail)", () => {
    expect(() => workloadsOfPrincipal("cluster.local/ns/shop-shadow/sa/api-shadw", docs)).toThrow(/no ServiceAccount shop-shadow\/api-shadw/);
    expect(() => workloadsOfPrincipal("shop-shadow/api-shadow", docs)).toThrow(/no principal of the form/);
  });

  it("the Sidecar lets the shadow's namespace call its database and the control plane, nothing of the primary's", () => {
    const sidecar = find(docs, "Sidecar", "default", SHADOW_NAMESPACE);
    expect(sidecar.spec.workloadSelector).toBeUndefined();
    expect(sidecar.spec.outboundTrafficPolicy).toEqual({ mode: "REGISTRY_ONLY" });
    const service = (name: string, namespace: string): Manifest => find(docs, "Service", name, namespace);
    expect(sidecarAllows(sidecar, service("api-shadow-db", SHADOW_NAMESPACE))).toBe(true);
    expect(sidecarAllows(sidecar, service("api-db", "shop"))).toBe(false);
    expect(sidecarAllows(sidecar, service("api-primary", "shop"))).toBe(false);
    expect(sidecarAllows(sidecar, service("api", "shop"))).toBe(false);
    const controlPlane = { kind: "Service", apiVersion: "v1", file: "", metadata: { name: "istiod", namespace: "istio-system" } };
    expect(sidecarAllows(sidecar, controlPlane)).toBe(true);
  });

  it("a Sidecar opened to every namespace would let the shadow call the primary's database (the check can fail)", () => {
    const open = changed(docs, "Sidecar", "default", (doc) => {
      doc.spec.egress[0].hosts.push("*/*");
    });
    expect(sidecarAllows(find(open, "Sidecar", "default"), find(docs, "Service", "api-db", "shop"))).toBe(true);
    const sameNamespace = changed(docs, "Sidecar", "default", (doc) => {
      doc.spec.egress[0].hosts.push("shop/*");
    });
    expect(sidecarAllows(find(sameNamespace, "Sidecar", "default"), find(docs, "Service", "api-db", "shop"))).toBe(true);
  });
});

describe("the shadow's own datastore", () => {
  it("the shadow's DATABASE_URL names the shadow's database Service and port, never the primary's", () => {
    const service = find(docs, "Service", "api-shadow-db", SHADOW_NAMESPACE);
    const url = new URL(envValue(shadow, "DATABASE_URL"));
    expect(url.hostname).toBe(serviceHost(service));
    expect(Number(url.port)).toBe(service.spec.ports[0].port);
    expect(url.pathname).toBe(`/${envValue(shadowDb, "POSTGRES_DB")}`);
    expect(JSON.stringify(shadow.spec.template.spec)).not.toMatch(/api-db\b/);
    expect(service.spec.ports[0].targetPort).toBe(shadowDb.spec.template.spec.containers[0].ports[0].name);
  });

  it("every Secret key the shadow and its database read exists, in the shadow's namespace", () => {
    expect(missingSecretKeys(shadow, docs)).toEqual([]);
    expect(missingSecretKeys(shadowDb, docs)).toEqual([]);
    expect(names(secretsRead(shadow, docs))).toEqual(["shop-shadow/api-shadow-db"]);
    expect(names(secretsRead(shadowDb, docs))).toEqual(["shop-shadow/api-shadow-db"]);
  });

  it("a reference to a missing key or a Secret of another namespace is named (the check can fail)", () => {
    const careless = changed(docs, "Deployment", "api-shadow", (doc) => {
      const env = doc.spec.template.spec.containers[0].env;
      env.find((v: { name: string }) => v.name === "PGPASSWORD").valueFrom.secretKeyRef.key = "passwd";
      env.push({ name: "PRIMARY_PASSWORD", valueFrom: { secretKeyRef: { name: "api-db", key: "password" } } });
    });
    expect(missingSecretKeys(find(careless, "Deployment", "api-shadow", SHADOW_NAMESPACE) as Workload, careless)).toEqual([
      "api PGPASSWORD: shop-shadow/api-shadow-db[passwd]",
      "api PRIMARY_PASSWORD: shop-shadow/api-db[password]",
    ]);
  });

  it("its credentials are not the primary's", () => {
    const shadowSecret = find(docs, "Secret", "api-shadow-db", SHADOW_NAMESPACE).stringData!;
    const primarySecret = find(docs, "Secret", "api-db", "shop").stringData!;
    expect(shadowSecret.username).not.toBe(primarySecret.username);
    expect(shadowSecret.password).not.toBe(primarySecret.password);
    expect(names(secretsRead(primaryDb, docs))).toEqual(["shop/api-db"]);
  });

  it("neither the shadow nor its database holds a Kubernetes API token", () => {
    for (const target of [shadow, shadowDb]) {
      expect(target.spec.template.spec.automountServiceAccountToken).toBe(false);
      const account = find(docs, "ServiceAccount", target.spec.template.spec.serviceAccountName, SHADOW_NAMESPACE) as Manifest & { automountServiceAccountToken?: boolean };
      expect(account.automountServiceAccountToken).toBe(false);
    }
  });
});

describe("the shadow's share of the cluster", () => {
  const quota = find(docs, "ResourceQuota", "shadow", SHADOW_NAMESPACE);
  const limitRange = find(docs, "LimitRange", "shadow", SHADOW_NAMESPACE);
  const shadowWorkloads = workloads(docs).filter((w) => w.metadata.namespace === SHADOW_NAMESPACE);

  it("reads quantities as Kubernetes writes them, and refuses what it cannot read", () => {
    expect(quantity("500m")).toBe(500);
    expect(quantity("2")).toBe(2000);
    expect(quantity(2)).toBe(2000);
    expect(quantity("1Gi")).toBe(2 ** 30 * 1000);
    expect(quantity("1.5k")).toBe(1_500_000);
    expect(() => quantity("2 cores")).toThrow(/"2 cores" is no quantity/);
    expect(() => quantity("1Xi")).toThrow(/no quantity/);
  });

  it("the quota admits every pod of the namespace, the injected sidecars and a rolling update included", () => {
    const usage = quotaUsage(shadowWorkloads, limitRange);
    expect(quotaExceeded(quota, usage)).toEqual([]);
    // Two shadow pods and the database (maxSurge 0: an update replaces, never adds).
    expect(usage.pods).toBe(3000);
    expect(podContainers(shadow, limitRange).map((c) => c.name)).toEqual(["api", "istio-proxy"]);
  });

  it("a careless edit that scales the shadow past the quota is caught (the check can fail)", () => {
    const scaled = changed(docs, "Deployment", "api-shadow", (doc) => {
      doc.spec.replicas = 5;
    });
    const usage = quotaUsage(workloads(scaled).filter((w) => w.metadata.namespace === SHADOW_NAMESPACE), limitRange);
    expect(quotaExceeded(quota, usage)).toEqual(["limits.cpu: 6.5 > 4 (4)"]);
    // Without the sidecar annotations Istio's default sidecar (2 CPUs of limits) alone passes the quota.
    const unannotated = changed(docs, "Deployment", "api-shadow", (doc) => {
      doc.spec.template.metadata.annotations = {};
    });
    const heavy = quotaUsage(workloads(unannotated).filter((w) => w.metadata.namespace === SHADOW_NAMESPACE), limitRange);
    expect(quotaExceeded(quota, heavy)).toEqual([expect.stringMatching(/^limits\.cpu: /)]);
  });

  it("the LimitRange admits every container, and refuses one that asks for more than its max", () => {
    for (const target of shadowWorkloads) expect(overLimitRange(target, limitRange)).toEqual([]);
    const greedy = changed(docs, "StatefulSet", "api-shadow-db", (doc) => {
      doc.spec.template.spec.containers[0].resources.limits.memory = "4Gi";
    });
    expect(overLimitRange(find(greedy, "StatefulSet", "api-shadow-db") as Workload, limitRange)).toEqual(["api-shadow-db/postgres memory > 1Gi"]);
  });

  it("runs below every production pod and never preempts one", () => {
    const priority = find(docs, "PriorityClass", "shadow") as Manifest & { value: number; preemptionPolicy: string; globalDefault: boolean };
    expect(priority.value).toBeLessThan(0);
    expect(priority.preemptionPolicy).toBe("Never");
    expect(priority.globalDefault).toBe(false);
    for (const target of shadowWorkloads) expect(target.spec.template.spec.priorityClassName).toBe("shadow");
  });
});

describe("the filter's values for the moved shadow", () => {
  const values = parse(readFileSync(join(ISTIO_DIR, WRITES_DIR, "shadowdiff.values.yaml"), "utf8")) as {
    filter: { module: string; pluginConfig: Record<string, unknown> };
  };

  it("name the cluster and authority Istio gives the shadow's Service in its namespace", () => {
    const service = find(docs, "Service", "api-shadow", SHADOW_NAMESPACE);
    expect(values.filter.pluginConfig.shadow_cluster).toBe(istioOutboundCluster(service, "http"));
    expect(values.filter.pluginConfig.shadow_authority).toBe(serviceHost(service));
  });

  it("turn writes on: the bodies module, mirroring POST, PUT and PATCH with bodies up to 64 KiB, and nothing else", () => {
    expect(Object.keys(values.filter).sort()).toEqual(["module", "pluginConfig"]);
    expect(values.filter.module).toBe("bodies");
    expect(Object.keys(values.filter.pluginConfig).sort()).toEqual(["request_bodies", "shadow_authority", "shadow_cluster"]);
    expect(values.filter.pluginConfig.request_bodies).toEqual({ methods: ["POST", "PUT", "PATCH"], max_bytes: 65536 });
  });
});
