// TCP between the tests' process and a pod's network namespace, through a unix socket in the
// harness's folder (a file both sides see): socat in the pod on one end, a forwarder in the tests'
// process on the other. So the tests' own services answer on a pod's port, where the sidecar's
// inbound listener forwards to, and the tests' clients can start connections inside a pod, where
// istio-iptables sends them to the sidecar, or reach what listens on the pod's loopback (Envoy's
// admin). The relays copy bytes and nothing else.
import { existsSync, readFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { eventually } from "../../../support/eventually.js";
import { startLongRunning, type LongRunning } from "./commands.js";
import type { PodNetwork } from "./network.js";

export interface Relay {
  /** For reachFromPod: the port on 127.0.0.1 in the tests' process. */
  readonly port: number;
  stop(): Promise<void>;
}

let count = 0;

/**
 * The pod answers on `podPort` (every address) with the service on 127.0.0.1:`localPort` of the
 * tests' process, as an application container would.
 */
export async function servePodPort(pod: PodNetwork, podPort: number, localPort: number, dir: string): Promise<Relay> {
  const socket = join(dir, `relay-${++count}.sock`);
  const forwarder = await forwardUnixSocket(socket, () => connect(localPort, "127.0.0.1"));
  const socat = startLongRunning(`${pod.name}:${podPort} relay`, "nsenter", [...pod.enter(), "socat", `TCP-LISTEN:${podPort},fork,reuseaddr`, `UNIX-CONNECT:${socket}`], {
    logPath: join(dir, `${pod.name}.relay-${podPort}.log`),
  });
  try {
    await eventually(() => {
      assertRunning(socat);
      if (!listeningPorts(pod).has(podPort)) throw new Error(`nothing listens on ${pod.name}:${podPort} yet`);
    }, { timeoutMs: 10_000, intervalMs: 20 });
  } catch (error) {
    await Promise.all([socat.stop(), closeServer(forwarder)]);
    throw error;
  }
  return { port: podPort, stop: async () => void (await Promise.all([socat.stop(), closeServer(forwarder)])) };
}

/**
 * A port on 127.0.0.1 in the tests' process; each connection to it is made again from inside the
 * pod, by a process of the application's user (not the proxy's), to `host`:`port`: what the pod's
 * iptables rules capture, the pod's sidecar handles, as for the pod's own application.
 */
export async function reachFromPod(pod: PodNetwork, host: string, port: number, dir: string): Promise<Relay> {
  const socket = join(dir, `relay-${++count}.sock`);
  const socat = startLongRunning(`${pod.name} to ${host}:${port}`, "nsenter", [...pod.enter(), "socat", `UNIX-LISTEN:${socket},fork,unlink-early`, `TCP:${host}:${port}`], {
    logPath: join(dir, `${pod.name}.dial-${host}-${port}.log`),
  });
  let forwarder: Server | undefined;
  try {
    await eventually(() => {
      assertRunning(socat);
      if (!existsSync(socket)) throw new Error(`${socket} is not there yet`);
    }, { timeoutMs: 10_000, intervalMs: 20 });
    forwarder = await forwardTcpPort(() => connect(socket));
  } catch (error) {
    await socat.stop();
    throw error;
  }
  const bound = forwarder;
  return {
    port: (bound.address() as AddressInfo).port,
    stop: async () => void (await Promise.all([socat.stop(), closeServer(bound)])),
  };
}

/** The TCP ports something listens on in the pod (its /proc/net/tcp, seen through its holder). */
export function listeningPorts(pod: PodNetwork): Set<number> {
  const ports = new Set<number>();
  for (const line of readFileSync(`/proc/${pod.holderPid}/net/tcp`, "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is ADDR:PORT in hex; state 0A is LISTEN.
    if (fields[3] === "0A") ports.add(parseInt(fields[1]!.split(":")[1]!, 16));
  }
  return ports;
}

function assertRunning(process: LongRunning): void {
  if (process.hasExited()) throw new Error(`${process.name} exited:\n${process.log()}`);
}

const open = new WeakMap<Server, Set<Socket>>();

function forwarder(upstream: () => Socket): Server {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const other = upstream();
    for (const socket of [client, other]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    }
    pipeBoth(client, other);
  });
  open.set(server, sockets);
  return server;
}

function forwardUnixSocket(path: string, upstream: () => Socket): Promise<Server> {
  const server = forwarder(upstream);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve(server));
  });
}

function forwardTcpPort(upstream: () => Socket): Promise<Server> {
  const server = forwarder(upstream);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** Bytes both ways; a reset on one side resets the other (a TCP one; a unix socket just closes), as a direct connection would. */
function pipeBoth(client: Socket, upstream: Socket): void {
  client.pipe(upstream).pipe(client);
  client.on("error", () => reset(upstream));
  upstream.on("error", () => reset(client));
}

function reset(socket: Socket): void {
  if (socket.remotePort === undefined) socket.destroy();
  else socket.resetAndDestroy();
}

/** Stops listening and ends the connections still open. */
function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of open.get(server) ?? []) socket.destroy();
  return closed;
}
