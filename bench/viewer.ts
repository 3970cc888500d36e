// `make bench-viewer`: how fast the collector's page answers, with 1,000 stored examples, first
// with the collector idle and then while it takes a steady 10,000 pairs a second over gRPC. Each
// view is loaded in a fresh browser context (nothing cached) and timed from navigation to the
// view's content on screen; the endpoints the page polls are timed alone. Writes
// bench/results/viewer.json and the bench-viewer section of BENCHMARKS.md.
import { cpus } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser } from "playwright-core";
import { stringify } from "yaml";
import { launchChromium } from "../support/browser.js";
import { hasTaskset, startCollectorProcess } from "../support/collector-process.js";
import { eventually } from "../support/eventually.js";
import { repoRoot } from "../support/paths.js";
import { loadAverage } from "../support/proc.js";
import { encodeBatch, ReportClient, type WirePair } from "../support/report-client.js";
import { jsonPair, jsonResponse } from "../support/wire-pairs.js";
import { writeBenchResults } from "./lib/bench-results.js";
import { startSteadyLoad } from "./lib/steady-load.js";

const STORED_EXAMPLES = 1000;
const ROUTES = 10;
const LOAD_PAIRS_PER_SECOND = 10_000;
const LOAD_BATCH_PAIRS = 100;
const LOAD_MISMATCH_EVERY = 100;
const PAGE_LOADS = 9;
const API_CALLS = 60;
const PAGE_VIEWS = ["overview", "route", "pair"];
/** The load runs at most this long, whatever happens to the measurements. */
const MAX_LOAD_SECONDS = 300;

function pair(n: number, mismatched: boolean): WirePair {
  const body = { id: n, name: `item ${n}`, price: 10 + (n % 50), tags: ["a", "b"], stock: { count: n % 7 } };
  const shadow = mismatched ? { ...body, price: body.price + 1 } : body;
  return { ...jsonPair(`/bench/r${n % ROUTES}/items/${n}`, jsonResponse(body, 2 + (n % 5)), jsonResponse(shadow, 2 + (n % 7))), id: `bench-${n}` };
}

async function compared(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/summary`)).json()) as { total: { pairs: number } }).total.pairs;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const p95 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] as number;
};
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** What each timed load opens (a path after the collector's address) and what shows it is on screen. */
interface Views {
  [name: string]: { path: string | (() => Promise<string>); ready: string };
}

async function newestExample(url: string): Promise<{ id: number; route: string }> {
  const newest = ((await (await fetch(`${url}/api/mismatches?limit=1`)).json()) as { mismatches: { id: number; route: string }[] }).mismatches[0];
  if (newest === undefined) throw new Error("no example stored");
  return newest;
}

/**
 * Milliseconds from navigation to each view's content, each load in a fresh context, the views
 * taken in turn round after round so that they share the machine's ups and downs.
 */
async function timeViews(browser: Browser, url: string, views: Views) {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(views).map((name) => [name, []]));
  for (let round = 0; round < PAGE_LOADS; round++) {
    for (const [name, view] of Object.entries(views)) {
      const path = typeof view.path === "string" ? view.path : await view.path();
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${url}/${path}`);
      // The page's own clock starts at navigation: the time a person waits, browser start-up aside.
      const shown = await page.waitForFunction((selector) => (document.querySelector(selector) ? performance.now() : 0), view.ready);
      times[name]!.push((await shown.jsonValue()) as number);
      await context.close();
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, { medianMs: round(median(ms)), p95Ms: round(p95(ms)) }]));
}

/** Milliseconds per answer of each endpoint the page reads, one call at a time. */
async function timeEndpoints(url: string, paths: Record<string, string>) {
  const result: Record<string, { medianMs: number; p95Ms: number; bytes: number }> = {};
  for (const [name, path] of Object.entries(paths)) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < API_CALLS; i++) {
      const started = performance.now();
      const response = await fetch(`${url}${path}`);
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      bytes = (await response.arrayBuffer()).byteLength;
      times.push(performance.now() - started);
    }
    result[name] = { medianMs: round(median(times), 2), p95Ms: round(p95(times), 2), bytes };
  }
  return result;
}

