// A program of this repository as a child process that says it is ready with one JSON line on
// stdout: the collector (`shadowdiff collector`) and the demo's catalog services start this way.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ReadyChild {
  readonly pid: number;
  /** The JSON line that said the child was ready. */
  readonly ready: Record<string, unknown>;
  /** What the child wrote so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Run the child on this CPU only (`taskset -c`), when taskset is there. */
  cpu?: number;
}

const running = new Set<ChildProcess>();
// Whatever way this process ends (an error, a closed stdout), its children end with it.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Asks a child to stop (SIGTERM through `kill`), and SIGKILLs it if it is still there 5 s later;
 * resolves with its exit code once it has exited (null when a signal ended it).
 */
export async function terminate(child: ChildProcess, kill: (signal: NodeJS.Signals) => void = (signal) => child.kill(signal)): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  kill("SIGTERM");
  const forced = setTimeout(() => kill("SIGKILL"), 5_000);
  const code = await exited;
  clearTimeout(forced);
  return code;
}

/** Starts `node script args...` and waits for the JSON line `isReady` accepts. */
export async function startNodeChild(
  script: string,
  args: string[],
  isReady: (message: Record<string, unknown>) => boolean,
  options: ChildOptions = {},
): Promise<ReadyChild> {
  const command = [process.execPath, script, ...args];
  if (options.cpu !== undefined) command.unshift("taskset", "-c", String(options.cpu));
  const child = spawn(command[0] as string, command.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  running.add(child);
  const exit = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const stop = (): Promise<number | null> => terminate(child);

  try {
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`shadowdiff: ${script} was not ready in time\n${output}`)), options.readyTimeoutMs ?? 30_000);
      child.once("error", (error) => reject(new Error(`shadowdiff: ${command[0]} could not start: ${error.message}`)));
      void exit.then((code) => reject(new Error(`shadowdiff: ${script} exited with ${code} before it was ready\n${output}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        output += `${line}\n`;
        const message = parseJsonLine(line);
        if (message !== undefined && isReady(message)) {
          clearTimeout(timer);
          resolve(message);
        }
      });
    });
    return { pid: child.pid ?? -1, ready, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
