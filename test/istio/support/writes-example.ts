// The write-mirroring example (istio/example/writes/) as a user applies it, and the readings its
// tests share: which workloads a selector picks, which Services a Sidecar lets a pod call, which
// Secret keys a pod's environment needs, what its pods ask of the namespace's quota.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ISTIO_DIR, type Manifest, readManifests } from "./manifests.js";

export const WRITES_DIR = "example/writes";
export const SHADOW_NAMESPACE = "shop-shadow";

/** The example's manifest files, relative to istio/ (the chart values file is no manifest). */
export function writesFiles(): string[] {
  return readdirSync(join(ISTIO_DIR, WRITES_DIR))
    .filter((name) => name.endsWith(".yaml") && !name.endsWith(".values.yaml"))
    .sort()
    .map((name) => `${WRITES_DIR}/${name}`);
}

export function writesManifests(): Manifest[] {
  return writesFiles().flatMap(readManifests);
}

/**
 * What runs once the example is applied as shadow.yaml says: istio/example/api.yaml less its own
 * shadow in `shop` (deleted), and the writes example.
 */
export function appliedExample(): Manifest[] {
  const replaced = (doc: Manifest): boolean =>
    doc.metadata.namespace === "shop" && doc.metadata.name === "api-shadow" && (doc.kind === "Deployment" || doc.kind === "Service");
  return [...readManifests("example/api.yaml").filter((doc) => !replaced(doc)), ...writesManifests()];
}

export function find(docs: Manifest[], kind: string, name: string, namespace?: string): Manifest {
  const found = docs.find((doc) => doc.kind === kind && doc.metadata.name === name && (namespace === undefined || doc.metadata.namespace === namespace));
  if (found === undefined) throw new Error(`no ${kind} ${namespace ?? "*"}/${name} in the example`);
  return found;
}

export function withoutDoc(docs: Manifest[], kind: string, name: string): Manifest[] {
  find(docs, kind, name);
  return docs.filter((doc) => !(doc.kind === kind && doc.metadata.name === name));
}

/** The documents with one of them changed (a deep copy: the others are untouched). */
export function changed(docs: Manifest[], kind: string, name: string, change: (doc: Manifest) => void): Manifest[] {
  find(docs, kind, name);
  return docs.map((doc) => {
    if (doc.kind !== kind || doc.metadata.name !== name) return doc;
    const copy = structuredClone(doc);
    change(copy);
    return copy;
  });
}

// --- Selectors ---------------------------------------------------------------------------------

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function labelSelectorMatches(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In":
        return key in labels && values.includes(labels[key]!);
      case "NotIn":
        return !(key in labels) || !values.includes(labels[key]!);
      case "Exists":
        return key in labels;
      case "DoesNotExist":
        return !(key in labels);
    }
  });
  return byLabel && byExpression;
}

export type Workload = Manifest & { spec: { replicas?: number; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: any } } };

export function workloads(docs: Manifest[]): Workload[] {
  return docs.filter((doc): doc is Workload => doc.kind === "Deployment" || doc.kind === "StatefulSet");
}

/** A namespace's labels as the API server keeps them (it adds kubernetes.io/metadata.name). */
export function namespaceLabels(docs: Manifest[], namespace: string): Record<string, string> {
  const declared = docs.find((doc) => doc.kind === "Namespace" && doc.metadata.name === namespace)?.metadata.labels ?? {};
  return { ...declared, "kubernetes.io/metadata.name": namespace };
}

/** The workloads a policy applies to: a NetworkPolicy's podSelector, an Istio selector or workloadSelector, in its namespace. */
export function workloadsUnder(policy: Manifest, docs: Manifest[]): Workload[] {
  const selector: LabelSelector =
    policy.kind === "NetworkPolicy"
      ? policy.spec.podSelector
      : { matchLabels: (policy.spec.selector?.matchLabels ?? policy.spec.workloadSelector?.labels) as Record<string, string> | undefined };
  return workloads(docs).filter(
    (workload) => workload.metadata.namespace === policy.metadata.namespace && labelSelectorMatches(selector, workload.spec.template.metadata.labels),
  );
}

