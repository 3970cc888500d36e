// The collector's memory and disk stay bounded whatever arrives: the built collector in its own
// process takes a bounded load of hostile pairs (support/hostile-load.ts), its resident memory
// read throughout. `make bench-soak` runs the same load for minutes and writes the figures.
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCollectorProcess, type CollectorProcess } from "../../support/collector-process.js";
import { eventually } from "../../support/eventually.js";
import { benignBatch, hostileBatch, sendLoad, type LoadResult } from "../../support/hostile-load.js";
import { rssBytes, watchRss } from "../../support/proc.js";
import { sample, sampleSum } from "../../support/prometheus-text.js";

const MiB = 1024 * 1024;
const EXAMPLES_MAX_BYTES = 16 * MiB;
/**
 * Generous: the collector idles near 80 MiB and peaked near 170 MiB under this load when it was
 * written; its queue may hold 64 MiB of batches on a slow machine.
 */
const RSS_BOUND = 400 * MiB;

let dir: string;
let collector: CollectorProcess;
let baseline: number;
let peak: number;
let load: LoadResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-soak-"));
  collector = await startCollectorProcess(
    [
      "grpc: { address: 127.0.0.1:0, maxMessageBytes: 4194304 }",
      "http: { address: 127.0.0.1:0 }",
      `examples: { path: ${join(dir, "examples.db")}, maxBytes: ${EXAMPLES_MAX_BYTES} }`,
      "",
    ].join("\n"),
  );
  await sendLoad(`127.0.0.1:${collector.grpcPort}`, 20, (b) => benignBatch(b, 8));
  baseline = rssBytes(collector.pid);
  const watch = watchRss(collector.pid);
  try {
    load = await sendLoad(`127.0.0.1:${collector.grpcPort}`, 120, (b) => hostileBatch(b, 8));
    await eventually(
      async () => {
        const summary = (await (await fetch(`${collector.url}/api/summary`)).json()) as { total: { pairs: number } };
        expect(summary.total.pairs).toBe(20 * 8 + load.pairsAccepted);
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
  } finally {
    watch.stop();
  }
  peak = watch.peak();
}, 300_000);

afterAll(async () => {
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the collector under a hostile load", () => {
  it("keeps its resident memory bounded", () => {
    process.stderr.write(`soak: baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB, ${load.pairsAccepted} pairs accepted, ${load.pairsDropped} dropped\n`);
    expect(peak).toBeLessThan(RSS_BOUND);
  });

  it("compares every pair it took and drops, by reason, the ones that break the contract", async () => {
    expect(load.pairsAccepted).toBeGreaterThan(0);
    expect(load.pairsDropped).toBeGreaterThan(0);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(sample(metrics, "shadowdiff_pairs_dropped_total", { reason: "invalid_id" })).toBeGreaterThan(0);
    expect(sample(metrics, "shadowdiff_pairs_dropped_total", { reason: "invalid_status" })).toBeGreaterThan(0);
    expect(sampleSum(metrics, "shadowdiff_inconclusive_total")).toBeGreaterThan(0);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });

  it("keeps its examples file within examples.maxBytes (and a small write-ahead log)", () => {
    const size = [join(dir, "examples.db"), join(dir, "examples.db-wal")].filter(existsSync).reduce((sum, file) => sum + statSync(file).size, 0);
    expect(size).toBeLessThan(EXAMPLES_MAX_BYTES * 1.5 + 8 * MiB);
  });
});
