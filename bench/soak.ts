// `make bench-soak`: the collector's memory under a hostile load, for minutes. The built collector
// in its own process takes SOAK_BATCHES batches of hostile pairs (support/hostile-load.ts: 8 KiB
// paths, 300-character ids, 127 headers of 1 KiB, JSON nested 20,000 deep, 512 KiB bodies, numbers
// past a double's precision, a thousand new fields, a new proxy id and content-type on every pair,
// gzip bombs, statuses of 1000), its resident memory read every 200 ms; then, in the same run,
// as many batches of ordinary pairs, the baseline. Writes bench/results/soak.json and the
// bench-soak section of BENCHMARKS.md.
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { startCollectorProcess } from "../support/collector-process.js";
import { eventually } from "../support/eventually.js";
import { benignBatch, hostileBatch, sendLoad } from "../support/hostile-load.js";
import { repoRoot } from "../support/paths.js";
import { loadAverage, rssBytes, watchRss } from "../support/proc.js";
import { writeBenchResults } from "./lib/bench-results.js";

const MiB = 1024 * 1024;
const BATCH_PAIRS = 8;
const WARM_UP_BATCHES = 20;
const BATCHES = Number(process.env.SOAK_BATCHES ?? 1500);
const EXAMPLES_MAX_BYTES = 16 * MiB;

const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

async function soak(name: string, batch: (b: number) => Buffer) {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-soak-"));
  const db = join(dir, "examples.db");
  const collector = await startCollectorProcess(
    [`grpc: { address: 127.0.0.1:0, maxMessageBytes: ${4 * MiB} }`, "http: { address: 127.0.0.1:0 }", `examples: { path: ${db}, maxBytes: ${EXAMPLES_MAX_BYTES} }`, ""].join("\n"),
  );
  try {
    await sendLoad(`127.0.0.1:${collector.grpcPort}`, WARM_UP_BATCHES, (b) => benignBatch(b, BATCH_PAIRS));
    const baseline = rssBytes(collector.pid);
    const watch = watchRss(collector.pid);
    const started = performance.now();
    let load;
    try {
      const progress = setInterval(() => process.stderr.write(`  ${name}: rss ${mib(rssBytes(collector.pid))} MiB, peak ${mib(watch.peak())} MiB\n`), 10_000);
      try {
        load = await sendLoad(`127.0.0.1:${collector.grpcPort}`, BATCHES, batch);
      } finally {
        clearInterval(progress);
      }
      const expected = WARM_UP_BATCHES * BATCH_PAIRS + load.pairsAccepted;
      await eventually(
        async () => {
          const summary = (await (await fetch(`${collector.url}/api/summary`)).json()) as { total: { pairs: number } };
          if (summary.total.pairs < expected) throw new Error(`${summary.total.pairs} of ${expected} pairs compared`);
        },
        { timeoutMs: 600_000, intervalMs: 200 },
      );
    } finally {
      watch.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const examplesBytes = [db, `${db}-wal`].filter(existsSync).reduce((sum, file) => sum + statSync(file).size, 0);
    return {
      load: name,
      batches: BATCHES,
      pairsAccepted: load.pairsAccepted,
      pairsDropped: load.pairsDropped,
      queueFullRetries: load.retries,
      seconds: Math.round(seconds * 10) / 10,
      rssBaselineMiB: mib(baseline),
      rssPeakMiB: mib(watch.peak()),
      rssAfterMiB: mib(rssBytes(collector.pid)),
      examplesFileMiB: mib(examplesBytes),
    };
  } finally {
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stderr.write(`soak: ${BATCHES} batches of ${BATCH_PAIRS} pairs, hostile then ordinary\n`);
  const hostile = await soak("hostile", (b) => hostileBatch(b, BATCH_PAIRS));
  const benign = await soak("ordinary", (b) => benignBatch(b, BATCH_PAIRS));
  const output = {
    measuredAt: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version, loadAverageAfter: loadAverage() },
    method: {
      collector: "`shadowdiff collector` as a child process; grpc.maxMessageBytes 4 MiB, examples.maxBytes 16 MiB, other keys at their defaults",
      load: `${BATCHES} batches of ${BATCH_PAIRS} pairs, 4 calls in flight, after ${WARM_UP_BATCHES} batches of ordinary pairs (the baseline reading); resident memory read every 200 ms until every accepted pair was compared`,
    },
    results: [hostile, benign],
    ratios: { peakHostileOverOrdinary: Math.round((hostile.rssPeakMiB / benign.rssPeakMiB) * 100) / 100 },
  };
  const row = (r: typeof hostile) =>
    `| ${r.load} | ${r.pairsAccepted} / ${r.pairsDropped} | ${r.seconds} s | ${r.rssBaselineMiB} MiB | ${r.rssPeakMiB} MiB | ${r.rssAfterMiB} MiB | ${r.examplesFileMiB} MiB |`;
  const markdown = [
    "## Collector memory soak (`make bench-soak`)",
    "",
    `Measured ${output.measuredAt} on ${output.machine.cores} × ${output.machine.cpu}, Node ${output.machine.node} (load average after: ${output.machine.loadAverageAfter}). ${output.method.collector}. ${output.method.load}. The hostile pairs: 8 KiB paths and queries, 300-character ids, 127 headers of 1 KiB, JSON nested 20,000 deep, 512 KiB bodies, numbers past a double's precision, a thousand new fields, a new proxy id and 8 KiB content-type on every pair, gzip bombs, statuses of 1000.`,
    "",
    "| load | pairs accepted / dropped | time | RSS before | peak RSS | RSS after | examples file |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    row(hostile),
    row(benign),
    "",
    `Peak RSS, hostile ÷ ordinary: ${output.ratios.peakHostileOverOrdinary}. test/e2e/collector-soak.test.ts runs 120 of the same hostile batches and asserts a peak under 400 MiB.`,
  ].join("\n");
  writeBenchResults(join(repoRoot(), "bench", "results", "soak.json"), output, join(repoRoot(), "BENCHMARKS.md"), "bench-soak", markdown);
  process.stdout.write(markdown + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-soak: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