/** The workloads one NetworkPolicy peer (from/to entry) names, seen from the policy's namespace. */
export function workloadsOfPeer(
  peer: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: unknown },
  policyNamespace: string,
  docs: Manifest[],
): Workload[] {
  if (peer.ipBlock !== undefined) throw new Error("ipBlock peers name no workloads");
  return workloads(docs).filter((workload) => {
    const namespace = workload.metadata.namespace!;
    const inNamespace =
      peer.namespaceSelector === undefined ? namespace === policyNamespace : labelSelectorMatches(peer.namespaceSelector, namespaceLabels(docs, namespace));
    return inNamespace && labelSelectorMatches(peer.podSelector ?? {}, workload.spec.template.metadata.labels);
  });
}

/** Policies (NetworkPolicy, AuthorizationPolicy, Sidecar) that apply to no workload: a typo in a selector. */
export function policiesSelectingNothing(docs: Manifest[]): string[] {
  return docs
    .filter((doc) => ["NetworkPolicy", "AuthorizationPolicy", "Sidecar"].includes(doc.kind))
    .filter((policy) => workloadsUnder(policy, docs).length === 0)
    .map((policy) => `${policy.kind} ${policy.metadata.namespace}/${policy.metadata.name}`);
}

// --- Istio identities and Sidecars -------------------------------------------------------------

/** The workload a mesh principal (cluster.local/ns/<namespace>/sa/<account>) stands for. */
export function workloadsOfPrincipal(principal: string, docs: Manifest[]): Workload[] {
  const match = /^cluster\.local\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  if (match === null) throw new Error(`${principal} is no principal of the form cluster.local/ns/<namespace>/sa/<account>`);
  const [, namespace, account] = match;
  find(docs, "ServiceAccount", account!, namespace);
  return workloads(docs).filter((workload) => workload.metadata.namespace === namespace && workload.spec.template.spec.serviceAccountName === account);
}

export const serviceHost = (service: Manifest): string => `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;

/**
 * Whether a Sidecar's egress lets its pods call a Service: one of its hosts, `namespace/dnsName`,
 * names the Service's namespace (`.` the Sidecar's own, `*` any, `~` none) and its host name
 * (exactly, `*`, or `*.suffix`).
 */
export function sidecarAllows(sidecar: Manifest, service: Manifest): boolean {
  const hosts = (sidecar.spec.egress as { hosts: string[] }[]).flatMap((listener) => listener.hosts);
  return hosts.some((entry) => {
    const slash = entry.indexOf("/");
    if (slash < 0) throw new Error(`Sidecar host ${entry} has no namespace/`);
    const namespace = entry.slice(0, slash);
    const host = entry.slice(slash + 1);
    const namespaceOk = namespace === "*" || (namespace === "." ? sidecar.metadata.namespace : namespace) === service.metadata.namespace;
    const name = serviceHost(service);
    const hostOk = host === "*" || host === name || (host.startsWith("*.") && name.endsWith(host.slice(1)));
    return namespaceOk && hostOk;
  });
}

// --- Secrets -----------------------------------------------------------------------------------

/** secretKeyRefs in a workload's containers that name no Secret (of the workload's namespace) or no key of it. */
export function missingSecretKeys(workload: Workload, docs: Manifest[]): string[] {
  const missing: string[] = [];
  for (const container of workload.spec.template.spec.containers as { name: string; env?: { name: string; valueFrom?: any }[] }[]) {
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef as { name: string; key: string } | undefined;
      if (ref === undefined) continue;
      const secret = docs.find((doc) => doc.kind === "Secret" && doc.metadata.name === ref.name && doc.metadata.namespace === workload.metadata.namespace);
      const keys = Object.keys({ ...secret?.data, ...secret?.stringData });
      if (!keys.includes(ref.key)) missing.push(`${container.name} ${variable.name}: ${workload.metadata.namespace}/${ref.name}[${ref.key}]`);
    }
  }
  return missing;
}

/** The Secrets a workload's environment reads. */
export function secretsRead(workload: Workload, docs: Manifest[]): Manifest[] {
  const names = new Set(
    (workload.spec.template.spec.containers as { env?: { valueFrom?: any }[] }[]).flatMap((container) =>
      (container.env ?? []).flatMap((variable) => (variable.valueFrom?.secretKeyRef?.name as string | undefined) ?? []),
    ),
  );
  return [...names].map((name) => find(docs, "Secret", name, workload.metadata.namespace));
}

export function envValue(workload: Workload, variable: string): string {
  for (const container of workload.spec.template.spec.containers as { env?: { name: string; value?: string }[] }[]) {
    const found = container.env?.find((entry) => entry.name === variable);
    if (found?.value !== undefined) return found.value;
  }
  throw new Error(`${workload.metadata.name} sets no ${variable}`);
}
