// Reads the manifests under istio/ (and the filter's, which `make image` renders with the filter
// image's digest) and checks each document against the published schema of its kind (kubernetes-models
// and its Istio, Prometheus Operator and Argo Rollouts siblings; Flagger's CRD from its Go module).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { ConfigMap, LimitRange, Namespace, ResourceQuota, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PriorityClass } from "kubernetes-models/scheduling.k8s.io/v1";
import { WasmPlugin } from "@kubernetes-models/istio/extensions.istio.io/v1alpha1";
import { DestinationRule, Sidecar, VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1";
import { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3";
import { AuthorizationPolicy, PeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1";
import { PodMonitor, PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { AnalysisTemplate, Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import { FlaggerCanary } from "./flagger-canary.js";
import { repoRoot } from "../../../support/paths.js";

export const ISTIO_DIR = join(repoRoot(), "istio");
/** The filter's manifests carry the digest of the image the build made, so the build renders them: the WasmPlugin and the gated EnvoyFilter. */
export const BUILT_FILTER = ["wasmplugin.yaml", "gated-envoyfilter.yaml"].map((file) => join(repoRoot(), "build", "istio", file));

/** Files under istio/ that are not Kubernetes manifests (and chart values files, `*.values.yaml`). */
const NOT_MANIFESTS = new Set([
  "prometheus/shadowdiff.rules.yaml",
  "prometheus/shadowdiff.rules.test.yaml",
  "prometheus/exported-metrics.yaml",
]);
const isValuesFile = (file: string): boolean => file.endsWith(".values.yaml");

export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Each test narrows what it reads; the schemas have already checked the shape.
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: any) => Validatable;

/** The schema for each apiVersion/kind the manifests may use. */
const MODELS: Record<string, ModelClass> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/Secret": Secret,
  "v1/ResourceQuota": ResourceQuota,
  "v1/LimitRange": LimitRange,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "scheduling.k8s.io/v1/PriorityClass": PriorityClass,
  "extensions.istio.io/v1alpha1/WasmPlugin": WasmPlugin,
  "networking.istio.io/v1/VirtualService": VirtualService,
  "networking.istio.io/v1/Sidecar": Sidecar,
  "networking.istio.io/v1/DestinationRule": DestinationRule,
  "networking.istio.io/v1alpha3/EnvoyFilter": EnvoyFilter,
  "security.istio.io/v1/PeerAuthentication": PeerAuthentication,
  "security.istio.io/v1/AuthorizationPolicy": AuthorizationPolicy,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
  "argoproj.io/v1alpha1/AnalysisTemplate": AnalysisTemplate,
  "argoproj.io/v1alpha1/Rollout": Rollout,
  "flagger.app/v1beta1/Canary": FlaggerCanary,
};

/** The manifest files under istio/, relative to it. */
export function manifestFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) files.push(relative(ISTIO_DIR, path));
    }
  };
  walk(ISTIO_DIR);
  return files.filter((file) => !NOT_MANIFESTS.has(file) && !isValuesFile(file)).sort();
}

/** Every YAML document of one file (relative to istio/, or absolute); a YAML syntax error throws, naming the file. */
export function readManifests(file: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(join(ISTIO_DIR, file), "utf8")).filter((document) => document.contents !== null);
  return documents.map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${file} document ${index + 1}: ${document.errors[0]!.message}`);
    return { ...(document.toJS() as Omit<Manifest, "file">), file };
  });
}

/** The filter's manifests `make image` rendered from the chart, in both modes (`make push` renders them for the pushed image). */
export function builtFilter(): Manifest[] {
  return BUILT_FILTER.flatMap((file) => {
    if (!existsSync(file)) throw new Error(`${file} is missing: run make image`);
    return readManifests(relative(ISTIO_DIR, file));
  });
}

export function allManifests(): Manifest[] {
  return [...manifestFiles().flatMap(readManifests), ...builtFilter()];
}

/** Throws when the document breaks its kind's schema, or when its kind has no schema here. */
export function validateManifest(document: { apiVersion?: unknown; kind?: unknown; [field: string]: unknown }): void {
  const key = `${String(document.apiVersion)}/${String(document.kind)}`;
  const Model = MODELS[key];
  if (Model === undefined) throw new Error(`no schema known for ${key}`);
  new Model(document).validate();
}

export function findManifest(kind: string, name: string, namespace?: string): Manifest {
  const found = allManifests().find(
    (doc) => doc.kind === kind && doc.metadata.name === name && (namespace === undefined || doc.metadata.namespace === namespace),
  );
  if (found === undefined) throw new Error(`no ${kind} ${name} under istio/ or build/istio/`);
  return found;
}

/**
 * The Envoy cluster Istio gives a Kubernetes Service port in every sidecar that may reach it:
 * outbound|<port>||<service>.<namespace>.svc.cluster.local.
 */
export function istioOutboundCluster(service: Manifest, portName: string): string {
  const port = (service.spec.ports as { name?: string; port: number }[]).find((p) => p.name === portName);
  if (port === undefined) throw new Error(`Service ${service.metadata.name} has no port named ${portName}`);
  return `outbound|${port.port}||${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
}

/** Whether a label selector's matchLabels all hold on the given labels. */
export function selects(matchLabels: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(matchLabels).every(([key, value]) => labels?.[key] === value);
}
