// `make demo`: the sample catalog's v1 as the primary, v2 and v3 as two targets, a second v1 as
// the secondary (the noise baseline), the collector (with an intake token), and Envoy with the
// shadowdiff filter in front; requests in rounds until the canary verdict has decided every target
// (each decision says how many pairs it took); then the collector's summary and the verdict per
// route and target. One request in ten is a write (POST /orders, mirrored with its
// body; each version records it in its own store). Every version stamps a time and an id and shuffles its lists, and
// no path is ignored: the secondary is what tells that noise from a regression. v2 is wrong on
// purpose (a changed price on /products/{id}) and fails there; v3 fixes it and passes; the demo
// also shows the verdict the noise would have given without a secondary, and exits 0.
// The catalog also runs as a gRPC service (demo/grpc-catalog.ts), in the same versions behind a
// second Envoy with the same module: its GetProduct calls, sent in every round too, are mirrored
// (the plugin's grpc block) and compared field by field through the descriptor set protoc made of
// its .proto. v2 changes the price's nanos there too, and writes its fields in another order,
// which is no difference.
// With KEEP=1 (`make demo KEEP=1`) everything stays up until Ctrl-C, to look at the collector's page.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderBootstrap } from "../host/envoy/bootstrap.js";
import { DEFAULT_THRESHOLDS } from "../host/judge/line-judgement.js";
import { judge, type Verdict } from "../host/judge/verdict.js";
import { verdictFromCollector } from "../host/verdict/collector-source.js";
import { renderTable } from "../host/verdict/report.js";
import { startCollectorProcess, type CollectorProcess } from "../support/collector-process.js";
import { startEnvoy, type EnvoyProcess } from "../support/envoy-process.js";
import { eventually } from "../support/eventually.js";
import { bodiesFilterWasmPath, catalogDescriptorSetPath } from "../support/paths.js";
import { startCatalogProcess, startGrpcCatalogProcess } from "./catalog-process.js";
import { CatalogTypes, GET_PRODUCT } from "./grpc-catalog.js";
import { sendGrpcTraffic } from "./grpc-traffic.js";
import { Cleanup } from "./cleanup.js";
import { decisionOf, fetchSummary, formatSummary, withoutSecondary, type Decision } from "./summary.js";
import { sendTraffic } from "./traffic.js";

/** Requests per round; after each, the verdict is asked again, until it decides every target. */
const ROUND = 1000;
const MAX_REQUESTS = 30_000;
const TARGETS = ["v2", "v3"] as const;
/** The share of mirrored requests also sent to the secondary (a second v1): all of them, so it carries the targets' load and is their latency baseline. */
const SECONDARY_PERCENT = 100;
const RATE_PER_SECOND = 125;
/** GetProduct calls per round, through the second Envoy: about as many as /categories gets. */
const GRPC_ROUND = 120;
const GRPC_RATE_PER_SECOND = 60;

