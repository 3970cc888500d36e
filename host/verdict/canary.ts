// The canary stage as an Istio VirtualService: the same one istio/example/api.yaml applies for
// the shadow stage, with a share of user traffic moved to the new version. Printed, never applied.
import { stringify } from "yaml";

export interface CanaryOptions {
  /** The VirtualService's name and the host clients call (the article's `api`). */
  service: string;
  /** Omitted: kubectl's current namespace. */
  namespace?: string;
  primaryHost: string;
  canaryHost: string;
  port: number;
  /** Share of user requests for the new version: an integer from 1 to 100 (Istio weights are integers). */
  percent: number;
}

export const DEFAULT_CANARY: Omit<CanaryOptions, "percent"> = {
  service: "api",
  primaryHost: "api-primary",
  canaryHost: "api-shadow",
  port: 80,
};

export function checkCanaryPercent(percent: number): string | undefined {
  return Number.isInteger(percent) && percent >= 1 && percent <= 100
    ? undefined
    : "--emit-canary must be an integer percentage from 1 to 100 (Istio route weights are integers)";
}

export function canaryVirtualService(options: CanaryOptions): object {
  const destination = (host: string, weight: number) => ({ destination: { host, port: { number: options.port } }, weight });
  const route =
    options.percent >= 100
      ? [destination(options.canaryHost, 100)]
      : [destination(options.primaryHost, 100 - options.percent), destination(options.canaryHost, options.percent)];
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: {
      name: options.service,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      labels: { "app.kubernetes.io/managed-by": "shadowdiff-verdict" },
    },
    spec: { hosts: [options.service], http: [{ route }] },
  };
}

/** YAML for `kubectl apply -f -`. */
export function renderCanary(options: CanaryOptions): string {
  return stringify(canaryVirtualService(options));
}