async function main(): Promise<void> {
  const yaml = stringify({
    grpc: { address: "127.0.0.1:0", maxQueuedPairs: 20_000 },
    http: { address: "127.0.0.1:0" },
    examples: { path: ":memory:", maxCount: STORED_EXAMPLES },
  });
  const collector = await startCollectorProcess(yaml, { cpu: 0 });
  let browser: Browser | undefined;
  try {
    const client = new ReportClient(`127.0.0.1:${collector.grpcPort}`);
    const stored = Array.from({ length: STORED_EXAMPLES }, (_, n) => pair(n, true));
    const matching = Array.from({ length: 4 * STORED_EXAMPLES }, (_, n) => pair(STORED_EXAMPLES + n, false));
    await client.reportPairs([...matching, ...stored], 200);
    client.close();
    await eventually(async () => {
      if ((await compared(collector.url)) < stored.length + matching.length) throw new Error("pairs still on their way");
    }, { timeoutMs: 60_000 });
    const newest = await newestExample(collector.url);
    const views: Views = {
      // The floor: a text file the browser shows as it is, with none of the page's script.
      baseline: { path: "licences.txt", ready: "pre" },
      overview: { path: "#/", ready: "table.mismatches tbody tr" },
      route: { path: `#/route/${encodeURIComponent(newest.route)}`, ready: ".chart-box canvas" },
      pair: { path: async () => `#/pair/${(await newestExample(collector.url)).id}`, ready: "[data-diff-path]" },
    };
    const endpoints = async () => ({
      summary: "/api/summary",
      route: `/api/route?route=${encodeURIComponent(newest.route)}`,
      newestOnRoute: `/api/mismatches?limit=50&route=${encodeURIComponent(newest.route)}`,
      newest: "/api/mismatches?limit=20",
      pair: `/api/mismatches/${(await newestExample(collector.url)).id}`,
      page: "/",
    });

    browser = await launchChromium();
    await timeViews(browser, collector.url, views); // warm up the collector's and the browser's JIT
    const idle = { views: await timeViews(browser, collector.url, views), endpoints: await timeEndpoints(collector.url, await endpoints()) };

    const before = await compared(collector.url);
    const load = startSteadyLoad({
      grpcAddress: `127.0.0.1:${collector.grpcPort}`,
      batches: Array.from({ length: 50 }, (_, b) =>
        encodeBatch(Array.from({ length: LOAD_BATCH_PAIRS }, (_, i) => pair(1_000_000 + b * LOAD_BATCH_PAIRS + i, i % LOAD_MISMATCH_EVERY === 0))),
      ),
      batchPairs: LOAD_BATCH_PAIRS,
      pairsPerSecond: LOAD_PAIRS_PER_SECOND,
      maxSeconds: MAX_LOAD_SECONDS,
    });
    const loadStarted = performance.now();
    await sleep(2000); // the load reaches its pace before anything is timed
    const loaded = { views: await timeViews(browser, collector.url, views), endpoints: await timeEndpoints(collector.url, await endpoints()) };
    const comparedDuring = (await compared(collector.url)) - before;
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const { sent, refused } = await load.stop();
    const loadAverageAfter = loadAverage();

    const ratio = (a: number, b: number) => round(a / b, 2);
    const output = {
      measuredAt: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      method: {
        collector: `\`shadowdiff collector\` as a child process${hasTaskset() ? " pinned to CPU 0 (taskset)" : ""}, ${STORED_EXAMPLES} mismatch examples stored (its maxCount), ${ROUTES} routes`,
        views: `Debian's Chromium (headless, playwright-core), 1280×800, a fresh context per load (nothing cached); from navigation until the view's content is in the document (the page's own clock, checked every frame); median and p95 of ${PAGE_LOADS} loads per view`,
        endpoints: `median and p95 of ${API_CALLS} sequential GETs from this process`,
        load: `${LOAD_PAIRS_PER_SECOND} pairs/s asked for, in batches of ${LOAD_BATCH_PAIRS} over real gRPC, 1 in ${LOAD_MISMATCH_EVERY} mismatching, from a worker thread of this process`,
      },
      load: {
        askedPairsPerSecond: LOAD_PAIRS_PER_SECOND,
        comparedPairsPerSecond: Math.round(comparedDuring / loadSeconds),
        pairsSent: sent,
        pairsRefused: refused,
        seconds: round(loadSeconds, 1),
        loadAverageAfter,
      },
      idle,
      loaded,
      ratios: Object.fromEntries([
        ...Object.keys(idle.views).map((name) => [`view ${name}`, ratio(loaded.views[name]!.medianMs, idle.views[name]!.medianMs)]),
        ...Object.keys(idle.endpoints).map((name) => [`endpoint ${name}`, ratio(loaded.endpoints[name]!.medianMs, idle.endpoints[name]!.medianMs)]),
      ]),
      // Each view over the browser's floor (a plain text file), in the same phase and rounds.
      overBaseline: Object.fromEntries(
        PAGE_VIEWS.map((name) => [name, { idle: ratio(idle.views[name]!.medianMs, idle.views.baseline!.medianMs), loaded: ratio(loaded.views[name]!.medianMs, loaded.views.baseline!.medianMs) }]),
      ),
      goal: {
        firstViewUnderMs: 1000,
        metIdle: PAGE_VIEWS.every((name) => idle.views[name]!.p95Ms < 1000),
        metLoaded: PAGE_VIEWS.every((name) => loaded.views[name]!.p95Ms < 1000),
      },
    };
    const viewRows = Object.keys(idle.views).map((name) => {
      const over = output.overBaseline[name];
      const label = name === "baseline" ? "baseline: `/licences.txt`, no script" : `${name} view`;
      return `| ${label} | ${idle.views[name]!.medianMs} / ${idle.views[name]!.p95Ms} | ${loaded.views[name]!.medianMs} / ${loaded.views[name]!.p95Ms} | ${output.ratios[`view ${name}`]} | ${over ? `${over.idle} / ${over.loaded}` : "1 / 1"} |`;
    });
    const endpointRows = Object.entries(await endpoints()).map(
      ([name, path]) =>
        `| \`${path.length > 48 ? `${path.slice(0, 45)}…` : path}\` (${idle.endpoints[name]!.bytes} B) | ${idle.endpoints[name]!.medianMs} / ${idle.endpoints[name]!.p95Ms} | ${loaded.endpoints[name]!.medianMs} / ${loaded.endpoints[name]!.p95Ms} | ${output.ratios[`endpoint ${name}`]} | |`,
    );
    const markdown = [
      "## The page (`make bench-viewer`)",
      "",
      `Measured ${output.measuredAt} on ${output.machine.cores} × ${output.machine.cpu}, Node ${output.machine.node}. ${output.method.collector}. Views: ${output.method.views}. Endpoints: ${output.method.endpoints}. Load: ${output.method.load}; the collector compared ${output.load.comparedPairsPerSecond} pairs/s while the loaded figures were taken (${output.load.pairsRefused} pairs refused as over capacity; load average ${output.load.loadAverageAfter} after).`,
      "",
      "| what (ms, median / p95) | idle | at the load | load ÷ idle (median) | ÷ baseline (median, idle / load) |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...viewRows,
      ...endpointRows,
      "",
      `Goal, every view on screen in under ${output.goal.firstViewUnderMs} ms (p95) with ${STORED_EXAMPLES} stored examples: ${output.goal.metIdle ? "met" : "not met"} idle, ${output.goal.metLoaded ? "met" : "not met"} at the load. The baseline is the browser's own floor on this machine at that moment: a fresh context showing a text file. Ratios compare figures taken in the same run.`,
    ].join("\n");
    writeBenchResults(join(repoRoot(), "bench", "results", "viewer.json"), output, join(repoRoot(), "BENCHMARKS.md"), "bench-viewer", markdown);
    process.stdout.write(markdown + "\n");
  } finally {
    await browser?.close();
    await collector.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-viewer: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
