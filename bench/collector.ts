// `make bench-collector`: pairs per second through the collector's real gRPC intake and
// comparison, with the collector pinned to one core, for 1 KiB and 32 KiB JSON bodies with 1%
// mismatches; beside it, in the same run and on the same pairs, the shadow-deployment article's
// approach (normalise, JSON.stringify with sorted keys, hash). Writes bench/results/collector.json
// and the bench-collector section of BENCHMARKS.md.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import { BatchReader } from "../host/capture/batch-reader.js";
import type { Pair } from "../host/capture/pair.js";
import { Comparator } from "../host/compare/comparator.js";
import { validateConfig } from "../host/config/validate.js";
import { hasTaskset, startCollectorProcess } from "../support/collector-process.js";
import { eventually } from "../support/eventually.js";
import { repoRoot } from "../support/paths.js";
import { cpuSeconds, loadAverage, peakRssBytes } from "../support/proc.js";
import { encodeBatch, ReportClient } from "../support/report-client.js";
import { articleBodiesMatch } from "./lib/article-compare.js";
import { BENCH_IGNORE_PATHS, benchPairs, type BenchPair } from "./lib/bench-pairs.js";
import { writeBenchResults } from "./lib/bench-results.js";

const ROOT = repoRoot();
const BATCH_PAIRS = 64;
const IN_FLIGHT_CALLS = 4;
const MISMATCH_SHARE = 0.01;
const GOAL_PAIRS_PER_SECOND = 20_000;
const CASES = [
  { bodyBytes: 1024, distinctPairs: 6400, sentPairs: 160_000 },
  { bodyBytes: 32 * 1024, distinctPairs: 1280, sentPairs: 12_800 },
];

function encodeBatches(pairs: BenchPair[]): Buffer[] {
  const header = [{ name: "content-type", value: "application/json" }];
  const batches: Buffer[] = [];
  for (let start = 0; start < pairs.length; start += BATCH_PAIRS) {
    const wire = pairs.slice(start, start + BATCH_PAIRS).map((p, i) => ({
      id: p.id,
      proxy_id: "bench",
      config_version: "bench",
      method: "GET",
      authority: "products",
      path: p.path,
      start_unix_nanos: 1_700_000_000_000_000_000,
      primary: { status: 200, headers: header, body: p.primaryBody, body_size: p.primaryBody.length, latency_nanos: 2_000_000 + (i % 10) * 100_000 },
      targets: [{ name: "shadow", status: 200, headers: header, body: p.shadowBody, body_size: p.shadowBody.length, latency_nanos: 2_200_000 + (i % 10) * 100_000 }],
    }));
    batches.push(encodeBatch(wire));
  }
  return batches;
}

