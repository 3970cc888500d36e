// A mesh on this machine, without Kubernetes: the composition root of the Istio tests. In the
// tests' own network namespace it starts a bridge (the node), Debian's docker-registry and istiod
// on the node's address, a certificate authority, and pods on demand, each a network namespace
// with its application (a service of the tests, relayed to the pod's port, or the collector
// itself) and, for pods in the mesh, a sidecar started as Istio's injector would. stop() ends
// every process it started and removes every file and interface it made.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EnvoyAdmin } from "../../../support/envoy-admin.js";
import { eventually } from "../../../support/eventually.js";
import { envoyBinary, shadowdiffCommandPath } from "../../../support/paths.js";
import type { Manifest } from "../../istio/support/manifests.js";
import { startRegistry, type Registry } from "../../ship/support/registry.js";
import { podTemplate, serviceEntry, workloadEntry, type RunningPod } from "./cluster-objects.js";
import { startLongRunning, type LongRunning } from "./commands.js";
import { startIstiod, type Istiod } from "./istiod.js";
import { createMeshCa, type MeshCa } from "./mesh-ca.js";
import { startNetwork, type Network, type PodNetwork } from "./network.js";
import { assertMeshCanRun } from "./preconditions.js";
import { reachFromPod, servePodPort, type Relay } from "./relays.js";
import { startSidecar, type Sidecar } from "./sidecar.js";

/** The config folder's file for what Kubernetes would tell istiod: ServiceEntries and WorkloadEntries. */
const CLUSTER_FILE = "cluster-services.yaml";

export interface Mesh {
  readonly dir: string;
  readonly network: Network;
  readonly istiod: Istiod;
  /** host:port of the registry on the node's address, where the agents pull Wasm images. */
  readonly registry: string;
  /**
   * Runs a pod of `deployment` (its labels, service account, annotations and ports), with a sidecar
   * unless `sidecar` is false ("router": a gateway's proxy). `serve` maps the pod's container
   * ports to services of the tests on 127.0.0.1; `collectorConfig` runs the collector itself in
   * the pod instead, with that configuration file.
   */
  startPod(deployment: Manifest, options: PodOptions): Promise<Pod>;
  /**
   * The Kubernetes Services and Deployments of `manifests`, as istiod would learn them: a
   * ServiceEntry per Service now, a WorkloadEntry for each pod as it starts.
   */
  declareServices(manifests: readonly Manifest[]): void;
  stop(): Promise<void>;
}

export interface PodOptions {
  sidecar?: boolean | "router";
  serve?: Record<number, number>;
  collectorConfig?: string;
}

export interface Pod {
  readonly name: string;
  readonly address: string;
  readonly network: PodNetwork;
  readonly sidecar: Sidecar | undefined;
  /** The sidecar's Envoy admin; throws for a pod without one. */
  readonly admin: EnvoyAdmin;
  /** A port on 127.0.0.1 whose connections start inside the pod, to host:port. */
  connectFrom(host: string, port: number): Promise<Relay>;
  /** The collector's process, for a pod that runs it. */
  readonly collector: LongRunning | undefined;
  stop(): Promise<void>;
}

function istioBin(): string {
  const bin = process.env.ISTIO_BIN;
  if (bin === undefined || bin === "") throw new Error("ISTIO_BIN is not set: run make test-istio");
  return bin;
}

