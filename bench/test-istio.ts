// `make bench-test-istio`: how long `make test-istio` takes. Cold, as on a fresh machine: a Go
// module cache and build cache of its own (empty), istiod and the agent built anew into a folder
// of their own, then the Istio tests; warm: `make test-istio` again with everything built. Writes
// bench/results/test-istio.json and the bench-test-istio section of BENCHMARKS.md.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";
import { loadAverage } from "../support/proc.js";
import { writeBenchResults } from "./lib/bench-results.js";

const MiB = 1024 * 1024;
const REPO = repoRoot();

/** Runs make with `args` in the repository, its output passed through; resolves with the seconds it took, rejects if it failed. */
function timedMake(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("make", ["--no-print-directory", ...args], { cwd: REPO, env, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(Math.round((performance.now() - started) / 100) / 10) : reject(new Error(`make ${args.join(" ")} exited with ${code}`))));
  });
}

/** Bytes under a folder (files only, symbolic links not followed). */
function folderBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

const mib = (bytes: number): number => Math.round(bytes / MiB);

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "shadowdiff-bench-istio-"));
  // The agents run as the proxy's user and read the binaries under it.
  chmodSync(scratch, 0o755);
  const loadBefore = loadAverage();
  try {
    const cold: NodeJS.ProcessEnv = {
      ...process.env,
      GOCACHE: join(scratch, "go-build"),
      GOMODCACHE: join(scratch, "go-mod"),
      // A module cache that can be removed without chmod.
      GOFLAGS: `${process.env.GOFLAGS ?? ""} -modcacherw`.trim(),
    };
    const istioBin = join(scratch, "istio");
    process.stderr.write("bench-test-istio: building istiod and the agent from empty Go caches\n");
    const coldBuildSeconds = await timedMake(["istio-tools", `ISTIO_BIN=${istioBin}`], cold);
    const goBuildCacheMiB = mib(folderBytes(cold.GOCACHE!));
    const goModuleCacheMiB = mib(folderBytes(cold.GOMODCACHE!));
    const binariesMiB = mib(folderBytes(istioBin));
    process.stderr.write("bench-test-istio: the Istio tests with what was just built\n");
    const coldTestSeconds = await timedMake(["test-istio", `ISTIO_BIN=${istioBin}`], cold);
    process.stderr.write("bench-test-istio: make test-istio again, warm\n");
    const warmSeconds = await timedMake(["test-istio"], process.env);
    const coldSeconds = Math.round((coldBuildSeconds + coldTestSeconds) * 10) / 10;
    const output = {
      measuredAt: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version, loadAverageBefore: loadBefore, loadAverageAfter: loadAverage() },
      method: {
        cold: "`make istio-tools` with an empty Go module cache and build cache of its own (modules from the Go module proxy) into a new folder, then `make test-istio` with those binaries",
        warm: "`make test-istio` with everything built: the Istio tests alone",
      },
      results: { coldBuildSeconds, coldTestSeconds, coldSeconds, warmSeconds, goBuildCacheMiB, goModuleCacheMiB, binariesMiB },
      ratios: { coldOverWarm: Math.round((coldSeconds / warmSeconds) * 10) / 10 },
    };
    const markdown = [
      "## The Istio tests (`make bench-test-istio`)",
      "",
      `Measured ${output.measuredAt} on ${output.machine.cores} × ${output.machine.cpu}, Node ${output.machine.node} (load average before: ${loadBefore}, after: ${output.machine.loadAverageAfter}). Cold: ${output.method.cold}. Warm: ${output.method.warm}.`,
      "",
      "| | time |",
      "| --- | --- |",
      `| cold: istiod and the agent built | ${coldBuildSeconds} s |`,
      `| cold: then the Istio tests | ${coldTestSeconds} s |`,
      `| cold, in all | ${coldSeconds} s |`,
      `| warm | ${warmSeconds} s |`,
      "",
      `Cold ÷ warm: ${output.ratios.coldOverWarm}. The cold build left ${goBuildCacheMiB} MiB of Go build cache and ${goModuleCacheMiB} MiB of modules; the binaries take ${binariesMiB} MiB.`,
    ].join("\n");
    writeBenchResults(join(REPO, "bench", "results", "test-istio.json"), output, join(REPO, "BENCHMARKS.md"), "bench-test-istio", markdown);
    process.stdout.write(markdown + "\n");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-test-istio: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