async function totalCompared(httpPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/api/summary`);
  return ((await response.json()) as { total: { pairs: number } }).total.pairs;
}

/** Sends `sentPairs` pairs (cycling through `batches`) with a fixed number of calls in flight. */
async function drive(port: number, httpPort: number, batches: Buffer[], sentPairs: number) {
  const client = new ReportClient(`127.0.0.1:${port}`);
  const totalBatches = Math.ceil(sentPairs / BATCH_PAIRS);
  let next = 0;
  let refused = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < totalBatches) {
      const batch = batches[next++ % batches.length] as Buffer;
      for (;;) {
        const { error } = await client.report(batch);
        if (!error) break;
        // Only a full queue is worth retrying; anything else is a broken run.
        if (error.code !== grpc.status.RESOURCE_EXHAUSTED || !error.details.startsWith("queue full")) throw error;
        refused++;
        await sleep(2);
      }
    }
  };
  const progress = setInterval(() => {
    void totalCompared(httpPort).then((compared) => process.stderr.write(`  sent ${Math.min(next, totalBatches) * BATCH_PAIRS} pairs, compared ${compared}, refused batches ${refused}\n`));
  }, 2000);
  await Promise.all(Array.from({ length: IN_FLIGHT_CALLS }, worker));
  const expected = totalBatches * BATCH_PAIRS;
  await eventually(
    async () => {
      if ((await totalCompared(httpPort)) < expected) throw new Error(`fewer than ${expected} pairs compared`);
    },
    { timeoutMs: 600_000, intervalMs: 10 },
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(progress);
  client.close();
  return { pairs: expected, seconds, refusedBatches: refused };
}

/** In-process, one thread: shadowdiff's comparator and the article's approach on the same pairs. */
function compareInProcess(batches: Buffer[], comparator: Comparator) {
  const reader = new BatchReader();
  const pairs: Pair[] = batches.flatMap((batch) => reader.read(batch).pairs);
  const time = (run: () => number, rounds: number) => {
    run(); // warm up the JIT
    const started = performance.now();
    let flagged = 0;
    for (let i = 0; i < rounds; i++) flagged = run();
    return { pairsPerSecond: (pairs.length * rounds) / ((performance.now() - started) / 1000), flagged };
  };
  // About 20,000 pairs' worth of 1 KiB bodies per approach, whatever the body size.
  const meanBytes = pairs.reduce((sum, p) => sum + p.primary.body.length, 0) / pairs.length;
  const rounds = Math.max(1, Math.round((20_000 / pairs.length) * (1024 / meanBytes)));
  const shadowdiff = time(() => pairs.filter((p) => comparator.compare(p.primary, p.targets[0]!).outcome !== "match").length, rounds);
  const article = time(() => pairs.filter((p) => !articleBodiesMatch(p.primary.body, (p.targets[0]!.response as Pair["primary"]).body)).length, rounds);
  return { pairs: pairs.length, shadowdiff, article };
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-bench-"));
  const yaml = [
    "grpc:",
    "  address: 127.0.0.1:0",
    "  maxQueuedPairs: 4096",
    "  maxMessageBytes: 8388608",
    "http:",
    "  address: 127.0.0.1:0",
    "compare:",
    `  ignorePaths: ${JSON.stringify(BENCH_IGNORE_PATHS)}`,
    "examples:",
    `  path: ${join(dir, "examples.db")}`,
    "",
  ].join("\n");
  const comparator = new Comparator(validateConfig({ compare: { ignorePaths: BENCH_IGNORE_PATHS } }).compare);

  const results = [];
  try {
    for (const testCase of CASES) {
      const pairs = benchPairs(testCase.distinctPairs, testCase.bodyBytes, MISMATCH_SHARE);
      const batches = encodeBatches(pairs);
      const bodyBytes = Math.round(pairs.reduce((sum, p) => sum + p.primaryBody.length, 0) / pairs.length);
      process.stderr.write(`${testCase.bodyBytes}-byte bodies: ${batches.length} distinct batches, ${testCase.sentPairs} pairs to send\n`);
      const collector = await startCollectorProcess(yaml, { cpu: 0, env: { SHADOWDIFF_LOG_LEVEL: "info" } });
      try {
        const pid = collector.pid;
        const cpuBefore = cpuSeconds(pid);
        const generatorBefore = process.cpuUsage();
        const e2e = await drive(collector.grpcPort, collector.httpPort, batches, testCase.sentPairs);
        const collectorCpuSeconds = cpuSeconds(pid) - cpuBefore;
        const generatorUsage = process.cpuUsage(generatorBefore);
        const generatorCpuSeconds = (generatorUsage.user + generatorUsage.system) / 1e6;
        const load = loadAverage();
        const rss = Math.round((peakRssBytes(pid) / (1024 * 1024)) * 10) / 10;
        const inProcess = compareInProcess(batches, comparator);
        const e2ePerSecond = e2e.pairs / e2e.seconds;
        results.push({
          targetBodyBytes: testCase.bodyBytes,
          meanBodyBytes: bodyBytes,
          mismatchShare: MISMATCH_SHARE,
          endToEnd: {
            pairs: e2e.pairs,
            seconds: round(e2e.seconds, 2),
            pairsPerSecond: round(e2ePerSecond),
            collectorCpuSeconds: round(collectorCpuSeconds, 2),
            pairsPerCollectorCpuSecond: round(e2e.pairs / collectorCpuSeconds),
            // Collector CPU over wall time: below 1, the collector waited for input.
            collectorBusyShare: round(collectorCpuSeconds / e2e.seconds, 2),
            loadGeneratorCpuSeconds: round(generatorCpuSeconds, 2),
            loadAverageAfter: load,
            refusedBatchesRetried: e2e.refusedBatches,
            collectorPeakRssMiB: rss,
          },
          comparatorOnly: { pairs: inProcess.pairs, pairsPerSecond: round(inProcess.shadowdiff.pairsPerSecond), pairsNotMatching: inProcess.shadowdiff.flagged },
          articleApproach: { pairs: inProcess.pairs, pairsPerSecond: round(inProcess.article.pairsPerSecond), pairsNotMatching: inProcess.article.flagged },
          ratios: {
            comparatorOverArticle: round(inProcess.shadowdiff.pairsPerSecond / inProcess.article.pairsPerSecond, 2),
            endToEndOverArticle: round(e2ePerSecond / inProcess.article.pairsPerSecond, 2),
          },
        });
      } finally {
        await collector.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const oneKiB = results[0];
  const output = {
    measuredAt: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
    method: {
      collector: `\`shadowdiff collector\` as a child process${hasTaskset() ? " pinned to CPU 0 (taskset)" : ""}; the load generator in this process`,
      intake: `real gRPC (grpc-js), batches of ${BATCH_PAIRS} pairs pre-encoded, ${IN_FLIGHT_CALLS} calls in flight, RESOURCE_EXHAUSTED retried after 2 ms`,
      timing: "from the first call until /api/summary counts every pair compared",
      comparatorOnly: "Comparator.compare on the same decoded pairs, in this process, one thread",
      articleApproach: "the article's normalise (drop top-level timestamp/request_id/generated_at) + JSON.stringify with sorted keys + MD5, same pairs, same thread",
      bodies: `JSON; primary and shadow differ in ignored fields (${BENCH_IGNORE_PATHS.join(", ")}) and, in ${MISMATCH_SHARE * 100}% of pairs, in one price`,
    },
    goal: {
      pairsPerSecond: GOAL_PAIRS_PER_SECOND,
      bodyBytes: 1024,
      metOnWallClock: (oneKiB?.endToEnd.pairsPerSecond ?? 0) >= GOAL_PAIRS_PER_SECOND,
      metPerCollectorCpuSecond: (oneKiB?.endToEnd.pairsPerCollectorCpuSecond ?? 0) >= GOAL_PAIRS_PER_SECOND,
    },
    results,
  };
  const table = [
    "| body | end to end pairs/s (wall, 1 core) | pairs per collector CPU-second | collector busy | load generator CPU s | load average | peak RSS | comparator only pairs/s | article approach pairs/s | comparator ÷ article | end to end ÷ article | not matching: shadowdiff / article |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.map(
      (r) =>
        `| ${r.meanBodyBytes} B | ${r.endToEnd.pairsPerSecond} | ${r.endToEnd.pairsPerCollectorCpuSecond} | ${r.endToEnd.collectorBusyShare} | ${r.endToEnd.loadGeneratorCpuSeconds} | ${r.endToEnd.loadAverageAfter} | ${r.endToEnd.collectorPeakRssMiB} MiB | ${r.comparatorOnly.pairsPerSecond} | ${r.articleApproach.pairsPerSecond} | ${r.ratios.comparatorOverArticle} | ${r.ratios.endToEndOverArticle} | ${r.comparatorOnly.pairsNotMatching} / ${r.articleApproach.pairsNotMatching} of ${r.comparatorOnly.pairs} |`,
    ),
  ].join("\n");
  const markdown = [
    "## Collector (`make bench-collector`)",
    "",
    `Measured ${output.measuredAt} on ${output.machine.cores} × ${output.machine.cpu}, Node ${output.machine.node}. ${output.method.collector}; ${output.method.intake}; timed ${output.method.timing}. Bodies: ${output.method.bodies}. The article's approach drops only top-level fields, so it also reports the pairs whose nested ignored fields differ.`,
    "",
    table,
    "",
    `Goal ≥ ${GOAL_PAIRS_PER_SECOND} pairs/s at 1 KiB: ${output.goal.metOnWallClock ? "met" : "not met"} on the wall clock, ${output.goal.metPerCollectorCpuSecond ? "met" : "not met"} per collector CPU-second (the machine is shared; the load average shows how much). Collector busy is the collector's CPU time over the wall time: below 1, it waited for input. Ratios compare figures taken in the same run.`,
  ].join("\n");
  writeBenchResults(join(ROOT, "bench", "results", "collector.json"), output, join(ROOT, "BENCHMARKS.md"), "bench-collector", markdown);
  process.stdout.write(markdown + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-collector: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
