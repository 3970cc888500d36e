// Batches go to the collector with proxy_grpc_call when full by count or bytes, or on the tick;
// a failed report drops its batch and is counted, never retried.
import { describe, expect, it } from "vitest";
import { COLLECTOR_CLUSTER, metric, reportedPairs, requestHeaders, startFilter } from "./fixture.js";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { decodeBatch } from "./capture.js";

function completePair(host: ProxyWasmHost, id: string, body = "{}") {
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", `/items/${id}`, [["x-request-id", id]]), true);
  stream.responseHeaders([[":status", "200"]], false);
  stream.responseBody(new TextEncoder().encode(body), true);
  stream.complete();
  const call = host.httpCalls[host.httpCalls.length - 1]!;
  host.respondHttpCall(call.token, { status: 200, body });
}

describe("export to the collector", () => {
  it("flushes when the batch holds batch_max_pairs pairs", async () => {
    const host = await startFilter({ batch_max_pairs: 3 });
    completePair(host, "1");
    completePair(host, "2");
    expect(host.grpcCalls).toHaveLength(0);
    completePair(host, "3");
    expect(host.grpcCalls).toHaveLength(1);
    expect(reportedPairs(host).map((p) => p.id)).toEqual(["1", "2", "3"]);
  });

  it("calls Collector/Report on the collector cluster with its authority and timeout", async () => {
    const host = await startFilter({ collector_timeout_ms: 1500, collector_authority: "collector.demo:9000" });
    completePair(host, "1");
    const call = host.grpcCalls[0]!;
    expect(call.cluster).toBe(COLLECTOR_CLUSTER);
    expect(call.authority).toBe("collector.demo:9000");
    expect(call.service).toBe("shadowdiff.v1.Collector");
    expect(call.method).toBe("Report");
    expect(call.timeoutMs).toBe(1500);
  });

  it("uses shadowdiff-collector as the default authority", async () => {
    const host = await startFilter();
    completePair(host, "1");
    expect(host.grpcCalls[0]!.authority).toBe("shadowdiff-collector");
  });

  it("keeps each report within batch_max_bytes: a pair that would not fit starts the next one", async () => {
    const host = await startFilter({ batch_max_pairs: 1000, batch_max_bytes: 1024 });
    const body = "x".repeat(300); // a pair of two such bodies is about 700 bytes
    completePair(host, "1", body);
    expect(host.grpcCalls).toHaveLength(0);
    completePair(host, "2", body);
    expect(host.grpcCalls.map((call) => decodeBatch(call.message).map((pair) => pair.id))).toEqual([["1"]]);
    // A pair larger than the bound alone: what the batch holds leaves first, then the pair, alone.
    completePair(host, "3", "y".repeat(2000));
    expect(host.grpcCalls.map((call) => decodeBatch(call.message).map((pair) => pair.id))).toEqual([["1"], ["2"], ["3"]]);
    expect(host.grpcCalls[0]!.message.length).toBeLessThanOrEqual(1024);
    expect(host.grpcCalls[1]!.message.length).toBeLessThanOrEqual(1024);
    expect(host.grpcCalls[2]!.message.length).toBeGreaterThan(1024);
  });

  it("sends a batch that reaches batch_max_bytes at once", async () => {
    const host = await startFilter({ batch_max_pairs: 1000, batch_max_bytes: 1024 });
    completePair(host, "1", "z".repeat(600)); // about 1300 bytes: over the bound by itself
    expect(host.grpcCalls.map((call) => decodeBatch(call.message).map((pair) => pair.id))).toEqual([["1"]]);
  });

  it("flushes a non-empty batch on the tick, and nothing when empty", async () => {
    const host = await startFilter({ batch_max_pairs: 100, flush_interval_ms: 250 });
    expect(host.tickPeriodMs).toBe(250);
    host.advanceClock(250); // one tick, empty batch
    expect(host.grpcCalls).toHaveLength(0);
    completePair(host, "1");
    completePair(host, "2");
    expect(host.grpcCalls).toHaveLength(0);
    host.advanceClock(250);
    expect(reportedPairs(host).map((p) => p.id)).toEqual(["1", "2"]);
    host.advanceClock(1000); // four more ticks, nothing new to send
    expect(host.grpcCalls).toHaveLength(1);
  });

  it("counts a report Envoy refuses at once (no collector cluster) as failed, with its pairs", async () => {
    const host = await startFilter({ collector_cluster: "outbound|9000||nowhere" });
    completePair(host, "1");
    expect(metric(host, "shadowdiff.reports_failed")).toBe(1);
    expect(metric(host, "shadowdiff.pairs_dropped_report")).toBe(1);
    expect(metric(host, "shadowdiff.reports_sent")).toBe(0);
  });

  it("counts a report the collector accepted, with its pairs", async () => {
    const host = await startFilter({ batch_max_pairs: 2 });
    completePair(host, "1");
    completePair(host, "2");
    host.respondGrpc(host.grpcCalls[0]!.token, new Uint8Array([0x08, 0x02]));
    expect(metric(host, "shadowdiff.reports_sent")).toBe(1);
    expect(metric(host, "shadowdiff.pairs_sent")).toBe(2);
    expect(metric(host, "shadowdiff.reports_failed")).toBe(0);
  });

  it("drops and counts a batch whose report failed, and never retries it", async () => {
    const host = await startFilter({ batch_max_pairs: 2 });
    completePair(host, "1");
    completePair(host, "2");
    host.failGrpc(host.grpcCalls[0]!.token, 14);
    expect(metric(host, "shadowdiff.reports_failed")).toBe(1);
    expect(metric(host, "shadowdiff.pairs_dropped_report")).toBe(2);
    expect(metric(host, "shadowdiff.pairs_sent")).toBe(0);
    host.advanceClock(5000);
    host.tick();
    expect(host.grpcCalls).toHaveLength(1);
    completePair(host, "3");
    completePair(host, "4");
    expect(reportedPairs(host).map((p) => p.id)).toEqual(["1", "2", "3", "4"]);
  });
});
