// `make bench-envoy`, gRPC part: what the filter costs a unary gRPC call (1 KiB request and answer
// messages) at saturation, against Envoy alone in the same run. h2load (HTTP/2, a closed loop as
// fast as Envoy answers) sends the same GetProduct call; the upstream, and every mirrored copy, is
// an Envoy answering with direct_response over HTTP/2 (the upstream is never the bottleneck); the
// collector is a sink that counts pairs. Scenarios: Envoy alone; the bodies module with the method
// listed, every call mirrored, captured and reported; the bodies module with the method not listed
// (what a gRPC call it does not mirror pays); the default module (it never reads a POST's body).
// Medians of interleaved rounds. Writes bench/results/envoy-grpc.json and the bench-envoy-grpc
// section of BENCHMARKS.md.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { renderBootstrap, type ShadowMode } from "../host/envoy/bootstrap.js";
import { loadDescriptorSets } from "../host/grpc/descriptor-sets.js";
import { GET_PRODUCT } from "../demo/grpc-catalog.js";
import { renderDirectResponseBootstrap } from "../support/envoy-direct-response.js";
import { envoyVersion, startEnvoy } from "../support/envoy-process.js";
import { grpcFrame } from "../support/grpc-client.js";
import { bodiesFilterWasmPath, catalogDescriptorSetPath, filterWasmPath, repoRoot } from "../support/paths.js";
import { loadAverage } from "../support/proc.js";
import { writeBenchResults } from "./lib/bench-results.js";
import { describeMachine, machine, median, round } from "./lib/figures.js";
import { runH2load, type H2loadResult } from "./lib/h2load.js";
import { startReportSink } from "./lib/report-sink.js";

const SETTINGS = { envoyWorkers: 1, h2loadThreads: 1, h2loadClients: 16, warmupSeconds: 2, measureSeconds: 8, rounds: 3, messageBytes: 1024 };

interface Scenario {
  id: string;
  label: string;
  mode: (upstreamPort: number, sinkPort: number) => ShadowMode;
  /** The filter mirrors every call: its counters say how many. */
  mirrors?: boolean;
}

const bodiesFilter = (methods: string[]) => (upstreamPort: number, sinkPort: number): ShadowMode => ({
  kind: "filter",
  shadow: { port: upstreamPort },
  collector: { port: sinkPort },
  wasmPath: bodiesFilterWasmPath(),
  plugin: { grpc: { methods } },
});

const SCENARIOS: Scenario[] = [
  { id: "ga", label: "Envoy, no filter", mode: () => ({ kind: "plain" }) },
  { id: "gb", label: "shadowdiff-bodies, method listed: every call mirrored, captured and reported", mode: bodiesFilter([GET_PRODUCT]), mirrors: true },
  { id: "gc", label: "shadowdiff-bodies, method not listed", mode: bodiesFilter(["/shop.catalog.v1.Catalog/ListProducts"]) },
  {
    id: "gd",
    label: "shadowdiff (default module), which never mirrors a POST",
    mode: (upstreamPort, sinkPort) => ({ kind: "filter", shadow: { port: upstreamPort }, collector: { port: sinkPort }, wasmPath: filterWasmPath() }),
  },
];

interface Run {
  load: H2loadResult;
  envoyCpuMicrosPerRequest: number;
  rssMiB: number;
  mirrored: number;
}

/** A GetProductRequest of `bytes` bytes (its id, then an unknown field the catalog skips), framed. */
function requestMessage(bytes: number): Buffer {
  const registry = loadDescriptorSets([catalogDescriptorSetPath()]);
  const type = registry.getMessage("shop.catalog.v1.GetProductRequest") as DescMessage;
  const head = Buffer.from(toBinary(type, create(type, { id: 7n } as never)));
  const padding = bytes - head.length - 3; // tag 0x7a and a two-byte length
  return grpcFrame(Buffer.concat([head, Buffer.from([0x7a, (padding & 0x7f) | 0x80, padding >> 7]), Buffer.alloc(padding, 0x61)]));
}

async function measure(scenario: Scenario, upstreamPort: number, sinkPort: number, dataPath: string): Promise<Run> {
  const envoy = await startEnvoy(renderBootstrap({ primary: { port: upstreamPort }, mode: scenario.mode(upstreamPort, sinkPort), primaryProtocol: "downstream" }), {
    concurrency: SETTINGS.envoyWorkers,
  });
  try {
    const load = {
      url: `http://127.0.0.1:${envoy.listenerPort}${GET_PRODUCT}`,
      dataPath,
      headers: { "content-type": "application/grpc", te: "trailers" },
      clients: SETTINGS.h2loadClients,
      threads: SETTINGS.h2loadThreads,
      warmupSeconds: SETTINGS.warmupSeconds,
      durationSeconds: SETTINGS.measureSeconds,
    };
    const cpuBefore = envoy.cpuSeconds();
    const result = await runH2load(load);
    // h2load's warm-up requests are served too: CPU over every request Envoy served.
    const served = (await envoy.admin.stats("^http\\.ingress\\.downstream_rq_total$")).get("http.ingress.downstream_rq_total") ?? result.requests;
    const envoyCpuMicrosPerRequest = ((envoy.cpuSeconds() - cpuBefore) * 1e6) / Math.max(served, 1);
    const stats = await envoy.admin.stats("^wasmcustom\\.shadowdiff\\.requests_mirrored$");
    return { load: result, envoyCpuMicrosPerRequest, rssMiB: envoy.rssBytes() / (1024 * 1024), mirrored: stats.get("wasmcustom.shadowdiff.requests_mirrored") ?? 0 };
  } finally {
    await envoy.stop();
  }
}

