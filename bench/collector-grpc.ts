// `make bench-collector`, gRPC part: the same product answers (about 1 KiB) compared as gRPC
// messages decoded through protoc's descriptor set (build/proto/catalog.pb) and as JSON bodies,
// in the same run: end to end through the collector (pairs per collector CPU-second, the
// collector pinned to one core) and the comparator alone in this process (pairs per CPU-second).
// The shadow writes its fields in reverse order and a fresh time and id per answer (ignored
// paths); 1% of pairs differ in the price. Writes bench/results/collector-grpc.json and the
// bench-collector-grpc section of BENCHMARKS.md.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import { create, toBinary, toJsonString, type DescMessage } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { BatchReader } from "../host/capture/batch-reader.js";
import type { Pair } from "../host/capture/pair.js";
import { Comparator } from "../host/compare/comparator.js";
import { loadDescriptorSets } from "../host/grpc/descriptor-sets.js";
import { GrpcMessages } from "../host/grpc/grpc-messages.js";
import { GET_PRODUCT } from "../demo/grpc-catalog.js";
import { hasTaskset, startCollectorProcess } from "../support/collector-process.js";
import { eventually } from "../support/eventually.js";
import { grpcFrame } from "../support/grpc-client.js";
import { catalogDescriptorSetPath, repoRoot } from "../support/paths.js";
import { cpuSeconds, loadAverage } from "../support/proc.js";
import { encodeBatch, ReportClient } from "../support/report-client.js";
import { writeBenchResults } from "./lib/bench-results.js";

const ROOT = repoRoot();
/** A whole number of batches, so every batch sent holds BATCH_PAIRS pairs. */
const DISTINCT_PAIRS = 2048;
const SENT_PAIRS = 40_960;
const BATCH_PAIRS = 64;
const IN_FLIGHT_CALLS = 4;
const MISMATCH_SHARE = 0.01;
const IGNORE_PATHS = ["$.updatedAt", "$.requestId"];
/** CPU time each approach gets in this process, over interleaved rounds. */
const IN_PROCESS_CPU_SECONDS = 2;

type Kind = "grpc" | "json";

const descriptorSet = catalogDescriptorSetPath();
const registry = loadDescriptorSets([descriptorSet]);
const Product = registry.getMessage("shop.catalog.v1.Product") as DescMessage;

function product(i: number, side: "primary" | "shadow", mismatched: boolean) {
  const id = BigInt(i);
  return create(Product, {
    id,
    name: `product ${i}`,
    price: { currency: "EUR", units: BigInt(10 + (i % 90)), nanos: side === "shadow" && mismatched ? 990_000_000 : 500_000_000 },
    tags: ["demo", "new", i % 2 === 0 ? "even" : "odd"],
    availability: 1 + (i % 2),
    attributes: { colour: "blue", size: "m", origin: "eu", material: "cotton", care: "30°" },
    updatedAt: timestampFromMs(1_700_000_000_000 + i * 1000 + (side === "shadow" ? 7 : 0)),
    requestId: `${side}-${i.toString(16)}-${"0".repeat(24)}`,
    description: `A product of the demo catalog, number ${i}. `.repeat(18),
  } as never);
}

/** `message` with its fields written last first, as the demo's v2 does. */
function reversed(message: ReturnType<typeof product>): Buffer {
  return Buffer.concat(
    Product.fields.map((field) => Buffer.from(toBinary(Product, create(Product, { [field.localName]: (message as Record<string, unknown>)[field.localName] } as never)))).reverse(),
  );
}

function wirePairs(kind: Kind) {
  const every = Math.round(1 / MISMATCH_SHARE);
  const contentType = kind === "grpc" ? "application/grpc" : "application/json";
  const headers = [{ name: "content-type", value: contentType }];
  const trailers = kind === "grpc" ? [{ name: "grpc-status", value: "0" }] : [];
  return Array.from({ length: DISTINCT_PAIRS }, (_, i) => {
    const primary = product(i, "primary", false);
    const shadow = product(i, "shadow", i % every === every - 1);
    const primaryBody = kind === "grpc" ? grpcFrame(toBinary(Product, primary)) : Buffer.from(toJsonString(Product, primary));
    const shadowBody = kind === "grpc" ? grpcFrame(reversed(shadow)) : Buffer.from(toJsonString(Product, shadow));
    return {
      id: `bench-${kind}-${i}`,
      proxy_id: "bench",
      config_version: "bench",
      method: kind === "grpc" ? "POST" : "GET",
      authority: "catalog",
      path: kind === "grpc" ? GET_PRODUCT : `/products/${i % 500}`,
      start_unix_nanos: 1_700_000_000_000_000_000,
      primary: { status: 200, headers, body: primaryBody, body_size: primaryBody.length, latency_nanos: 2_000_000, trailers },
      targets: [{ name: "shadow", status: 200, headers, body: shadowBody, body_size: shadowBody.length, latency_nanos: 2_200_000, trailers }],
      grpc: kind === "grpc",
    };
  });
}

