// Running Envoy as a child process: start it from a rendered bootstrap, wait until it serves,
// find its ports, keep its log in a file a failing test can print, and stop it for sure.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LISTENER_NAME } from "../host/envoy/bootstrap.js";
import { terminate } from "./child-process.js";
import { EnvoyAdmin } from "./envoy-admin.js";
import { eventually } from "./eventually.js";
import { envoyBinary } from "./paths.js";
import { cpuSeconds, rssBytes } from "./proc.js";

export interface StartEnvoyOptions {
  /** Worker threads; small so several Envoys share two cores. */
  concurrency?: number;
  logLevel?: "trace" | "debug" | "info" | "warning" | "error";
  /** How long Envoy may take to serve (loading a wasm VM per worker takes a moment). */
  readyTimeoutMs?: number;
  /** The listener whose bound port to report. */
  listenerName?: string;
  binary?: string;
  /** Keep the config and log in their temporary folder after stop() (the demo points users at the log). */
  keepFiles?: boolean;
}

export interface EnvoyProcess {
  readonly pid: number;
  readonly admin: EnvoyAdmin;
  readonly listenerPort: number;
  readonly logPath: string;
  readonly configPath: string;
  /** Envoy's log so far. */
  log(): string;
  /** Resident memory in bytes, from /proc. */
  rssBytes(): number;
  /** CPU time Envoy has used so far (user + system, all threads), in seconds, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Envoy exited, or never became ready; `log` holds what it said. */
export class EnvoyStartError extends Error {
  constructor(
    message: string,
    readonly log: string,
    readonly exitCode: number | null,
  ) {
    super(`${message}\n--- envoy log (tail) ---\n${log.slice(-4000)}`);
    this.name = "EnvoyStartError";
  }
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

export async function startEnvoy(bootstrap: object, options: StartEnvoyOptions = {}): Promise<EnvoyProcess> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-envoy-"));
  const configPath = join(dir, "envoy.json");
  const logPath = join(dir, "envoy.log");
  const adminAddressPath = join(dir, "admin-address");
  writeFileSync(configPath, JSON.stringify(bootstrap, null, 2));

  const logFd = openSync(logPath, "a");
  const child = spawn(
    options.binary ?? envoyBinary(),
    [
      "-c", configPath,
      "--concurrency", String(options.concurrency ?? 1),
      "--use-dynamic-base-id",
      "--admin-address-path", adminAddressPath,
      "-l", options.logLevel ?? "info",
    ],
    // Its own process group, so stop() reaches everything it started.
    { stdio: ["ignore", logFd, logFd], detached: true },
  );
  closeSync(logFd);
  running.add(child);
  let exitCode: number | null | undefined;
  const exited = new AbortController();
  child.once("exit", (code, signal) => {
    exitCode = code ?? (signal === null ? null : -1);
    running.delete(child);
    exited.abort();
  });
  const log = (): string => readFileSync(logPath, "utf8");
  /** The log for an error; the folder goes, as after stop(), unless kept. */
  const takeLog = (): string => {
    const text = log();
    if (options.keepFiles !== true) rmSync(dir, { recursive: true, force: true });
    return text;
  };

  let admin: EnvoyAdmin | undefined;
  try {
    admin = await eventually(
      async () => {
        const found = readAdmin(adminAddressPath);
        if (found === undefined || !(await found.isReady())) throw new Error("Envoy is not ready yet");
        return found;
      },
      { timeoutMs: options.readyTimeoutMs ?? 30_000, signal: exited.signal },
    );
  } catch {
    if (exitCode !== undefined) throw new EnvoyStartError("Envoy exited before it was ready", takeLog(), exitCode);
    killGroup(child, "SIGKILL");
    throw new EnvoyStartError("Envoy was not ready in time", takeLog(), null);
  }
  const listenerPort = await admin.listenerPort(options.listenerName ?? LISTENER_NAME);

  return {
    pid: child.pid ?? -1,
    admin,
    listenerPort,
    logPath,
    configPath,
    log,
    rssBytes: () => rssBytes(child.pid ?? -1),
    cpuSeconds: () => cpuSeconds(child.pid ?? -1),
    async stop() {
      await terminate(child, (signal) => killGroup(child, signal));
      if (options.keepFiles !== true) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ValidationResult {
  ok: boolean;
  output: string;
}

/** `envoy --mode validate`: Envoy's own verdict on a bootstrap, without serving anything. */
export async function validateBootstrap(bootstrap: object, binary = envoyBinary()): Promise<ValidationResult> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-validate-"));
  const configPath = join(dir, "envoy.json");
  writeFileSync(configPath, JSON.stringify(bootstrap, null, 2));
  try {
    const child = spawn(binary, ["--mode", "validate", "-c", configPath, "--disable-hot-restart", "-l", "info"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    return { ok: code === 0, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The binary's version line, e.g. `6eb0d2d…/1.39.3/Clean/RELEASE/BoringSSL`. */
export async function envoyVersion(binary = envoyBinary()): Promise<string> {
  const child = spawn(binary, ["--version"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  return /version:\s*(\S+)/.exec(output)?.[1] ?? output.trim();
}

function readAdmin(adminAddressPath: string): EnvoyAdmin | undefined {
  try {
    const address = readFileSync(adminAddressPath, "utf8").trim();
    return address === "" ? undefined : new EnvoyAdmin(`http://${address}`);
  } catch {
    return undefined;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
