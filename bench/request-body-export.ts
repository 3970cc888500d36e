// `make bench-request-bodies`: what receiving request bodies costs a request that has one, when
// nothing is mirrored with its body. Envoy calls proxy_on_request_body only when the module exports
// it, so build/shadowdiff.wasm leaves it out and build/shadowdiff-bodies.wasm (request_bodies) has
// it. POSTs with a body, through Envoy alone and through each module (no request is mirrored: POST
// is not among `methods`, or, with request_bodies on, sample_percent is 0), measured in interleaved
// rounds; the ratios are taken within the run. Results go to bench/results/request-body-export.json
// and BENCHMARKS.md, written here, never by hand.
import { cpus } from "node:os";
import { join } from "node:path";
import { renderBootstrap, type ShadowMode } from "../host/envoy/bootstrap.js";
import { renderDirectResponseBootstrap } from "../support/envoy-direct-response.js";
import { envoyVersion, startEnvoy } from "../support/envoy-process.js";
import { bodiesFilterWasmPath, filterWasmPath, repoRoot } from "../support/paths.js";
import { writeBenchResults } from "./lib/bench-results.js";
import { round } from "./lib/figures.js";
import { ratio, summarizeRuns, type LoadRun, type LoadSummary } from "./lib/summary.js";
import { startReportSink } from "./lib/report-sink.js";
import { runWrk } from "./lib/wrk.js";

const SETTINGS = {
  envoyWorkers: 1,
  wrkThreads: 1,
  wrkConnections: 16,
  warmupSeconds: 2,
  measureSeconds: 6,
  rounds: 5,
  path: "/orders",
  bodyBytes: 4096,
};

interface Scenario {
  id: "a" | "b" | "c" | "d";
  label: string;
  mode: (upstreamPort: number, sinkPort: number) => ShadowMode;
}


const filter =
  (wasmPath: string, plugin: Record<string, unknown>) =>
  (upstreamPort: number, sinkPort: number): ShadowMode => ({
    kind: "filter",
    shadow: { port: upstreamPort },
    collector: { port: sinkPort },
    wasmPath,
    plugin,
  });

const SCENARIOS: Scenario[] = [
  { id: "a", label: "Envoy, no filter", mode: () => ({ kind: "plain" }) },
  { id: "b", label: "shadowdiff.wasm (no body callback), 100% of GETs", mode: filter(filterWasmPath(), { sample_percent: 100 }) },
  { id: "c", label: "shadowdiff-bodies.wasm without request_bodies, 100% of GETs", mode: filter(bodiesFilterWasmPath(), { sample_percent: 100 }) },
  {
    id: "d",
    label: "shadowdiff-bodies.wasm, request_bodies for POST, sample_percent 0",
    mode: filter(bodiesFilterWasmPath(), { sample_percent: 0, request_bodies: { methods: ["POST"], max_bytes: 65536 } }),
  },
];

async function measure(scenario: Scenario, upstreamPort: number, sinkPort: number): Promise<LoadRun> {
  const envoy = await startEnvoy(renderBootstrap({ primary: { port: upstreamPort }, mode: scenario.mode(upstreamPort, sinkPort) }), {
    concurrency: SETTINGS.envoyWorkers,
  });
  try {
    const load = (durationSeconds: number) =>
      runWrk({
        url: `http://127.0.0.1:${envoy.listenerPort}${SETTINGS.path}`,
        threads: SETTINGS.wrkThreads,
        connections: SETTINGS.wrkConnections,
        durationSeconds,
        body: { method: "POST", bytes: SETTINGS.bodyBytes },
      });
    await load(SETTINGS.warmupSeconds);
    const cpuBefore = envoy.cpuSeconds();
    const wrk = await load(SETTINGS.measureSeconds);
    return { wrk, envoyCpuMicrosPerRequest: ((envoy.cpuSeconds() - cpuBefore) * 1e6) / Math.max(wrk.requests, 1) };
  } finally {
    await envoy.stop();
  }
}

interface ScenarioResult extends LoadSummary {
  id: string;
  label: string;
}

async function main(): Promise<void> {
  const version = await envoyVersion();
  const sink = await startReportSink();
  const upstream = await startEnvoy(renderDirectResponseBootstrap({ body: '{"id":1}' }), { concurrency: 1 });
  const runs = new Map<string, LoadRun[]>(SCENARIOS.map((scenario) => [scenario.id, []]));
  const started = Date.now();
  try {
    // Rounds interleave the scenarios, so a slow moment on a shared machine hits all of them.
    for (let i = 1; i <= SETTINGS.rounds; i++) {
      for (const scenario of SCENARIOS) {
        const run = await measure(scenario, upstream.listenerPort, sink.port);
        runs.get(scenario.id)!.push(run);
        console.log(`round ${i}/${SETTINGS.rounds} (${scenario.id}): ${run.wrk.requestsPerSecond.toFixed(0)} req/s, ${run.envoyCpuMicrosPerRequest.toFixed(1)} µs CPU/request`);
      }
    }
  } finally {
    await upstream.stop();
    await sink.close();
  }
  const results = Object.fromEntries(
    SCENARIOS.map((scenario) => [scenario.id, { id: scenario.id, label: scenario.label, ...summarizeRuns(runs.get(scenario.id)!) }]),
  ) as Record<Scenario["id"], ScenarioResult>;
  const { a, b, c, d } = results;
  const ratios = {
    "c/b (the body callback exported, nothing mirrored with a body)": ratio(c, b),
    "d/b (request_bodies on, sampled out)": ratio(d, b),
    "b/a (default module vs no filter)": ratio(b, a),
  };
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown" };
  const header =
    `Envoy ${version}, ${SETTINGS.envoyWorkers} worker; wrk ${SETTINGS.wrkThreads} thread, ${SETTINGS.wrkConnections} connections, POSTs of ` +
    `${SETTINGS.bodyBytes} bytes, ${SETTINGS.measureSeconds} s per measurement after ${SETTINGS.warmupSeconds} s of warm-up, median of ` +
    `${SETTINGS.rounds} interleaved rounds; upstream: an Envoy answering with direct_response. No request is mirrored in any scenario. ` +
    `Machine: ${machine.cpus} × ${machine.model}, shared by every process above. Written by bench/request-body-export.ts on ${new Date().toISOString()}.`;
  const markdown = [
    "## Envoy: what receiving request bodies costs a POST that is not mirrored (`make bench-request-bodies`)",
    "",
    header,
    "",
    "| scenario | req/s | p50 ms | p99 ms | Envoy CPU µs/request | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...Object.values(results).map(
      (r) => `| (${r.id}) ${r.label} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${r.envoyCpuMicrosPerRequest.toFixed(1)} | ${r.errors} |`,
    ),
    "",
    "| ratio | throughput | Envoy CPU per request |",
    "| --- | ---: | ---: |",
    ...Object.entries(ratios).map(([name, value]) => `| ${name} | ${value.throughput.toFixed(3)} | ${value.cpuPerRequest.toFixed(3)} |`),
  ].join("\n");
  const json = { envoyVersion: version, date: new Date().toISOString(), machine, settings: SETTINGS, elapsedSeconds: round((Date.now() - started) / 1000, 1), scenarios: results, ratios, runs: Object.fromEntries(runs) };
  const root = repoRoot();
  writeBenchResults(join(root, "bench", "results", "request-body-export.json"), json, join(root, "BENCHMARKS.md"), "bench-request-bodies", markdown);
  console.log(`\n${markdown}\n\nwritten to bench/results/request-body-export.json and BENCHMARKS.md`);
}

main().catch((error: unknown) => {
  console.error(`shadowdiff bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
});
