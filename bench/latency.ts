// `make bench-latency`: what the shadowdiff filter adds to latency at a normal load, measured the
// way Istio measures its proxies: fortio at a constant rate, 16 connections, 1 KiB responses; the
// added p50/p90/p99 against Envoy alone, Envoy's vCPU per 1,000 requests per second and its RSS.
// The rate is chosen in the same run, well below saturation: wrk first finds each scenario's
// saturation throughput (a closed loop, as bench/envoy.ts does), and the rate is RATE_FRACTION of
// the lowest. Scenarios come from bench/lib/scenarios.ts; rounds interleave them. Results go to
// bench/results/latency.json and BENCHMARKS.md, written here, never by hand.
import { join } from "node:path";
import { renderBootstrap } from "../host/envoy/bootstrap.js";
import { renderDirectResponseBootstrap } from "../support/envoy-direct-response.js";
import { envoyVersion, startEnvoy, type EnvoyProcess } from "../support/envoy-process.js";
import { repoRoot } from "../support/paths.js";
import { writeBenchResults } from "./lib/bench-results.js";
import { type Goal, describeMachine, goalLines, goalRows, machine, median, round } from "./lib/figures.js";
import { loadAverage } from "../support/proc.js";
import { runFortio, type FortioResult } from "./lib/fortio.js";
import { compileNoopFilter } from "./lib/noop-filter.js";
import { startReportSink } from "./lib/report-sink.js";
import { envoyScenarios, pick, type Scenario, type ScenarioId } from "./lib/scenarios.js";
import { runWrk } from "./lib/wrk.js";

const SETTINGS = {
  envoyWorkers: 1,
  connections: 16,
  responseBytes: 1024,
  /** The fixed rate is this share of the lowest saturation throughput measured in the run. */
  rateFraction: 0.25,
  saturationSeconds: 5,
  warmupSeconds: 3,
  measureSeconds: 15,
  rounds: 3,
  path: "/items/1",
};

const LINEUP: readonly ScenarioId[] = ["a", "b", "c", "h", "g", "d", "i"];

/** A JSON answer of exactly `bytes` bytes. */
function responseBody(bytes: number): string {
  const frame = '{"id":1,"name":"item 1","padding":""}';
  return frame.replace('""', `"${"x".repeat(bytes - frame.length)}"`);
}

async function withEnvoy<T>(scenario: Scenario, upstreamPort: number, sinkPort: number, use: (envoy: EnvoyProcess, url: string) => Promise<T>): Promise<T> {
  const envoy = await startEnvoy(renderBootstrap({ primary: { port: upstreamPort }, mode: scenario.mode(upstreamPort, sinkPort) }), {
    concurrency: SETTINGS.envoyWorkers,
  });
  try {
    return await use(envoy, `http://127.0.0.1:${envoy.listenerPort}${SETTINGS.path}`);
  } finally {
    await envoy.stop();
  }
}

/** Requests per second a closed loop of 16 connections gets through the scenario. */
async function saturation(scenario: Scenario, upstreamPort: number, sinkPort: number): Promise<number> {
  return withEnvoy(scenario, upstreamPort, sinkPort, async (_envoy, url) => {
    await runWrk({ url, threads: 1, connections: SETTINGS.connections, durationSeconds: 2 });
    const wrk = await runWrk({ url, threads: 1, connections: SETTINGS.connections, durationSeconds: SETTINGS.saturationSeconds });
    return wrk.requestsPerSecond;
  });
}

interface Run {
  fortio: FortioResult;
  /** Envoy's CPU seconds per second at 1,000 requests per second: CPU per request × 1,000. */
  vcpuPer1000Rps: number;
  rssMiB: number;
}

