// `make bench-envoy`: what the shadowdiff filter costs in Envoy's hot path at saturation, against
// Envoy alone and against Envoy's own mirroring. One run measures each scenario (bench/lib/scenarios.ts)
// side by side, with the same load generator (wrk, a closed loop: as fast as Envoy answers), the
// same upstream (an Envoy answering with direct_response, so the upstream is never the bottleneck)
// and the same number of workers; the ratios and the goals are computed within the run. A do-nothing
// wasm module runs as a reference scenario: what any wasm filter costs. Results go to
// bench/results/envoy.json and BENCHMARKS.md, written here, never by hand. (`make bench-latency`
// measures latency at a fixed rate.)
// `node build/tools/bench/envoy.js --only c,f --rounds 1 --seconds 4` is a quick partial look while
// working on the filter: printed, never written.
import { join } from "node:path";
import { renderBootstrap } from "../host/envoy/bootstrap.js";
import type { FilterStats } from "../support/envoy-admin.js";
import { renderDirectResponseBootstrap } from "../support/envoy-direct-response.js";
import { envoyVersion, startEnvoy } from "../support/envoy-process.js";
import { repoRoot } from "../support/paths.js";
import { writeBenchResults } from "./lib/bench-results.js";
import { type Goal, describeMachine, goalLines, goalRows, machine, median, round } from "./lib/figures.js";
import { loadAverage } from "../support/proc.js";
import { compileNoopFilter } from "./lib/noop-filter.js";
import { startReportSink } from "./lib/report-sink.js";
import { envoyScenarios, type Scenario, type ScenarioId } from "./lib/scenarios.js";
import { runWrk, type WrkResult } from "./lib/wrk.js";

const SETTINGS = {
  envoyWorkers: 1,
  wrkThreads: 1,
  wrkConnections: 16,
  warmupSeconds: 2,
  measureSeconds: 8,
  rounds: 3,
  path: "/items/1",
};

/** A quick look while iterating on the filter: `--only c,f --rounds 1 --seconds 4`. Any of these
 * options makes the run a partial one, printed but never written over the recorded results. */
interface QuickOptions {
  only?: Set<string>;
  rounds?: number;
  seconds?: number;
}

function quickOptions(argv: readonly string[]): QuickOptions | undefined {
  const options: QuickOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`shadowdiff bench: ${name} needs a value`);
    if (name === "--only") options.only = new Set(value.split(","));
    else if (name === "--rounds") options.rounds = positiveInteger(name, value);
    else if (name === "--seconds") options.seconds = positiveInteger(name, value);
    else throw new Error(`shadowdiff bench: unknown option ${name} (known: --only a,b,c,d,e,f,g,h,i --rounds N --seconds N)`);
    i++;
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

function positiveInteger(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`shadowdiff bench: ${name} must be a positive integer, got ${value}`);
  return parsed;
}

const UPSTREAM_BODY = '{"id":1,"name":"item 1","price":9.99,"tags":["bench"]}';

interface Run {
  wrk: WrkResult;
  rssMiB: number;
  /** Envoy's CPU time per request served: unlike throughput, barely moved by other load on the machine. */
  envoyCpuMicrosPerRequest: number;
  filter?: Pick<FilterStats, "requests_mirrored" | "shadow_ok" | "pairs_sent" | "pairs_dropped_pending" | "pairs_dropped_report" | "requests_over_capacity">;
}

async function measure(scenario: Scenario, upstreamPort: number, sinkPort: number): Promise<Run> {
  const envoy = await startEnvoy(renderBootstrap({ primary: { port: upstreamPort }, mode: scenario.mode(upstreamPort, sinkPort) }), {
    concurrency: SETTINGS.envoyWorkers,
  });
  try {
    const url = `http://127.0.0.1:${envoy.listenerPort}${SETTINGS.path}`;
    await runWrk({ url, threads: SETTINGS.wrkThreads, connections: SETTINGS.wrkConnections, durationSeconds: SETTINGS.warmupSeconds });
    const cpuBefore = envoy.cpuSeconds();
    const wrk = await runWrk({ url, threads: SETTINGS.wrkThreads, connections: SETTINGS.wrkConnections, durationSeconds: SETTINGS.measureSeconds });
    const envoyCpuMicrosPerRequest = ((envoy.cpuSeconds() - cpuBefore) * 1e6) / Math.max(wrk.requests, 1);
    const rssMiB = envoy.rssBytes() / (1024 * 1024);
    if (scenario.filterEntry === undefined) return { wrk, rssMiB, envoyCpuMicrosPerRequest };
    const stats = await envoy.admin.countedFilterStats(scenario.filterEntry);
    const { requests_mirrored, shadow_ok, pairs_sent, pairs_dropped_pending, pairs_dropped_report, requests_over_capacity } = stats;
    return { wrk, rssMiB, envoyCpuMicrosPerRequest, filter: { requests_mirrored, shadow_ok, pairs_sent, pairs_dropped_pending, pairs_dropped_report, requests_over_capacity } };
  } finally {
    await envoy.stop();
  }
}