function batchesOf(pairs: ReturnType<typeof wirePairs>): Buffer[] {
  const batches: Buffer[] = [];
  for (let start = 0; start < pairs.length; start += BATCH_PAIRS) batches.push(encodeBatch(pairs.slice(start, start + BATCH_PAIRS)));
  return batches;
}

async function compared(httpPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/api/summary`);
  return ((await response.json()) as { total: { pairs: number } }).total.pairs;
}

/** SENT_PAIRS pairs through the collector's gRPC intake, with IN_FLIGHT_CALLS calls in flight. */
async function endToEnd(kind: Kind, batches: Buffer[], dir: string) {
  const yaml = [
    "grpc: { address: 127.0.0.1:0, maxQueuedPairs: 4096, maxMessageBytes: 8388608 }",
    "http: { address: 127.0.0.1:0 }",
    `compare: { ignorePaths: ${JSON.stringify(IGNORE_PATHS)}, descriptorSets: [${JSON.stringify(descriptorSet)}] }`,
    `examples: { path: ${JSON.stringify(join(dir, `${kind}.db`))} }`,
    "",
  ].join("\n");
  const collector = await startCollectorProcess(yaml, { cpu: 0, env: { SHADOWDIFF_LOG_LEVEL: "info" } });
  try {
    const client = new ReportClient(`127.0.0.1:${collector.grpcPort}`);
    const total = Math.ceil(SENT_PAIRS / BATCH_PAIRS);
    let next = 0;
    const cpuBefore = cpuSeconds(collector.pid);
    const started = performance.now();
    const worker = async () => {
      while (next < total) {
        const batch = batches[next++ % batches.length] as Buffer;
        for (;;) {
          const { error } = await client.report(batch);
          if (!error) break;
          if (error.code !== grpc.status.RESOURCE_EXHAUSTED) throw error;
          await sleep(2);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT_CALLS }, worker));
    await eventually(async () => {
      if ((await compared(collector.httpPort)) < total * BATCH_PAIRS) throw new Error("pairs still being compared");
    }, { timeoutMs: 600_000, intervalMs: 20 });
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(collector.pid) - cpuBefore;
    client.close();
    return { pairs: total * BATCH_PAIRS, seconds, collectorCpuSeconds: cpu };
  } finally {
    await collector.stop();
  }
}

/** Comparator.compare on the decoded pairs of both kinds, interleaved rounds, CPU time per kind. */
function inProcess(pairs: Record<Kind, Pair[]>) {
  const comparator = new Comparator({ headers: ["content-type"], ignorePaths: IGNORE_PATHS, unorderedArrays: [], numericTolerance: 0, grpcMessages: new GrpcMessages(registry, [descriptorSet]) });
  const run = (kind: Kind) => pairs[kind].filter((p) => comparator.compare(p.primary, p.targets[0]!, p.grpc ? p.path : undefined).outcome !== "match").length;
  const spent: Record<Kind, number> = { grpc: 0, json: 0 };
  const counted: Record<Kind, number> = { grpc: 0, json: 0 };
  const flagged: Record<Kind, number> = { grpc: 0, json: 0 };
  run("grpc"); // warm up the JIT
  run("json");
  while (spent.grpc < IN_PROCESS_CPU_SECONDS || spent.json < IN_PROCESS_CPU_SECONDS) {
    for (const kind of ["json", "grpc"] as const) {
      const before = process.cpuUsage();
      flagged[kind] = run(kind);
      const usage = process.cpuUsage(before);
      spent[kind] += (usage.user + usage.system) / 1e6;
      counted[kind] += pairs[kind].length;
    }
  }
  return (kind: Kind) => ({ pairs: counted[kind], cpuSeconds: round(spent[kind], 2), pairsPerCpuSecond: round(counted[kind] / spent[kind]), notMatching: flagged[kind] });
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-bench-grpc-"));
  const reader = new BatchReader();
  const batches = { grpc: batchesOf(wirePairs("grpc")), json: batchesOf(wirePairs("json")) };
  const decoded = { grpc: batches.grpc.flatMap((b) => reader.read(b).pairs), json: batches.json.flatMap((b) => reader.read(b).pairs) };
  const meanBytes = (kind: Kind) => Math.round(decoded[kind].reduce((sum, p) => sum + p.primary.body.length, 0) / decoded[kind].length);
  const results: Record<Kind, unknown> = { grpc: {}, json: {} };
  const measured: Record<Kind, { e2e: Awaited<ReturnType<typeof endToEnd>> }> = {} as never;
  try {
    // JSON first, then gRPC, then again in the other order: each kind's figure is the better of two.
    for (const kind of ["json", "grpc", "grpc", "json"] as const) {
      process.stderr.write(`end to end: ${SENT_PAIRS} ${kind} pairs\n`);
      const e2e = await endToEnd(kind, batches[kind], dir);
      const previous = measured[kind]?.e2e;
      if (previous === undefined || e2e.pairs / e2e.collectorCpuSeconds > previous.pairs / previous.collectorCpuSeconds) measured[kind] = { e2e };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write("comparator alone, in this process\n");
  const alone = inProcess(decoded);
  for (const kind of ["json", "grpc"] as const) {
    const { e2e } = measured[kind];
    results[kind] = {
      meanBodyBytes: meanBytes(kind),
      endToEnd: {
        pairs: e2e.pairs,
        seconds: round(e2e.seconds, 2),
        pairsPerSecond: round(e2e.pairs / e2e.seconds),
        collectorCpuSeconds: round(e2e.collectorCpuSeconds, 2),
        pairsPerCollectorCpuSecond: round(e2e.pairs / e2e.collectorCpuSeconds),
      },
      comparatorOnly: alone(kind),
    };
  }
  const json = results.json as { endToEnd: { pairsPerCollectorCpuSecond: number }; comparatorOnly: { pairsPerCpuSecond: number } };
  const grpcResult = results.grpc as typeof json;
  const output = {
    measuredAt: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version, loadAverageAfter: loadAverage() },
    method: {
      pairs: `${DISTINCT_PAIRS} distinct product answers (shop.catalog.v1.Product, about 1 KiB), sent ${SENT_PAIRS} times per run; the shadow writes its fields in reverse order and a fresh updatedAt and requestId (ignored: ${IGNORE_PATHS.join(", ")}); ${MISMATCH_SHARE * 100}% differ in the price`,
      grpc: "gRPC pairs: length-prefixed protobuf messages, decoded through build/proto/catalog.pb (protoc) and compared as proto3 JSON",
      json: "JSON pairs: the same messages as their proto3 JSON text, compared as JSON bodies",
      collector: `\`shadowdiff collector\` as a child process${hasTaskset() ? " pinned to CPU 0 (taskset)" : ""}, ${BATCH_PAIRS} pairs a batch, ${IN_FLIGHT_CALLS} calls in flight; each kind run twice, the better run kept`,
      comparatorOnly: `Comparator.compare in this process, JSON and gRPC rounds interleaved until each had ${IN_PROCESS_CPU_SECONDS} CPU-seconds`,
    },
    results,
    ratios: {
      grpcOverJsonEndToEndPerCpuSecond: round(grpcResult.endToEnd.pairsPerCollectorCpuSecond / json.endToEnd.pairsPerCollectorCpuSecond, 2),
      grpcOverJsonComparatorPerCpuSecond: round(grpcResult.comparatorOnly.pairsPerCpuSecond / json.comparatorOnly.pairsPerCpuSecond, 2),
    },
  };
  const row = (name: string, r: any) =>
    `| ${name} | ${r.meanBodyBytes} B | ${r.endToEnd.pairsPerCollectorCpuSecond} | ${r.endToEnd.pairsPerSecond} | ${r.comparatorOnly.pairsPerCpuSecond} | ${r.comparatorOnly.notMatching} of ${DISTINCT_PAIRS} |`;
  const markdown = [
    "## Collector, gRPC messages beside JSON (`make bench-collector`)",
    "",
    `Measured ${output.measuredAt} on ${output.machine.cores} × ${output.machine.cpu}, Node ${output.machine.node}, load average ${output.machine.loadAverageAfter} after. ${output.method.pairs}. ${output.method.grpc}; ${output.method.json}. ${output.method.collector}. ${output.method.comparatorOnly}.`,
    "",
    "| pairs | body | end to end pairs per collector CPU-second | end to end pairs/s (wall) | comparator only pairs per CPU-second | not matching |",
    "| --- | --- | --- | --- | --- | --- |",
    row("JSON", results.json),
    row("gRPC, descriptor-decoded", results.grpc),
    "",
    `gRPC ÷ JSON per CPU-second: ${output.ratios.grpcOverJsonEndToEndPerCpuSecond} end to end, ${output.ratios.grpcOverJsonComparatorPerCpuSecond} for the comparator alone (figures from the same run).`,
  ].join("\n");
  writeBenchResults(join(ROOT, "bench", "results", "collector-grpc.json"), output, join(ROOT, "BENCHMARKS.md"), "bench-collector-grpc", markdown);
  process.stdout.write(markdown + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-collector (gRPC): ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
