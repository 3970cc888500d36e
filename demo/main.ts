// `make demo`: the sample catalog's v1 as the primary and v2 as the shadow, the collector, and
// Envoy with the shadowdiff filter in front; a few thousand requests; then the collector's
// per-route summary and the canary verdict. v2 is wrong on purpose (a changed price on
// /products/{id}, slower answers on /users/{id}), so the demo ends with a FAIL verdict and exit 0.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderBootstrap } from "../host/envoy/bootstrap.js";
import { decide, DEFAULT_THRESHOLDS } from "../host/verdict/decide.js";
import { measurementsFromCollector } from "../host/verdict/collector-source.js";
import { renderTable } from "../host/verdict/report.js";
import { startCollectorProcess, type CollectorProcess } from "../support/collector-process.js";
import { startEnvoy, type EnvoyProcess } from "../support/envoy-process.js";
import { eventually } from "../support/eventually.js";
import { filterWasmPath } from "../support/paths.js";
import { startCatalogProcess } from "./catalog-process.js";
import { V2_USERS_DELAY_MS } from "./catalog.js";
import { Cleanup } from "./cleanup.js";
import { fetchSummary, formatSummary } from "./summary.js";
import { sendTraffic } from "./traffic.js";

const REQUESTS = 3000;
const RATE_PER_SECOND = 250;

function collectorYaml(examplesPath: string): string {
  return [
    'grpc: { address: "127.0.0.1:0" }',
    'http: { address: "127.0.0.1:0" }',
    'compare: { headers: [content-type], ignorePaths: ["$.timestamp"] }',
    'routes: { templates: ["/products/{id}", "/users/{id}"] }',
    `examples: { path: ${JSON.stringify(examplesPath)}, maxCount: 1000 }`,
    "",
  ].join("\n");
}

function say(line: string): void {
  console.log(`shadowdiff demo: ${line}`);
}

/** One progress line, rewritten in place on a terminal, printed now and then elsewhere. */
function progressPrinter(): { update(line: string): void; end(): void } {
  let lastPrinted = 0;
  let last = "";
  return {
    update(line) {
      last = line;
      if (process.stdout.isTTY) process.stdout.write(`\r  ${line}\x1b[K`);
      else if (Date.now() - lastPrinted >= 1000) {
        lastPrinted = Date.now();
        console.log(`  ${line}`);
      }
    },
    end() {
      if (process.stdout.isTTY) process.stdout.write("\n");
      else console.log(`  ${last}`);
    },
  };
}

/** Until every mirrored request is sent or dropped by the filter and compared by the collector. */
async function waitForPairs(envoy: EnvoyProcess, collector: CollectorProcess): Promise<void> {
  try {
    await eventually(
      async () => {
        const stats = await envoy.admin.countedFilterStats("listener", { timeoutMs: 1000 });
        const accounted = stats.pairs_sent + stats.pairs_dropped_pending + stats.pairs_dropped_reset + stats.pairs_dropped_report;
        const compared = (await fetchSummary(collector.url)).total.pairs;
        if (stats.in_flight !== 0 || accounted !== stats.requests_mirrored || compared < stats.pairs_sent) throw new Error("pairs on their way");
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
  } catch {
    say("some pairs were still on their way after 20 s; the summary below is what arrived");
  }
}

async function main(): Promise<number> {
  const cleanup = new Cleanup();
  cleanup.onSignals();
  try {
    say("starting the sample catalog: v1 (primary) and v2 (shadow)");
    const v1 = await startCatalogProcess("v1");
    cleanup.add("v1", () => v1.stop());
    const v2 = await startCatalogProcess("v2");
    cleanup.add("v2", () => v2.stop());
    say(`  v1 on :${v1.port}, v2 on :${v2.port} (v2 changes "price" on /products/{id}, adds ${V2_USERS_DELAY_MS} ms on /users/{id})`);

    say("starting the collector");
    const examples = join(mkdtempSync(join(tmpdir(), "shadowdiff-demo-")), "examples.db");
    const collector = await startCollectorProcess(collectorYaml(examples));
    cleanup.add("the collector", () => collector.stop());
    say(`  gRPC on :${collector.grpcPort}, HTTP on ${collector.url}`);

    say("starting Envoy with the shadowdiff filter");
    const envoy = await startEnvoy(
      renderBootstrap({
        primary: { port: v1.port },
        mode: {
          kind: "filter",
          shadow: { port: v2.port },
          collector: { port: collector.grpcPort },
          wasmPath: filterWasmPath(),
          plugin: { sample_percent: 100, flush_interval_ms: 250 },
        },
        nodeId: "shadowdiff-demo",
      }),
      { concurrency: 2, keepFiles: true },
    );
    cleanup.add("Envoy", () => envoy.stop());
    say(`  listener on :${envoy.listenerPort}, admin on ${envoy.admin.url}, log in ${envoy.logPath}`);

    say(`sending ${REQUESTS} GET requests through Envoy, ${RATE_PER_SECOND} a second`);
    const progress = progressPrinter();
    const traffic = await sendTraffic(envoy.listenerPort, REQUESTS, RATE_PER_SECOND, progress.update);
    progress.end();
    if (traffic.failed > 0) say(`${traffic.failed} requests failed on the client's side`);

    say("waiting for the last pairs to reach the collector");
    await waitForPairs(envoy, collector);
    const stats = await envoy.admin.filterStats();
    say(
      `Envoy: ${stats.requests_mirrored} mirrored, ${stats.shadow_ok} shadow answers, ${stats.pairs_sent} pairs sent, ` +
        `${stats.pairs_dropped_pending + stats.pairs_dropped_reset + stats.pairs_dropped_report} dropped`,
    );

    console.log(`\nper-route summary (${collector.url}/api/summary):\n`);
    console.log(formatSummary(await fetchSummary(collector.url)));
    const verdict = decide(await measurementsFromCollector(collector.url, 5_000), DEFAULT_THRESHOLDS);
    console.log(renderTable(verdict, { kind: "collector", url: collector.url }));
    say(
      verdict.outcome === "fail"
        ? "v2 is not ready for canary, as intended: the demo's v2 carries a deliberate regression"
        : `verdict ${verdict.outcome}; the demo's v2 was expected to fail`,
    );
    return 0;
  } finally {
    await cleanup.run();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`shadowdiff demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