function describeRun(round: number, scenario: Scenario, run: Run): string {
  return (
    `round ${round}/${SETTINGS.rounds} (${scenario.id}) ${scenario.label}: ${run.wrk.requestsPerSecond.toFixed(0)} req/s, ` +
    `p50 ${run.wrk.latencyMs.p50.toFixed(3)} ms, p99 ${run.wrk.latencyMs.p99.toFixed(3)} ms, ` +
    `${run.envoyCpuMicrosPerRequest.toFixed(1)} µs CPU/request, RSS ${run.rssMiB.toFixed(1)} MiB` +
    (run.filter === undefined ? "" : `, mirrored ${run.filter.requests_mirrored}, pairs sent ${run.filter.pairs_sent}`)
  );
}

interface ScenarioResult {
  id: string;
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssMiB: number;
  envoyCpuMicrosPerRequest: number;
  errors: number;
  runs: Run[];
}

function summarize(scenario: Scenario, runs: Run[]): ScenarioResult {
  return {
    id: scenario.id,
    label: scenario.label,
    requestsPerSecond: round(median(runs.map((run) => run.wrk.requestsPerSecond)), 1),
    p50Ms: round(median(runs.map((run) => run.wrk.latencyMs.p50))),
    p99Ms: round(median(runs.map((run) => run.wrk.latencyMs.p99))),
    rssMiB: round(Math.max(...runs.map((run) => run.rssMiB)), 1),
    envoyCpuMicrosPerRequest: round(median(runs.map((run) => run.envoyCpuMicrosPerRequest)), 1),
    errors: runs.reduce((sum, run) => sum + run.wrk.errors, 0),
    runs,
  };
}

interface Ratio {
  throughput: number;
  cpuPerRequest: number;
}

function ratio(over: ScenarioResult, under: ScenarioResult): Ratio {
  return {
    throughput: round(over.requestsPerSecond / under.requestsPerSecond),
    cpuPerRequest: round(over.envoyCpuMicrosPerRequest / under.envoyCpuMicrosPerRequest),
  };
}

function markdown(results: Record<string, ScenarioResult>, ratios: Record<string, Ratio>, goals: Goal[], header: string): string {
  const rows = Object.values(results).map(
    (result) =>
      `| (${result.id}) ${result.label} | ${result.requestsPerSecond.toFixed(0)} | ${result.p50Ms.toFixed(3)} | ${result.p99Ms.toFixed(3)} | ` +
      `${result.envoyCpuMicrosPerRequest.toFixed(1)} | ${result.rssMiB.toFixed(1)} | ${result.errors} |`,
  );
  return [
    "## Envoy: the filter's cost in the hot path (`make bench-envoy`)",
    "",
    header,
    "",
    "| scenario | req/s | p50 ms | p99 ms | Envoy CPU µs/request | Envoy RSS MiB | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    "| ratio | throughput | Envoy CPU per request |",
    "| --- | ---: | ---: |",
    ...Object.entries(ratios).map(([name, value]) => `| ${name} | ${value.throughput.toFixed(3)} | ${value.cpuPerRequest.toFixed(3)} |`),
    "",
    ...goalRows(goals),
  ].join("\n");
}

/** Every scenario, round after round, against one shared upstream and report sink. */
async function runRounds(lineup: Scenario[]): Promise<{ runs: Map<string, Run[]>; sinkPairsReceived: number }> {
  const sink = await startReportSink();
  const upstream = await startEnvoy(renderDirectResponseBootstrap({ body: UPSTREAM_BODY }), { concurrency: 1 });
  const runs = new Map<string, Run[]>(lineup.map((scenario) => [scenario.id, []]));
  try {
    // Rounds interleave the scenarios, so a slow moment on a shared machine hits all of them.
    for (let round = 1; round <= SETTINGS.rounds; round++) {
      for (const scenario of lineup) {
        const run = await measure(scenario, upstream.listenerPort, sink.port);
        runs.get(scenario.id)!.push(run);
        console.log(describeRun(round, scenario, run));
      }
    }
    return { runs, sinkPairsReceived: sink.pairsReceived() };
  } finally {
    await upstream.stop();
    await sink.close();
  }
}

