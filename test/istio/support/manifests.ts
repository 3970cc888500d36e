// Reads the manifests under istio/ (and the WasmPlugin `make image` renders with the filter image's
// digest) and checks each document against the published schema of its kind (kubernetes-models
// and its Istio and Prometheus Operator siblings).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { ConfigMap, Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { WasmPlugin } from "@kubernetes-models/istio/extensions.istio.io/v1alpha1";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1";
import { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3";
import { AuthorizationPolicy, PeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1";
import { PodMonitor, PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { repoRoot } from "../../../support/paths.js";

export const ISTIO_DIR = join(repoRoot(), "istio");
/** The WasmPlugin carries the digest of the image the build made, so the build renders it. */
export const BUILT_WASMPLUGIN = join(repoRoot(), "build", "istio", "wasmplugin.yaml");

/** Files under istio/ that are not Kubernetes manifests. */
const NOT_MANIFESTS = new Set([
  "prometheus/shadowdiff.rules.yaml",
  "prometheus/shadowdiff.rules.test.yaml",
  "prometheus/exported-metrics.yaml",
]);

export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Each test narrows what it reads; the schemas have already checked the shape.
  spec?: any;
  data?: Record<string, string>;
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
  "apps/v1/Deployment": Deployment,
  "extensions.istio.io/v1alpha1/WasmPlugin": WasmPlugin,
  "networking.istio.io/v1/VirtualService": VirtualService,
  "networking.istio.io/v1alpha3/EnvoyFilter": EnvoyFilter,
  "security.istio.io/v1/PeerAuthentication": PeerAuthentication,
  "security.istio.io/v1/AuthorizationPolicy": AuthorizationPolicy,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
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
  return files.filter((file) => !NOT_MANIFESTS.has(file)).sort();
}

/** Every YAML document of one file (relative to istio/, or absolute); a YAML syntax error throws, naming the file. */
export function readManifests(file: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(join(ISTIO_DIR, file), "utf8")).filter((document) => document.contents !== null);
  return documents.map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${file} document ${index + 1}: ${document.errors[0]!.message}`);
    return { ...(document.toJS() as Omit<Manifest, "file">), file };
  });
}

/** The WasmPlugin `make image` rendered from the chart (`make push` renders it for the pushed image). */
export function builtWasmPlugin(): Manifest[] {
  if (!existsSync(BUILT_WASMPLUGIN)) throw new Error(`${BUILT_WASMPLUGIN} is missing: run make image`);
  return readManifests(relative(ISTIO_DIR, BUILT_WASMPLUGIN));
}

export function allManifests(): Manifest[] {
  return [...manifestFiles().flatMap(readManifests), ...builtWasmPlugin()];
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
  if (found === undefined) throw new Error(`no ${kind} ${name} under istio/`);
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
