// What Kubernetes would tell istiod about the manifests' Services and pods, written as the Istio
// objects istiod reads from files instead: a ServiceEntry per Service (the same host name
// NAME.NAMESPACE.svc.cluster.local, ports, protocols and target ports, selecting the same pods) and
// a WorkloadEntry per running pod (its address, labels and service account; the label Istio's
// injector adds to pods with a sidecar, so that clients speak mutual TLS to them).
import type { Manifest } from "../../istio/support/manifests.js";

export interface RunningPod {
  /** The Deployment it belongs to. */
  deployment: Manifest;
  address: string;
  sidecar: boolean;
}

type Json = Record<string, any>;

export interface PodTemplate {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccount: string;
  ports: { name: string; containerPort: number }[];
  /** Each container's name, ports and HTTP probes, as Kubernetes' API gives them to the injector. */
  containers: { name: string; ports: { name: string; containerPort: number }[]; readinessProbe?: Json; livenessProbe?: Json }[];
}

/** The labels, annotations, service account, ports and containers of a Deployment's pods. */
export function podTemplate(deployment: Manifest): PodTemplate {
  const template = deployment.spec.template as Json;
  const containers = (template.spec.containers as Json[]).map((container) => ({
    name: container.name as string,
    ports: (container.ports ?? []) as { name: string; containerPort: number }[],
    readinessProbe: container.readinessProbe as Json | undefined,
    livenessProbe: container.livenessProbe as Json | undefined,
  }));
  return {
    labels: template.metadata?.labels ?? {},
    annotations: template.metadata?.annotations ?? {},
    serviceAccount: template.spec.serviceAccountName ?? "default",
    ports: containers.flatMap((container) => container.ports),
    containers,
  };
}

/** Istio's protocol for a Service port: its appProtocol, else its name's prefix (up to "-"), else none. */
export function istioProtocol(port: { name?: string; appProtocol?: string }): string | undefined {
  const known: Record<string, string> = { http: "HTTP", http2: "HTTP2", grpc: "GRPC", "grpc-web": "GRPC-Web", https: "HTTPS", tls: "TLS", tcp: "TCP", mongo: "Mongo", redis: "Redis", mysql: "MySQL" };
  const fromAppProtocol = port.appProtocol === undefined ? undefined : known[port.appProtocol.toLowerCase()];
  if (fromAppProtocol !== undefined) return fromAppProtocol;
  const prefix = port.name?.toLowerCase().split("-")[0];
  return prefix === undefined ? undefined : known[prefix];
}

const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The ServiceEntry Kubernetes' Service `service` amounts to for istiod. */
export function serviceEntry(service: Manifest, deployments: readonly Manifest[]): Json {
  const namespace = service.metadata.namespace!;
  const selector = service.spec.selector as Record<string, string>;
  const backing = deployments.filter((deployment) => deployment.metadata.namespace === namespace && selects(selector, podTemplate(deployment).labels));
  const ports = (service.spec.ports as Json[]).map((port) => {
    const protocol = istioProtocol(port);
    return {
      number: port.port,
      name: port.name,
      ...(protocol === undefined ? {} : { protocol }),
      targetPort: targetPort(service, port, backing),
    };
  });
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "ServiceEntry",
    metadata: { name: service.metadata.name, namespace },
    spec: {
      hosts: [`${service.metadata.name}.${namespace}.svc.cluster.local`],
      location: "MESH_INTERNAL",
      resolution: "STATIC",
      ports,
      workloadSelector: { labels: selector },
    },
  };
}

/** The WorkloadEntry for a running pod of a Deployment. */
export function workloadEntry(pod: RunningPod): Json {
  const { labels, serviceAccount } = podTemplate(pod.deployment);
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "WorkloadEntry",
    metadata: { name: `${pod.deployment.metadata.name}-0`, namespace: pod.deployment.metadata.namespace },
    spec: {
      address: pod.address,
      labels: pod.sidecar ? { ...labels, "security.istio.io/tlsMode": "istio" } : labels,
      serviceAccount,
    },
  };
}

/** A Service port's target: a container port by name or number; the Service port when left out. */
function targetPort(service: Manifest, port: Json, backing: readonly Manifest[]): number {
  const target: unknown = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  const found = backing.flatMap((deployment) => podTemplate(deployment).ports).find((containerPort) => containerPort.name === target);
  if (found === undefined) throw new Error(`Service ${service.metadata.namespace}/${service.metadata.name}: no pod it selects has a port named ${String(target)}`);
  return found.containerPort;
}
