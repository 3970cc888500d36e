// A TCP relay between Envoy and the collector that a test can turn off, slow down and turn back
// on, to play a collector that is down, slow, then back, on the same address Envoy knows.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export type GateMode = { kind: "open" } | { kind: "down" } | { kind: "slow"; delayMs: number };

export class TcpGate {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: GateMode = { kind: "open" };
  port = 0;

  constructor(private readonly targetPort: number) {}

  async open(): Promise<void> {
    await this.listen(0);
  }

  /** Refuse connections (nothing listens) and cut the ones Envoy holds. */
  async down(): Promise<void> {
    this.mode = { kind: "down" };
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Relay, but hold every chunk from the collector back by delayMs. */
  async slow(delayMs: number): Promise<void> {
    if (this.server === undefined) await this.listen(this.port);
    for (const socket of this.sockets) socket.destroy();
    this.mode = { kind: "slow", delayMs };
  }

  async up(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.mode = { kind: "open" };
    if (this.server === undefined) await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.down();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private relay(client: Socket): void {
    const mode = this.mode;
    const upstream = connect(this.targetPort, "127.0.0.1");
    this.sockets.add(client).add(upstream);
    const forget = (): void => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", forget).on("error", forget);
    upstream.on("close", forget).on("error", forget);
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
    upstream.on("data", (chunk: Buffer) => {
      if (mode.kind === "slow") setTimeout(() => client.write(chunk), mode.delayMs).unref();
      else client.write(chunk);
    });
  }
}

/** A port nobody listens on: bound once by the kernel, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
