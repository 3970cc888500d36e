// The shipping tools the Makefile installs (pinned, into .tools/), and a way to run any command
// and keep what it said. `make test` exports each tool's path; a direct vitest run finds them in
// .tools/ after `make tools`.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../../support/paths.js";

export const REPO = repoRoot();

function tool(variable: string, name: string): string {
  const fromEnv = process.env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const tools = join(REPO, ".tools");
  const folder = existsSync(tools) ? readdirSync(tools).find((entry) => entry === name || entry.startsWith(`${name}-`)) : undefined;
  if (folder === undefined) throw new Error(`${name} is not installed: run make tools (or set ${variable})`);
  return join(tools, folder, name);
}

export const helm = (): string => tool("HELM", "helm");
export const crane = (): string => tool("CRANE", "crane");
export const istioWasmPull = (): string => tool("ISTIO_WASM_PULL", "istio-wasm-pull");
export const argoRolloutsAnalysis = (): string => tool("ARGO_ROLLOUTS_ANALYSIS", "argo-rollouts-analysis");
export const flaggerWebhooks = (): string => tool("FLAGGER_WEBHOOKS", "flagger-webhooks");
export const jaeger = (): string => tool("JAEGER", "jaeger-all-in-one");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts on it). */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd ?? REPO, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(error);
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Make's own variables, and the ones `make push` reads from the environment: a test names each it means. */
const MAKE_ENVIRONMENT = ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "IMAGE", "VARIANT", "INSECURE", "VALUES", "FILTER_MANIFESTS", "VERSION", "IMAGE_DIR", "MODULE", "BODIES_IMAGE"];

/**
 * `make -s TARGET VAR=value...` in the repository. The tests ship the modules `make build` made:
 * make treats them as given (-o), and never rebuilds them or the npm packages behind them.
 */
export function make(args: string[]): Promise<RunResult> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !MAKE_ENVIRONMENT.includes(name)));
  return run("make", ["-s", "--no-print-directory", "-o", "build/shadowdiff.wasm", "-o", "build/shadowdiff-bodies.wasm", ...args], { env });
}
