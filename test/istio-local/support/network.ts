// The cluster network, inside the tests' own network namespace: a bridge whose address is the
// "node" (istiod and the registry listen there), and one network namespace per pod, joined to the
// bridge by a veth pair, as a CNI plugin would. Each pod also gets a mount namespace of its own,
// where the pod's own folder is mounted on the agent's hard-coded Wasm cache folder.
import { mkdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { eventually } from "../../../support/eventually.js";
import { runCommand, startLongRunning, type LongRunning } from "./commands.js";

/** Istio's agent keeps fetched Wasm modules here (pkg/config/constants IstioDataDir); no setting moves it. */
export const AGENT_DATA_DIR = "/var/lib/istio/data";

export interface Network {
  /** The node's address on the bridge: istiod and the registry listen on it. */
  readonly nodeAddress: string;
  /** A new pod namespace, joined to the bridge. */
  addPod(name: string, dir: string): Promise<PodNetwork>;
  stop(): Promise<void>;
}

export interface PodNetwork {
  readonly name: string;
  readonly address: string;
  /** The process holding the pod's namespaces: /proc/PID/ns/{net,mnt}. */
  readonly holderPid: number;
  /** Runs a command to its end inside the pod (its network and mount namespaces), as root. */
  exec(command: string, args: string[]): Promise<string>;
  /** nsenter's arguments that put a command inside the pod. */
  enter(): string[];
  stop(): Promise<void>;
}

/**
 * A bridge and its subnet, 10.77.N.0/24 with N from the vitest worker, so that test files never
 * share one even if they run side by side.
 */
export async function startNetwork(dir: string): Promise<Network> {
  const index = Number(process.env.VITEST_POOL_ID ?? "1") % 250;
  const bridge = `sdbr${index}`;
  const prefix = `10.77.${index}`;
  const nodeAddress = `${prefix}.1`;
  // A bridge left by an earlier run in this namespace goes first.
  await runCommand("ip", ["link", "del", bridge]).catch(() => undefined);
  await runCommand("ip", ["link", "add", bridge, "type", "bridge"]);
  await runCommand("ip", ["addr", "add", `${nodeAddress}/24`, "dev", bridge]);
  await runCommand("ip", ["link", "set", bridge, "up"]);
  let next = 10;
  const pods: PodNetwork[] = [];
  return {
    nodeAddress,
    addPod: async (name, podDir) => {
      const pod = await startPodNetwork(name, `${prefix}.${next++}`, bridge, nodeAddress, pods.length, podDir, dir);
      pods.push(pod);
      return pod;
    },
    stop: async () => {
      await Promise.all(pods.map((pod) => pod.stop()));
      await runCommand("ip", ["link", "del", bridge]).catch(() => undefined);
    },
  };
}

async function startPodNetwork(name: string, address: string, bridge: string, gateway: string, index: number, podDir: string, dir: string): Promise<PodNetwork> {
  mkdirSync(join(podDir, "data"), { recursive: true });
  // The pod's namespaces live as long as this process; nothing runs in it but sleep.
  const holder: LongRunning = startLongRunning(`${name} namespaces`, "unshare", ["--net", "--mount", "--propagation", "private", "sleep", "infinity"], {
    logPath: join(dir, `${name}.holder.log`),
  });
  const enter = (): string[] => ["-t", String(holder.pid), "--net", "--mount", "--"];
  const exec = (command: string, args: string[]): Promise<string> => runCommand("nsenter", [...enter(), command, ...args]);
  const hostSide = `${bridge}v${index}`;
  try {
    await waitForOwnNamespace(holder);
    await runCommand("ip", ["link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", String(holder.pid)]);
    await runCommand("ip", ["link", "set", hostSide, "master", bridge, "up"]);
    await exec("ip", ["link", "set", "lo", "up"]);
    await exec("ip", ["addr", "add", `${address}/24`, "dev", "eth0"]);
    await exec("ip", ["link", "set", "eth0", "up"]);
    await exec("ip", ["route", "add", "default", "via", gateway]);
    mkdirSync(AGENT_DATA_DIR, { recursive: true });
    await exec("mount", ["--bind", join(podDir, "data"), AGENT_DATA_DIR]);
  } catch (error) {
    await holder.stop();
    throw error;
  }
  return {
    name,
    address,
    holderPid: holder.pid,
    exec,
    enter,
    stop: async () => {
      await holder.stop();
      await runCommand("ip", ["link", "del", hostSide]).catch(() => undefined);
    },
  };
}

/** unshare has made its namespaces once /proc/PID/ns/net differs from ours (sleep has started). */
async function waitForOwnNamespace(holder: LongRunning): Promise<void> {
  const ours = readlinkSync("/proc/self/ns/net");
  await eventually(() => {
    if (holder.hasExited()) throw new Error(`unshare exited: ${holder.log()}`);
    if (readlinkSync(`/proc/${holder.pid}/ns/net`) === ours) throw new Error("the pod's namespace is not there yet");
  }, { timeoutMs: 10_000, intervalMs: 10 });
}