async function main(): Promise<void> {
  const version = await envoyVersion();
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-bench-grpc-"));
  const dataPath = join(dir, "request.bin");
  const request = requestMessage(SETTINGS.messageBytes);
  writeFileSync(dataPath, request);
  const answer = grpcFrame(Buffer.alloc(SETTINGS.messageBytes, 0x62));
  const loadAtStart = loadAverage();
  const sink = await startReportSink();
  const upstream = await startEnvoy(
    renderDirectResponseBootstrap({ body: "", bodyBytes: answer, contentType: "application/grpc", headers: { "grpc-status": "0" } }),
    { concurrency: 1 },
  );
  const runs = new Map<string, Run[]>(SCENARIOS.map((scenario) => [scenario.id, []]));
  try {
    for (let round = 1; round <= SETTINGS.rounds; round++) {
      for (const scenario of SCENARIOS) {
        const run = await measure(scenario, upstream.listenerPort, sink.port, dataPath);
        if (run.load.failed > 0) throw new Error(`shadowdiff bench: ${scenario.id}: ${run.load.failed} calls failed`);
        if (scenario.mirrors === true && run.mirrored === 0) throw new Error(`shadowdiff bench: ${scenario.id} mirrored nothing`);
        runs.get(scenario.id)!.push(run);
        console.log(`round ${round}/${SETTINGS.rounds} (${scenario.id}) ${run.load.requestsPerSecond.toFixed(0)} req/s, mean ${run.load.meanMs.toFixed(3)} ms, ${run.envoyCpuMicrosPerRequest.toFixed(1)} µs CPU/request, mirrored ${run.mirrored}`);
      }
    }
  } finally {
    await upstream.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const results = Object.fromEntries(
    SCENARIOS.map((scenario) => {
      const list = runs.get(scenario.id)!;
      return [
        scenario.id,
        {
          label: scenario.label,
          requestsPerSecond: round(median(list.map((run) => run.load.requestsPerSecond)), 1),
          meanMs: round(median(list.map((run) => run.load.meanMs))),
          envoyCpuMicrosPerRequest: round(median(list.map((run) => run.envoyCpuMicrosPerRequest)), 1),
          rssMiB: round(Math.max(...list.map((run) => run.rssMiB)), 1),
          mirrored: list.reduce((sum, run) => sum + run.mirrored, 0),
          failed: list.reduce((sum, run) => sum + run.load.failed, 0),
        },
      ];
    }),
  ) as Record<string, { label: string; requestsPerSecond: number; meanMs: number; envoyCpuMicrosPerRequest: number; rssMiB: number; mirrored: number; failed: number }>;
  const ratio = (over: string, under: string) => ({
    throughput: round(results[over]!.requestsPerSecond / results[under]!.requestsPerSecond),
    cpuPerRequest: round(results[over]!.envoyCpuMicrosPerRequest / results[under]!.envoyCpuMicrosPerRequest),
  });
  const ratios = {
    "gb/ga (listed, every call mirrored, vs no filter)": ratio("gb", "ga"),
    "gc/ga (bodies module, method not listed, vs no filter)": ratio("gc", "ga"),
    "gd/ga (default module vs no filter)": ratio("gd", "ga"),
  };
  const figures = machine(loadAtStart);
  const header =
    `Envoy ${version}, ${SETTINGS.envoyWorkers} worker; h2load ${SETTINGS.h2loadThreads} thread, ${SETTINGS.h2loadClients} HTTP/2 connections, one call in flight on each, ` +
    `${SETTINGS.measureSeconds} s per measurement after ${SETTINGS.warmupSeconds} s of warm-up, median of ${SETTINGS.rounds} interleaved rounds; ` +
    `unary ${GET_PRODUCT}, ${request.length - 5}-byte request and ${answer.length - 5}-byte answer messages; upstream and shadow: one Envoy answering with direct_response over HTTP/2; ` +
    `collector: a gRPC sink that counts pairs. ${describeMachine(figures)}; shared by every process above. Written by bench/envoy-grpc.ts on ${new Date().toISOString()}.`;
  const markdown = [
    "## Envoy: a unary gRPC call (`make bench-envoy`)",
    "",
    header,
    "",
    "| scenario | calls/s | mean ms | Envoy CPU µs/call | Envoy RSS MiB | calls mirrored | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...Object.entries(results).map(([id, r]) => `| (${id}) ${r.label} | ${r.requestsPerSecond.toFixed(0)} | ${r.meanMs.toFixed(3)} | ${r.envoyCpuMicrosPerRequest.toFixed(1)} | ${r.rssMiB.toFixed(1)} | ${r.mirrored} | ${r.failed} |`),
    "",
    "| ratio | throughput | Envoy CPU per call |",
    "| --- | ---: | ---: |",
    ...Object.entries(ratios).map(([name, value]) => `| ${name} | ${value.throughput.toFixed(3)} | ${value.cpuPerRequest.toFixed(3)} |`),
  ].join("\n");
  const root = repoRoot();
  writeBenchResults(
    join(root, "bench", "results", "envoy-grpc.json"),
    { envoyVersion: version, date: new Date().toISOString(), machine: figures, settings: SETTINGS, scenarios: results, ratios },
    join(root, "BENCHMARKS.md"),
    "bench-envoy-grpc",
    markdown,
  );
  console.log(`\n${markdown}\n\nwritten to bench/results/envoy-grpc.json and BENCHMARKS.md`);
}

main().catch((error: unknown) => {
  console.error(`shadowdiff bench (gRPC): ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
});