export async function startMesh(): Promise<Mesh> {
  assertMeshCanRun();
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-mesh-"));
  // The proxies run as their own user and find their files under it.
  chmodSync(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const network = await startNetwork(dir);
    stops.push(() => network.stop());
    const registry: Registry = await startRegistry(network.nodeAddress);
    stops.push(() => registry.stop());
    const configDir = join(dir, "istio-config");
    mkdirSync(configDir);
    const istiod = await startIstiod({ binary: join(istioBin(), "pilot-discovery"), address: network.nodeAddress, dir, configDir });
    stops.push(() => istiod.stop());
    const ca: MeshCa = await createMeshCa(join(dir, "ca"));
    const running: RunningPod[] = [];
    const pods: Pod[] = [];
    let declared: readonly Manifest[] = [];
    const applyCluster = (): void => {
      const deployments = declared.filter((manifest) => manifest.kind === "Deployment");
      const services = declared.filter((manifest) => manifest.kind === "Service");
      istiod.apply(CLUSTER_FILE, [...services.map((service) => serviceEntry(service, deployments)), ...running.map(workloadEntry)]);
    };
    stops.push(async () => {
      for (const pod of pods.reverse()) await pod.stop().catch(() => undefined);
    });

    const startPod = async (deployment: Manifest, options: PodOptions): Promise<Pod> => {
      const name = `${deployment.metadata.namespace}.${deployment.metadata.name}`;
      const podDir = join(dir, "pods", name);
      mkdirSync(podDir, { recursive: true });
      const podNetwork = await network.addPod(name, podDir);
      const relays: Relay[] = [];
      let collector: LongRunning | undefined;
      let sidecar: Sidecar | undefined;
      const stop = async (): Promise<void> => {
        await sidecar?.stop();
        await collector?.stop();
        for (const relay of relays) await relay.stop();
        await podNetwork.stop();
      };
      try {
        const template = podTemplate(deployment);
        for (const [podPort, localPort] of Object.entries(options.serve ?? {})) relays.push(await servePodPort(podNetwork, Number(podPort), localPort, podDir));
        if (options.collectorConfig !== undefined) collector = await startCollectorInPod(podNetwork, options.collectorConfig, podDir);
        const mode = options.sidecar ?? true;
        // The pod is known to istiod before its proxy asks for configuration, as with Kubernetes.
        running.push({ deployment, address: podNetwork.address, sidecar: mode !== false });
        applyCluster();
        if (mode !== false) {
          sidecar = await startSidecar({
            pod: podNetwork,
            dir: podDir,
            namespace: deployment.metadata.namespace!,
            serviceAccount: template.serviceAccount,
            template,
            workloadName: deployment.metadata.name,
            kind: mode === "router" ? "router" : "sidecar",
            agentBinary: join(istioBin(), "pilot-agent"),
            bootstrapTemplate: join(istioBin(), "envoy_bootstrap.json"),
            envoyBinary: envoyBinary(),
            ca,
            xdsAddress: istiod.xdsAddress,
            nodeAddress: network.nodeAddress,
            insecureRegistries: [registry.host],
          });
        }
      } catch (error) {
        await stop();
        if (istiod.process.hasExited()) throw new Error(`${(error as Error).message}\n--- istiod exited; its log (tail) ---\n${istiod.process.log().slice(-6000)}`);
        throw error;
      }
      const pod: Pod = {
        name,
        address: podNetwork.address,
        network: podNetwork,
        sidecar,
        get admin() {
          if (sidecar === undefined) throw new Error(`${name} has no sidecar`);
          return sidecar.admin;
        },
        connectFrom: async (host, port) => {
          const relay = await reachFromPod(podNetwork, host, port, podDir);
          relays.push(relay);
          return relay;
        },
        collector,
        stop,
      };
      pods.push(pod);
      return pod;
    };

    return {
      dir,
      network,
      istiod,
      registry: registry.host,
      startPod,
      declareServices: (manifests) => {
        declared = manifests;
        applyCluster();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** `shadowdiff collector --config FILE` inside the pod, as its container runs it; ready once it logs that it listens. */
async function startCollectorInPod(pod: PodNetwork, config: string, dir: string): Promise<LongRunning> {
  const configPath = join(dir, "collector.yaml");
  writeFileSync(configPath, config);
  const collector = startLongRunning(`${pod.name} collector`, "nsenter", [...pod.enter(), process.execPath, shadowdiffCommandPath(), "collector", "--config", configPath], {
    logPath: join(dir, "collector.log"),
  });
  try {
    await eventually(() => {
      if (collector.hasExited()) throw new Error(`the collector exited:\n${collector.log()}`);
      if (!collector.log().includes('"collector listening"')) throw new Error("the collector is not listening yet");
    }, { timeoutMs: 30_000, intervalMs: 50 });
  } catch (error) {
    await collector.stop();
    throw error;
  }
  return collector;
}

