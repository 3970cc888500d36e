// A pod's sidecar as Istio's injector sets it up, without Kubernetes: istio-iptables' rules in the
// pod's network namespace (the istio-init container's arguments), then istio-agent (pilot-agent,
// unmodified) as the proxy's user 1337, with the environment the injector gives it, which starts
// the pinned upstream Envoy and serves it istiod's configuration, the workload's certificates
// (from files, as for mounted certificates) and the Wasm modules it fetches.
import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvoyAdmin } from "../../../support/envoy-admin.js";
import { eventually } from "../../../support/eventually.js";
import { startLongRunning, type LongRunning } from "./commands.js";
import type { PodTemplate } from "./cluster-objects.js";
import type { MeshCa, WorkloadIdentity } from "./mesh-ca.js";
import type { PodNetwork } from "./network.js";
import { reachFromPod, type Relay } from "./relays.js";

/** The proxy's user and group: istio-iptables lets their traffic through uncaptured. */
export const PROXY_UID = 1337;
export const ADMIN_PORT = 15000;
export const STATUS_PORT = 15020;
/** Envoy's /healthz/ready listener and its Prometheus endpoint, on every address of the pod. */
export const READY_PORT = 15021;
export const PROMETHEUS_PORT = 15090;

/** istio-init's arguments from the injector's template at Istio's defaults. */
export const ISTIO_IPTABLES_ARGS = ["-p", "15001", "-z", "15006", "-u", String(PROXY_UID), "-m", "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", `${PROMETHEUS_PORT},${READY_PORT},${STATUS_PORT}`];

export interface SidecarOptions extends WorkloadIdentity {
  pod: PodNetwork;
  /** The pod's own folder: the agent works in `dir`/proxy. */
  dir: string;
  /** The pod as its Deployment describes it: labels, annotations (proxy.istio.io/config is merged into the proxy's configuration), containers. */
  template: PodTemplate;
  /** The Deployment the pod belongs to. */
  workloadName: string;
  /** "sidecar" for a workload's proxy, "router" for a gateway. */
  kind?: "sidecar" | "router";
  agentBinary: string;
  bootstrapTemplate: string;
  envoyBinary: string;
  ca: MeshCa;
  xdsAddress: string;
  nodeAddress: string;
  /** Registries the agent may pull Wasm images from over plain HTTP (host:port). */
  insecureRegistries: string[];
}

export interface Sidecar {
  readonly agent: LongRunning;
  /** Envoy's admin interface, reached inside the pod (it listens on the pod's loopback only). */
  readonly admin: EnvoyAdmin;
  /** What a Prometheus scraping the pod sees: Envoy's /stats/prometheus on the pod's address. */
  prometheus(): Promise<string>;
  stop(): Promise<void>;
}

