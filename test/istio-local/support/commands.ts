// Commands the mesh harness runs: to their end (ip, iptables, mount, openssl), or as long-lived
// children it stops for sure (istiod, agents, relays), each with its output kept in a log file a
// failing test can print.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { terminate } from "../../../support/child-process.js";

/** Runs a command to its end; throws with what it said when it fails. */
export function runCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${command} ${args.join(" ")} failed (${error.code ?? error.signal}):\n${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}

export interface LongRunning {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** What it wrote so far (stdout and stderr). */
  log(): string;
  /** Resolves once it has exited, with its exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
  /** SIGTERM to its process group, SIGKILL 5 s later; resolves once it has exited. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Whatever way the tests end, nothing they started outlives them.
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

/**
 * Starts a command in a process group of its own, its output appended to `logPath`. The parent's
 * death kills it too (setpriv --pdeathsig), so a crashed test leaves nothing running.
 */
export function startLongRunning(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; logPath: string }): LongRunning {
  const fd = openSync(options.logPath, "a");
  const child = spawn("setpriv", ["--pdeathsig", "SIGKILL", "--", command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  running.add(child);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      done = true;
      running.delete(child);
      resolve(code);
    });
    child.once("error", () => {
      done = true;
      running.delete(child);
      resolve(-1);
    });
  });
  const log = (): string => {
    try {
      return readFileSync(options.logPath, "utf8");
    } catch {
      return "";
    }
  };
  return {
    name,
    pid: child.pid ?? -1,
    logPath: options.logPath,
    log,
    exited,
    hasExited: () => done,
    stop: async () => {
      if (done) return;
      await terminate(child, (signal) => killGroup(child, signal));
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
