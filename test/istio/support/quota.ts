// What a namespace's workloads ask of its ResourceQuota, counted the way the API server admits
// pods: every container (the LimitRange's defaults where it names none) and the sidecar Istio
// injects (sized by the pod's sidecar.istio.io annotations), for every replica, plus the extra
// pods a rolling update surges.
import type { Manifest } from "./manifests.js";
import type { Workload } from "./writes-example.js";

const SUFFIXES: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** A Kubernetes quantity ("500m", "4Gi", 2) in thousandths of its unit, as an integer. */
export function quantity(value: string | number): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(String(value));
  const factor = match === null ? undefined : SUFFIXES[match[2]!];
  if (match === null || factor === undefined) throw new Error(`${JSON.stringify(value)} is no quantity this check reads`);
  return Math.round(Number(match[1]) * factor * 1000);
}

type Resources = { requests: Record<string, number>; limits: Record<string, number> };

/** Istio's injected sidecar without annotations (values.global.proxy.resources). */
const ISTIO_PROXY_DEFAULTS = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2000m", memory: "1024Mi" } };

function read(resources: { requests?: Record<string, string>; limits?: Record<string, string> }): Resources {
  const convert = (entries: Record<string, string> = {}): Record<string, number> =>
    Object.fromEntries(Object.entries(entries).map(([name, value]) => [name, quantity(value)]));
  return { requests: convert(resources.requests), limits: convert(resources.limits) };
}

/** Every container of one pod, the injected istio-proxy included, with the LimitRange's defaults applied. */
export function podContainers(workload: Workload, limitRange: Manifest | undefined): { name: string; resources: Resources }[] {
  const range = (limitRange?.spec.limits as { type: string; default?: Record<string, string>; defaultRequest?: Record<string, string> }[] | undefined)?.find(
    (limit) => limit.type === "Container",
  );
  const defaults = read({ requests: range?.defaultRequest, limits: range?.default });
  const own = (workload.spec.template.spec.containers as { name: string; resources?: any }[]).map((container) => {
    const resources = read(container.resources ?? {});
    return {
      name: container.name,
      resources: { requests: { ...defaults.requests, ...resources.requests }, limits: { ...defaults.limits, ...resources.limits } },
    };
  });
  const annotations = workload.spec.template.metadata.annotations ?? {};
  const proxy = read({
    requests: {
      cpu: annotations["sidecar.istio.io/proxyCPU"] ?? ISTIO_PROXY_DEFAULTS.requests.cpu,
      memory: annotations["sidecar.istio.io/proxyMemory"] ?? ISTIO_PROXY_DEFAULTS.requests.memory,
    },
    limits: {
      cpu: annotations["sidecar.istio.io/proxyCPULimit"] ?? ISTIO_PROXY_DEFAULTS.limits.cpu,
      memory: annotations["sidecar.istio.io/proxyMemoryLimit"] ?? ISTIO_PROXY_DEFAULTS.limits.memory,
    },
  });
  return [...own, { name: "istio-proxy", resources: proxy }];
}

/** Pods a workload may run at once: its replicas, and during a rolling update its surge. */
export function podsAtOnce(workload: Workload): number {
  const replicas = workload.spec.replicas ?? 1;
  if (workload.kind !== "Deployment") return replicas;
  const strategy = (workload.spec as { strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string } } }).strategy;
  if (strategy?.type === "Recreate") return replicas;
  const surge = strategy?.rollingUpdate?.maxSurge ?? "25%";
  return replicas + (typeof surge === "number" ? surge : Math.ceil((replicas * Number.parseInt(surge, 10)) / 100));
}

/** What the workloads ask of a quota, by the quota's resource names (quantities in thousandths). */
export function quotaUsage(workloadList: Workload[], limitRange: Manifest | undefined): Record<string, number> {
  const usage: Record<string, number> = {
    pods: 0, "requests.cpu": 0, "requests.memory": 0, "limits.cpu": 0, "limits.memory": 0, persistentvolumeclaims: 0, "requests.storage": 0,
  };
  for (const workload of workloadList) {
    const pods = podsAtOnce(workload);
    usage.pods! += pods * 1000;
    for (const { resources } of podContainers(workload, limitRange)) {
      for (const kind of ["requests", "limits"] as const) {
        for (const resource of ["cpu", "memory"]) usage[`${kind}.${resource}`]! += pods * (resources[kind][resource] ?? 0);
      }
    }
    const claims = ((workload.spec as { volumeClaimTemplates?: { spec: { resources: { requests: { storage: string } } } }[] }).volumeClaimTemplates ?? []);
    for (const claim of claims) {
      usage.persistentvolumeclaims! += pods * 1000;
      usage["requests.storage"]! += pods * quantity(claim.spec.resources.requests.storage);
    }
  }
  return usage;
}

/** The quota's resources the usage passes, named with both figures. */
export function quotaExceeded(quota: Manifest, usage: Record<string, number>): string[] {
  return Object.entries(quota.spec.hard as Record<string, string>)
    .filter(([resource, hard]) => (usage[resource] ?? 0) > quantity(hard))
    .map(([resource, hard]) => `${resource}: ${(usage[resource] ?? 0) / 1000} > ${quantity(hard) / 1000} (${hard})`);
}

/** Containers whose requests or limits pass the LimitRange's max. */
export function overLimitRange(workload: Workload, limitRange: Manifest): string[] {
  const range = (limitRange.spec.limits as { type: string; max?: Record<string, string> }[]).find((limit) => limit.type === "Container");
  const max = Object.entries(range?.max ?? {});
  return podContainers(workload, limitRange).flatMap(({ name, resources }) =>
    max
      .filter(([resource, value]) => Math.max(resources.requests[resource] ?? 0, resources.limits[resource] ?? 0) > quantity(value))
      .map(([resource, value]) => `${workload.metadata.name}/${name} ${resource} > ${value}`),
  );
}