async function measure(scenario: Scenario, upstreamPort: number, sinkPort: number, qps: number): Promise<Run> {
  return withEnvoy(scenario, upstreamPort, sinkPort, async (envoy, url) => {
    const load = { url, qps, connections: SETTINGS.connections };
    await runFortio({ ...load, durationSeconds: SETTINGS.warmupSeconds });
    const cpuBefore = envoy.cpuSeconds();
    const fortio = await runFortio({ ...load, durationSeconds: SETTINGS.measureSeconds });
    const vcpuPer1000Rps = ((envoy.cpuSeconds() - cpuBefore) / Math.max(fortio.requests, 1)) * 1000;
    if (scenario.filterEntry !== undefined) await envoy.admin.countedFilterStats(scenario.filterEntry);
    return { fortio, vcpuPer1000Rps, rssMiB: envoy.rssBytes() / (1024 * 1024) };
  });
}

interface ScenarioResult {
  id: ScenarioId;
  label: string;
  saturationRps: number;
  actualQps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  vcpuPer1000Rps: number;
  rssMiB: number;
  errors: number;
  runs: Run[];
}

function summarize(scenario: Scenario, saturationRps: number, runs: Run[]): ScenarioResult {
  const of = (pick: (run: Run) => number, digits = 3): number => round(median(runs.map(pick)), digits);
  return {
    id: scenario.id,
    label: scenario.label,
    saturationRps: round(saturationRps, 0),
    actualQps: of((run) => run.fortio.actualQps, 1),
    p50Ms: of((run) => run.fortio.latencyMs.p50),
    p90Ms: of((run) => run.fortio.latencyMs.p90),
    p99Ms: of((run) => run.fortio.latencyMs.p99),
    vcpuPer1000Rps: of((run) => run.vcpuPer1000Rps),
    rssMiB: round(Math.max(...runs.map((run) => run.rssMiB)), 1),
    errors: runs.reduce((sum, run) => sum + run.fortio.errors, 0),
    runs,
  };
}

interface Added {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

function added(over: ScenarioResult, under: ScenarioResult): Added {
  return { p50Ms: round(over.p50Ms - under.p50Ms), p90Ms: round(over.p90Ms - under.p90Ms), p99Ms: round(over.p99Ms - under.p99Ms) };
}

function markdown(results: ScenarioResult[], overBare: Record<string, Added>, goals: Goal[], header: string): string {
  const ms = (value: number): string => value.toFixed(3);
  return [
    "## Envoy: latency at a fixed rate, as Istio measures it (`make bench-latency`)",
    "",
    header,
    "",
    "| scenario | saturation req/s | rate req/s | p50 ms | p90 ms | p99 ms | added p50 ms | added p90 ms | added p99 ms | Envoy vCPU per 1,000 rps | Envoy RSS MiB | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.map((result) => {
      const over = overBare[result.id]!;
      return (
        `| (${result.id}) ${result.label} | ${result.saturationRps.toFixed(0)} | ${result.actualQps.toFixed(0)} | ${ms(result.p50Ms)} | ${ms(result.p90Ms)} | ${ms(result.p99Ms)} | ` +
        `${ms(over.p50Ms)} | ${ms(over.p90Ms)} | ${ms(over.p99Ms)} | ${result.vcpuPer1000Rps.toFixed(3)} | ${result.rssMiB.toFixed(1)} | ${result.errors} |`
      );
    }),
    "",
    ...goalRows(goals),
  ].join("\n");
}

