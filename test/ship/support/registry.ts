// A container registry on 127.0.0.1 (or another local address) for the image tests: Debian's
// docker-registry (installed by `make registry`) with filesystem storage in a temporary folder, on
// a port the kernel chooses.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Registry {
  /** host:port, e.g. 127.0.0.1:40123 */
  readonly host: string;
  stop(): Promise<void>;
}

export async function startRegistry(address = "127.0.0.1"): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-registry-"));
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log: { level: info }",
      `storage: { filesystem: { rootdirectory: ${join(dir, "storage")} } }`,
      `http: { addr: "${address}:0" }`,
      "",
    ].join("\n"),
  );
  const child = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const host = await listeningAddress(child, address);
    return { host, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The registry logs `listening on ADDRESS:PORT` with the port it bound. */
function listeningAddress(child: ChildProcess, address: string): Promise<string> {
  const listening = new RegExp(`listening on (${address.replaceAll(".", "\\.")}:\\d+)`);
  return new Promise((resolve, reject) => {
    let log = "";
    // Keeps reading for the registry's whole life, so its log never fills a pipe and blocks it.
    const onData = (chunk: Buffer): void => {
      log = (log + chunk.toString()).slice(-65_536);
      const match = listening.exec(log);
      if (match !== null) resolve(match[1]!);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`docker-registry exited (${code}) before listening:\n${log}`)));
  });
}
