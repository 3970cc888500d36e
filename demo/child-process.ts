// Start a Node program of this repository as a child process and wait for the JSON line it logs
// when it is ready; the demo runs the catalog's versions and the collector this way.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ReadyChild {
  /** The JSON line that said the child was ready. */
  readonly ready: Record<string, unknown>;
  /** What the child wrote so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Whatever way this process ends (an error, a closed stdout), its children end with it.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startNodeChild(
  script: string,
  args: string[],
  isReady: (message: Record<string, unknown>) => boolean,
  options: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } = {},
): Promise<ReadyChild> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  running.add(child);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      running.delete(child);
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill("SIGTERM");
    const forced = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exit;
    clearTimeout(forced);
  };

  try {
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`shadowdiff: ${script} was not ready in time\n${output}`)), options.readyTimeoutMs ?? 30_000);
      void exit.then(() => reject(new Error(`shadowdiff: ${script} exited before it was ready\n${output}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        output += `${line}\n`;
        const message = parseJsonLine(line);
        if (message !== undefined && isReady(message)) {
          clearTimeout(timer);
          resolve(message);
        }
      });
    });
    return { ready, output: () => output, stop };
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