async function main(): Promise<void> {
  if (process.argv.length > 2) throw new Error(`shadowdiff bench: bench-latency takes no options, got ${process.argv.slice(2).join(" ")}`);
  const version = await envoyVersion();
  const lineup = pick(envoyScenarios(await compileNoopFilter()), LINEUP);
  const started = Date.now();
  const loadAtStart = loadAverage();
  const sink = await startReportSink();
  const upstream = await startEnvoy(renderDirectResponseBootstrap({ body: responseBody(SETTINGS.responseBytes) }), { concurrency: 1 });
  const saturations = new Map<ScenarioId, number>();
  const runs = new Map<ScenarioId, Run[]>(lineup.map((scenario) => [scenario.id, []]));
  let qps: number;
  try {
    for (const scenario of lineup) {
      saturations.set(scenario.id, await saturation(scenario, upstream.listenerPort, sink.port));
      console.log(`saturation (${scenario.id}) ${scenario.label}: ${saturations.get(scenario.id)!.toFixed(0)} req/s`);
    }
    const lowest = Math.min(...saturations.values());
    qps = Math.max(50, Math.floor((lowest * SETTINGS.rateFraction) / 50) * 50);
    console.log(`fixed rate: ${qps} req/s (${SETTINGS.rateFraction} of the lowest saturation, ${lowest.toFixed(0)} req/s)`);
    for (let round = 1; round <= SETTINGS.rounds; round++) {
      for (const scenario of lineup) {
        const run = await measure(scenario, upstream.listenerPort, sink.port, qps);
        runs.get(scenario.id)!.push(run);
        console.log(
          `round ${round}/${SETTINGS.rounds} (${scenario.id}) ${scenario.label}: ${run.fortio.actualQps.toFixed(0)} req/s, ` +
            `p50 ${run.fortio.latencyMs.p50.toFixed(3)} ms, p90 ${run.fortio.latencyMs.p90.toFixed(3)} ms, p99 ${run.fortio.latencyMs.p99.toFixed(3)} ms, ` +
            `${run.vcpuPer1000Rps.toFixed(3)} vCPU per 1,000 rps, RSS ${run.rssMiB.toFixed(1)} MiB, errors ${run.fortio.errors}`,
        );
      }
    }
  } finally {
    await upstream.stop();
    await sink.close();
  }
  const results = lineup.map((scenario) => summarize(scenario, saturations.get(scenario.id)!, runs.get(scenario.id)!));
  const byId = Object.fromEntries(results.map((result) => [result.id, result])) as Record<ScenarioId, ScenarioResult>;
  const overBare = Object.fromEntries(results.map((result) => [result.id, added(result, byId.a)]));
  const overMirror = added(byId.d, byId.b);
  const goals: Goal[] = [
    { goal: "filter at 100%, captured and reported: adds ≤ 0.2 ms at p90 over the native mirror (d − b)", measured: `${overMirror.p90Ms.toFixed(3)} ms`, met: overMirror.p90Ms <= 0.2 },
    { goal: "filter at 100%, captured and reported: adds ≤ 0.5 ms at p99 over the native mirror (d − b)", measured: `${overMirror.p99Ms.toFixed(3)} ms`, met: overMirror.p99Ms <= 0.5 },
  ];
  const machineFigures = machine(loadAtStart);
  const header =
    `Envoy ${version}, ${SETTINGS.envoyWorkers} worker; fortio at a constant ${qps} req/s (${SETTINGS.rateFraction} of the lowest saturation throughput ` +
    `wrk measured in this run), ${SETTINGS.connections} connections, ${SETTINGS.responseBytes}-byte responses; ` +
    `${SETTINGS.measureSeconds} s per measurement after ${SETTINGS.warmupSeconds} s of warm-up at the same rate, median of ${SETTINGS.rounds} interleaved rounds. ` +
    `Added latency is against (a), Envoy alone, in the same run. Envoy vCPU per 1,000 rps is the Envoy under test's CPU time (all threads) per request × 1,000: ` +
    `the cores it keeps busy at 1,000 requests per second. Upstream and shadow: one Envoy answering with direct_response; collector: a gRPC sink that counts pairs. ` +
    `${describeMachine(machineFigures)}; shared by every process above (fortio included). Written by bench/latency.ts on ${new Date().toISOString()}.`;
  const json = {
    envoyVersion: version,
    date: new Date().toISOString(),
    machine: machineFigures,
    settings: SETTINGS,
    qps,
    elapsedSeconds: round((Date.now() - started) / 1000, 1),
    scenarios: byId,
    addedOverBareMs: overBare,
    addedOverNativeMirrorMs: overMirror,
    goals,
  };
  const root = repoRoot();
  const text = markdown(results, overBare, goals, header);
  writeBenchResults(join(root, "bench", "results", "latency.json"), json, join(root, "BENCHMARKS.md"), "bench-latency", text);
  console.log(`\n${text}\n\n${goalLines(goals)}\n\nwritten to bench/results/latency.json and BENCHMARKS.md`);
}

main().catch((error: unknown) => {
  console.error(`shadowdiff bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
});