async function main(): Promise<void> {
  const quick = quickOptions(process.argv.slice(2));
  if (quick?.rounds !== undefined) SETTINGS.rounds = quick.rounds;
  if (quick?.seconds !== undefined) SETTINGS.measureSeconds = quick.seconds;
  const version = await envoyVersion();
  const lineup = envoyScenarios(await compileNoopFilter()).filter((scenario) => quick?.only === undefined || quick.only.has(scenario.id));
  if (quick !== undefined) {
    await runPartial(lineup);
    return;
  }
  const started = Date.now();
  const loadAtStart = loadAverage();
  const { runs, sinkPairsReceived } = await runRounds(lineup);
  const results = Object.fromEntries(lineup.map((scenario) => [scenario.id, summarize(scenario, runs.get(scenario.id)!)])) as Record<
    ScenarioId,
    ScenarioResult
  >;
  const { a, b, c, d, e, f, g, h, i } = results;
  const ratios = {
    "c/a (filter at 0% vs no filter)": ratio(c, a),
    "h/a (filter at 1% vs no filter)": ratio(h, a),
    "g/a (gated filter at 1% vs no filter)": ratio(g, a),
    "e/a (filter at 10% vs no filter)": ratio(e, a),
    "d/b (filter at 100% vs native mirror)": ratio(d, b),
    "i/d (2 targets and a secondary vs one target, both at 100%)": ratio(i, d),
    "f/a (do-nothing wasm module vs no filter)": ratio(f, a),
    "c/f (filter at 0% vs do-nothing wasm module)": ratio(c, f),
  };
  const gated = ratios["g/a (gated filter at 1% vs no filter)"];
  const full = ratios["d/b (filter at 100% vs native mirror)"];
  const goals: Goal[] = [
    { goal: "gated at 1%: Envoy CPU per request ≤ 1.05 × no filter (g/a)", measured: gated.cpuPerRequest.toFixed(3), met: gated.cpuPerRequest <= 1.05 },
    { goal: "gated at 1%: throughput ≥ 0.95 × no filter (g/a)", measured: gated.throughput.toFixed(3), met: gated.throughput >= 0.95 },
    { goal: "filter at 100%, captured and reported: throughput ≥ 0.85 × native mirror (d/b)", measured: full.throughput.toFixed(3), met: full.throughput >= 0.85 },
  ];
  const machineFigures = machine(loadAtStart);
  const header =
    `Envoy ${version}, ${SETTINGS.envoyWorkers} worker; wrk ${SETTINGS.wrkThreads} thread, ${SETTINGS.wrkConnections} connections, ` +
    `${SETTINGS.measureSeconds} s per measurement after ${SETTINGS.warmupSeconds} s of warm-up, median of ${SETTINGS.rounds} interleaved rounds; ` +
    `upstream and shadow: one Envoy answering with direct_response; collector: a gRPC sink that counts pairs. ` +
    `Envoy CPU µs/request is the Envoy under test's CPU time (all threads) over the requests it served: less sensitive than req/s to other load on the machine. ` +
    `${describeMachine(machineFigures)}; shared by every process above. Written by bench/envoy.ts on ${new Date().toISOString()}.`;
  const json = {
    envoyVersion: version,
    date: new Date().toISOString(),
    machine: machineFigures,
    settings: SETTINGS,
    elapsedSeconds: round((Date.now() - started) / 1000, 1),
    sinkPairsReceived,
    scenarios: results,
    ratios,
    goals,
  };
  const root = repoRoot();
  writeBenchResults(join(root, "bench", "results", "envoy.json"), json, join(root, "BENCHMARKS.md"), "bench-envoy", markdown(results, ratios, goals, header));
  console.log(`\n${markdown(results, ratios, goals, header)}\n\n${goalLines(goals)}\n\nwritten to bench/results/envoy.json and BENCHMARKS.md`);
}

/** A partial run: the chosen scenarios, their medians and CPU per request, nothing written. */
async function runPartial(lineup: Scenario[]): Promise<void> {
  const { runs } = await runRounds(lineup);
  console.log(`\npartial run (${SETTINGS.rounds} round(s) of ${SETTINGS.measureSeconds} s), not written:`);
  for (const scenario of lineup) {
    const result = summarize(scenario, runs.get(scenario.id)!);
    console.log(
      `(${result.id}) ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms, ` +
        `${result.envoyCpuMicrosPerRequest.toFixed(1)} µs CPU/request, RSS ${result.rssMiB.toFixed(1)} MiB, errors ${result.errors}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(`shadowdiff bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
});