/** No ignorePaths, no unorderedArrays: the noise is left for the secondary to tell apart. */
function collectorYaml(examplesPath: string, tokenFile: string): string {
  return [
    `grpc: { address: "127.0.0.1:0", tokenFile: ${JSON.stringify(tokenFile)} }`,
    'http: { address: "127.0.0.1:0" }',
    `compare: { headers: [content-type], descriptorSets: [${JSON.stringify(catalogDescriptorSetPath())}] }`,
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

/** Until every mirrored request is sent or dropped by both Envoys' filters and compared by the collector. */
async function waitForPairs(envoys: EnvoyProcess[], collector: CollectorProcess): Promise<void> {
  try {
    await eventually(
      async () => {
        let sent = 0;
        for (const envoy of envoys) {
          const stats = await envoy.admin.countedFilterStats("listener", { timeoutMs: 1000 });
          const accounted = stats.pairs_sent + stats.pairs_dropped_pending + stats.pairs_dropped_reset + stats.pairs_dropped_report;
          if (stats.in_flight !== 0 || accounted !== stats.requests_mirrored) throw new Error("pairs on their way");
          sent += stats.pairs_sent;
        }
        // A pair is one comparison per target.
        const compared = (await fetchSummary(collector.url)).total.pairs / TARGETS.length;
        if (compared < sent) throw new Error("pairs on their way");
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
    say("starting the sample catalog: v1 (primary), v1 again (secondary), v2 and v3 (targets)");
    const v1 = await startCatalogProcess("v1");
    cleanup.add("v1", () => v1.stop());
    const again = await startCatalogProcess("v1");
    cleanup.add("the secondary v1", () => again.stop());
    const targets = [];
    for (const name of TARGETS) {
      const target = await startCatalogProcess(name);
      cleanup.add(name, () => target.stop());
      targets.push({ name, endpoint: { port: target.port } });
    }
    say(`  v1 on :${v1.port}, again on :${again.port}, ${targets.map((t) => `${t.name} on :${t.endpoint.port}`).join(", ")}`);
    say('  every version stamps a time and an id and shuffles its lists; v2 changes "price" on /products/{id}, v3 does not');

    say("starting the collector, with an intake token");
    const dir = mkdtempSync(join(tmpdir(), "shadowdiff-demo-"));
    const token = randomBytes(24).toString("base64url");
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const collector = await startCollectorProcess(collectorYaml(join(dir, "examples.db"), tokenFile));
    cleanup.add("the collector", () => collector.stop());
    say(`  gRPC on :${collector.grpcPort}, HTTP on ${collector.url}`);

    say("starting Envoy with the shadowdiff filter");
    const envoy = await startEnvoy(
      renderBootstrap({
        primary: { port: v1.port },
        // Several targets and a secondary: the bootstrap's and the filter's `targets` and `secondary`.
        mode: {
          kind: "filter",
          targets,
          secondary: { endpoint: { port: again.port }, samplePercent: SECONDARY_PERCENT },
          collector: { port: collector.grpcPort },
          // The build that also mirrors request bodies: POST /orders goes to every target with its body.
          wasmPath: bodiesFilterWasmPath(),
          plugin: {
            sample_percent: 100,
            flush_interval_ms: 250,
            collector_token: token,
            request_bodies: { methods: ["POST"], max_bytes: 65536 },
          },
        },
        nodeId: "shadowdiff-demo",
      }),
      { concurrency: 2, keepFiles: true },
    );
    cleanup.add("Envoy", () => envoy.stop());
    say(`  listener on :${envoy.listenerPort}, admin on ${envoy.admin.url}, log in ${envoy.logPath}`);

    say("starting the gRPC catalog (v1, v1 again, v2, v3) and a second Envoy that mirrors its GetProduct calls");
    const grpcV1 = await startGrpcCatalogProcess("v1");
    cleanup.add("gRPC v1", () => grpcV1.stop());
    const grpcAgain = await startGrpcCatalogProcess("v1");
    cleanup.add("the secondary gRPC v1", () => grpcAgain.stop());
    const grpcTargets = [];
    for (const name of TARGETS) {
      const target = await startGrpcCatalogProcess(name);
      cleanup.add(`gRPC ${name}`, () => target.stop());
      grpcTargets.push({ name, endpoint: { port: target.port } });
    }
    const grpcEnvoy = await startEnvoy(
      renderBootstrap({
        primary: { port: grpcV1.port },
        mode: {
          kind: "filter",
          targets: grpcTargets,
          secondary: { endpoint: { port: grpcAgain.port }, samplePercent: SECONDARY_PERCENT },
          collector: { port: collector.grpcPort },
          wasmPath: bodiesFilterWasmPath(),
          // With a grpc block, the rendered clusters of the targets and the secondary speak HTTP/2.
          plugin: { sample_percent: 100, flush_interval_ms: 250, collector_token: token, grpc: { methods: [GET_PRODUCT] } },
        },
        nodeId: "shadowdiff-demo-grpc",
      }),
      { concurrency: 1, keepFiles: true },
    );
    cleanup.add("the gRPC Envoy", () => grpcEnvoy.stop());
    say(`  gRPC listener on :${grpcEnvoy.listenerPort} (${GET_PRODUCT}), log in ${grpcEnvoy.logPath}`);
    const getProduct = new CatalogTypes(catalogDescriptorSetPath()).getProductRequest;

    say(`sending requests through Envoy in rounds of ${ROUND} (one in ten a POST /orders), ${RATE_PER_SECOND} a second,`);
    say(`  then ${GRPC_ROUND} gRPC calls through the second Envoy, ${GRPC_RATE_PER_SECOND} a second (after the HTTP requests: two cores serve it all),`);
    say(`  asking the verdict after each round until it decides every target (at most ${MAX_REQUESTS} requests)`);
    const decided = new Map<string, Decision>();
    let sent = 0;
    let verdict: Verdict | undefined;
    while (sent < MAX_REQUESTS && decided.size < TARGETS.length) {
      const progress = progressPrinter();
      const traffic = await sendTraffic(envoy.listenerPort, ROUND, RATE_PER_SECOND, progress.update, sent);
      progress.end();
      sent += ROUND;
      if (traffic.failed > 0) say(`${traffic.failed} requests failed on the client's side`);
      const grpcTraffic = await sendGrpcTraffic(grpcEnvoy.listenerPort, getProduct, GRPC_ROUND, GRPC_RATE_PER_SECOND);
      if (grpcTraffic.failed > 0) say(`${grpcTraffic.failed} gRPC calls failed on the client's side`);
      await waitForPairs([envoy, grpcEnvoy], collector);
      verdict = await verdictFromCollector(collector.url, DEFAULT_THRESHOLDS, undefined, 5_000);
      for (const target of TARGETS) {
        const decision = decided.has(target) ? undefined : decisionOf(verdict, target);
        if (decision === undefined) continue;
        decided.set(target, decision);
        say(`  after ${sent} requests: ${target} ${decision.outcome === "fail" ? "FAILS" : "passes"}, ${decision.why}`);
      }
    }
    for (const [name, proxy] of [["Envoy", envoy], ["the gRPC Envoy", grpcEnvoy]] as const) {
      const stats = await proxy.admin.filterStats();
      say(
        `${name}: ${stats.requests_mirrored} mirrored, ${stats.shadow_ok} target answers, ${stats.pairs_sent} pairs sent, ` +
          `${stats.pairs_dropped_pending + stats.pairs_dropped_reset + stats.pairs_dropped_report} dropped`,
      );
    }

    const summary = await fetchSummary(collector.url);
    console.log(`\nper route and target (${collector.url}/api/summary):\n`);
    console.log(formatSummary(summary, verdict));
    const source = { kind: "collector", url: collector.url } as const;
    console.log("without a secondary, every noisy difference would have been a mismatch:\n");
    console.log(renderTable(judge(withoutSecondary(summary), DEFAULT_THRESHOLDS), source));
    console.log("with the secondary, noise cancelled:\n");
    if (verdict !== undefined) console.log(renderTable(verdict, source));
    const [v2, v3] = TARGETS.map((target) => decided.get(target)?.outcome ?? "not-yet");
    say(
      v2 === "fail" && v3 === "pass"
        ? "v2 is not ready for canary, as intended (its deliberate price change); v3, which fixes it, may go"
        : `v2: ${v2}, v3: ${v3}; the demo expected v2 to fail and v3 to pass`,
    );
    say(`the page, every route and every difference: ${collector.url}/`);
    if (process.env.KEEP === "1") {
      say("everything stays up until Ctrl-C (KEEP=1)");
      await cleanup.untilSignal();
      say("Ctrl-C: stopping what the demo started");
    } else {
      say("`make demo KEEP=1` keeps it all up to look at the page");
    }
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