export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const { pod, dir } = options;
  const work = join(dir, "proxy");
  for (const folder of ["etc/istio/proxy", "etc/istio/pod", "var/run/secrets/workload-spiffe-uds", "var/run/secrets/credential-uds"]) mkdirSync(join(work, folder), { recursive: true });
  // The pod's labels and annotations as Kubernetes' downward API writes them for the injected
  // container: the agent reads proxy.istio.io/config from there and merges it into its proxy config.
  writeFileSync(join(work, "etc/istio/pod/labels"), downwardApi(options.template.labels));
  writeFileSync(join(work, "etc/istio/pod/annotations"), downwardApi(injectedAnnotations(options.template.annotations)));
  await options.ca.issue(options, join(work, "var/run/secrets/workload-spiffe-credentials"));
  chownTree(work);
  chownTree(join(dir, "data"));

  if ((options.kind ?? "sidecar") === "sidecar") {
    await pod.exec(options.agentBinary, ["istio-iptables", ...ISTIO_IPTABLES_ARGS]);
  }

  // The mesh's defaultConfig, plus what the injector and the node decide: where Envoy is, its
  // bootstrap template, one worker.
  const proxyConfig = {
    discoveryAddress: options.xdsAddress,
    controlPlaneAuthPolicy: "NONE",
    binaryPath: options.envoyBinary,
    configPath: "./etc/istio/proxy",
    proxyBootstrapTemplatePath: options.bootstrapTemplate,
    concurrency: 1,
    terminationDrainDuration: "0s",
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: work,
    POD_NAME: `${options.workloadName}-0`,
    POD_NAMESPACE: options.namespace,
    INSTANCE_IP: pod.address,
    SERVICE_ACCOUNT: options.serviceAccount,
    HOST_IP: options.nodeAddress,
    PROXY_CONFIG: JSON.stringify(proxyConfig),
    ISTIO_META_POD_PORTS: JSON.stringify(options.template.ports.map((port) => ({ ...port, protocol: "TCP" }))),
    ...injectedProbesAndScraping(options.template),
    ISTIO_META_APP_CONTAINERS: options.template.containers.map((container) => container.name).join(","),
    ISTIO_META_CLUSTER_ID: "Kubernetes",
    ISTIO_META_INTERCEPTION_MODE: "REDIRECT",
    ISTIO_META_WORKLOAD_NAME: options.workloadName,
    ISTIO_META_OWNER: `kubernetes://apis/apps/v1/namespaces/${options.namespace}/deployments/${options.workloadName}`,
    // No Kubernetes token: the certificates are files, and xDS is plain text.
    JWT_POLICY: "none",
    // No cloud metadata server to ask where the node runs.
    CLOUD_PLATFORM: "none",
    WASM_INSECURE_REGISTRIES: options.insecureRegistries.join(","),
  };
  const agent = startLongRunning(
    `${pod.name} istio-agent`,
    "nsenter",
    [
      ...pod.enter(),
      // Inside the pod's mount namespace (nsenter --wd would keep a directory of the outer one,
      // where the agent could not name its working directory).
      "env", `--chdir=${work}`,
      // The parent-death signal again: a change of user clears the one set before.
      "setpriv", `--reuid=${PROXY_UID}`, `--regid=${PROXY_UID}`, "--clear-groups", "--pdeathsig", "SIGKILL", "--",
      options.agentBinary, "proxy", options.kind ?? "sidecar", "--domain", `${options.namespace}.svc.cluster.local`,
      "--proxyLogLevel=warning", "--log_output_level=default:info",
    ],
    { cwd: work, env, logPath: join(dir, "istio-agent.log") },
  );

  let admin: Relay | undefined;
  try {
    // Envoy answers /healthz/ready once istiod's listeners and clusters are in.
    await eventually(async () => {
      if (agent.hasExited()) throw new Error(`istio-agent for ${pod.name} exited:\n${agent.log().slice(-4000)}`);
      const response = await fetch(`http://${pod.address}:${READY_PORT}/healthz/ready`);
      if (response.status !== 200) throw new Error(`${pod.name} is not ready: HTTP ${response.status}`);
    }, { timeoutMs: 60_000, intervalMs: 200 });
    admin = await reachFromPod(pod, "127.0.0.1", ADMIN_PORT, dir);
  } catch (error) {
    await agent.stop();
    throw new Error(`${pod.name}'s sidecar did not start: ${(error as Error).message}\n--- istio-agent log ---\n${headAndTail(agent.log())}`);
  }
  const relay = admin;
  return {
    agent,
    admin: new EnvoyAdmin(`http://127.0.0.1:${relay.port}`),
    prometheus: async () => (await fetch(`http://${pod.address}:${PROMETHEUS_PORT}/stats/prometheus`)).text(),
    stop: async () => {
      await relay.stop();
      await agent.stop();
    },
  };
}

/**
 * What the injector hands the agent so that it answers for the application: the kubelet's HTTP
 * probes (rewritten to the agent's /app-health/CONTAINER/{readyz,livez}, named ports resolved),
 * and the pod's prometheus.io/* annotations (metrics merging: the agent serves the application's
 * metrics with Envoy's at its own port).
 */
function injectedProbesAndScraping(template: PodTemplate): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const probers: Record<string, unknown> = {};
  for (const container of template.containers) {
    for (const [kind, probe] of [["readyz", container.readinessProbe], ["livez", container.livenessProbe]] as const) {
      if (probe?.httpGet === undefined) continue;
      const port = typeof probe.httpGet.port === "number" ? probe.httpGet.port : container.ports.find((named) => named.name === probe.httpGet.port)?.containerPort;
      probers[`/app-health/${container.name}/${kind}`] = { httpGet: { path: probe.httpGet.path, port, scheme: "HTTP" }, timeoutSeconds: probe.timeoutSeconds ?? 1 };
    }
  }
  if (Object.keys(probers).length > 0) env.ISTIO_KUBE_APP_PROBERS = JSON.stringify(probers);
  const annotations = template.annotations;
  if (annotations["prometheus.io/scrape"] !== undefined && annotations["prometheus.io/scrape"] !== "false") {
    env.ISTIO_PROMETHEUS_ANNOTATIONS = JSON.stringify({ scrape: annotations["prometheus.io/scrape"], path: annotations["prometheus.io/path"] ?? "", port: annotations["prometheus.io/port"] ?? "" });
  }
  return env;
}

/** The pod's annotations as the injector leaves them: a scraped pod is scraped at the agent's port, which merges the application's metrics. */
function injectedAnnotations(annotations: Record<string, string>): Record<string, string> {
  if (annotations["prometheus.io/scrape"] === undefined || annotations["prometheus.io/scrape"] === "false") return annotations;
  return { ...annotations, "prometheus.io/port": String(STATUS_PORT), "prometheus.io/path": "/stats/prometheus" };
}

/** A long log's start (how it was set up) and end (what went wrong last). */
function headAndTail(log: string): string {
  const lines = log.split("\n").filter((line) => !line.includes("\tFLAG: "));
  return lines.length <= 80 ? lines.join("\n") : [...lines.slice(0, 40), "...", ...lines.slice(-40)].join("\n");
}

/** key="value" lines, the downward API's format (Go's %q quoting, which JSON's matches for these). */
function downwardApi(values: Record<string, string>): string {
  return Object.entries(values).map(([key, value]) => `${key}=${JSON.stringify(value)}\n`).join("");
}

function chownTree(path: string): void {
  chownSync(path, PROXY_UID, PROXY_UID);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry));
}
