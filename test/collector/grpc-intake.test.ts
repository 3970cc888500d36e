import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { sample } from "../../support/prometheus-text.js";
import { encodeBatch, ReportClient } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { shadowTarget, wirePair } from "../../support/wire-pairs.js";
import { grpcReceiveLimit } from "../../host/intake/grpc-server.js";
import type { Summary } from "../../host/summary/summary.js";

let collector: TestCollector | undefined;
let client: ReportClient | undefined;

afterEach(async () => {
  client?.close();
  await collector?.cleanup();
  collector = undefined;
  client = undefined;
});

async function start(config: Parameters<typeof startTestCollector>[0] = {}) {
  collector = await startTestCollector(config);
  client = new ReportClient(collector.grpcAddress);
  return { collector, client };
}

async function metrics(c: TestCollector): Promise<string> {
  return (await fetch(`${c.httpUrl}/metrics`)).text();
}

async function summaryTotal(c: TestCollector) {
  return (await getJson<Summary>(`${c.httpUrl}/api/summary`)).body.total;
}

/** Replaces the first occurrence of `marker` in an encoded batch with bytes of the same length. */
function patch(bytes: Buffer, marker: string, replacement: number[]): Buffer {
  const at = bytes.indexOf(marker);
  if (at < 0 || replacement.length !== marker.length) throw new Error("bad patch");
  const copy = Buffer.from(bytes);
  Buffer.from(replacement).copy(copy, at);
  return copy;
}

describe("gRPC intake", () => {
  it("accepts a batch, compares it and exports the result", async () => {
    const { collector, client } = await start();
    const reply = await client.report(
      encodeBatch([
        wirePair({ id: "a" }),
        wirePair({ id: "b", targets: [shadowTarget({ status: 200, headers: [{ name: "content-type", value: "application/json" }], body: Buffer.from('{"id":42,"price":11}'), body_size: 20, latency_nanos: 1 })] }),
        wirePair({ id: "c", path: "/users/7", targets: [shadowTarget({}, 1)] }),
      ]),
    );
    expect(reply).toEqual({ accepted: 3 });
    const total = await eventually(async () => {
      const t = await summaryTotal(collector);
      expect(t.pairs).toBe(3);
      return t;
    });
    expect(total).toMatchObject({ matched: 1, mismatched: 2, inconclusive: 0 });
    const text = await metrics(collector);
    expect(sample(text, "shadow_comparison_total", { route: "/users/{id}", match: "true" })).toBe(1);
    expect(sample(text, "shadow_comparison_total", { route: "/users/{id}", match: "false" })).toBe(2);
    expect(sample(text, "shadowdiff_mismatch_fields_total", { route: "/users/{id}", field: "$.price", kind: "changed" })).toBe(1);
    expect(sample(text, "shadowdiff_shadow_failures_total", { route: "/users/{id}", kind: "timeout" })).toBe(1);
    expect(sample(text, "shadowdiff_pairs_received_total")).toBe(3);
    expect(sample(text, "shadowdiff_reports_total", { outcome: "ok" })).toBe(1);
    expect(sample(text, "primary_latency_seconds_count", { route: "/users/{id}" })).toBe(3);
    expect(sample(text, "shadow_latency_seconds_count", { route: "/users/{id}" })).toBe(2);
    expect(collector.logLines.some((line) => JSON.parse(line).msg === "pair mismatched" && JSON.parse(line).pairId === "b")).toBe(true);
  });

  const badInputs: { name: string; bytes: () => Buffer; code: grpc.status; details: RegExp; pairsDropped?: number }[] = [
    { name: "malformed protobuf", bytes: () => Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), code: grpc.status.INVALID_ARGUMENT, details: /^malformed protobuf/ },
    { name: "wrong wire type", bytes: () => Buffer.from([0x08, 0x01]), code: grpc.status.INVALID_ARGUMENT, details: /field "pairs" has wire type 0, expected 2/ },
    { name: "missing id", bytes: () => encodeBatch([wirePair({ id: "" })]), code: grpc.status.INVALID_ARGUMENT, details: /^pairs\[0\]: field "id" is missing$/, pairsDropped: 1 },
    { name: "missing primary", bytes: () => encodeBatch([wirePair(), wirePair({ id: "x", primary: undefined })]), code: grpc.status.INVALID_ARGUMENT, details: /^pairs\[1\] \(id "x"\): field "primary" is missing$/, pairsDropped: 2 },
    { name: "no target", bytes: () => encodeBatch([wirePair({ targets: [] })]), code: grpc.status.INVALID_ARGUMENT, details: /field "targets" is missing/, pairsDropped: 1 },
    { name: "missing path", bytes: () => encodeBatch([wirePair({ path: "" })]), code: grpc.status.INVALID_ARGUMENT, details: /field "path" is missing/, pairsDropped: 1 },
    { name: "status out of range", bytes: () => encodeBatch([wirePair({ primary: { status: 42 } })]), code: grpc.status.INVALID_ARGUMENT, details: /field "primary.status" must be an HTTP status from 100 to 599, got 42/, pairsDropped: 1 },
    { name: "unknown shadow failure", bytes: () => encodeBatch([wirePair({ targets: [shadowTarget({}, 9)] })]), code: grpc.status.INVALID_ARGUMENT, details: /field "targets\[0\].failure" has unknown value 9/, pairsDropped: 1 },
    {
      name: "invalid UTF-8 in a string field",
      bytes: () => patch(encodeBatch([wirePair({ path: "/users/AAAA" })]), "AAAA", [0xff, 0xfe, 0xc3, 0x28]),
      code: grpc.status.INVALID_ARGUMENT,
      details: /^field "pairs\[0\]\.path" is not valid UTF-8$/,
    },
    {
      name: "invalid UTF-8 in a header value",
      bytes: () => patch(encodeBatch([wirePair({ primary: { status: 200, headers: [{ name: "x", value: "BBBB" }] } })]), "BBBB", [0xed, 0xa0, 0x80, 0x41]),
      code: grpc.status.INVALID_ARGUMENT,
      details: /^field "pairs\[0\]\.primary\.headers\[0\]\.value" is not valid UTF-8$/,
    },
    {
      name: "oversized message",
      bytes: () => encodeBatch([wirePair({ primary: { status: 200, body: Buffer.alloc(80 * 1024, 0x61), body_size: 80 * 1024 } })]),
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: /^batch of \d+ bytes is over grpc\.maxMessageBytes \(65536\)$/,
    },
  ];

  it.each(badInputs)("answers $name with a status naming it, counts it, and keeps serving", async ({ bytes, code, details, pairsDropped }) => {
    const { collector, client } = await start({ grpc: { maxMessageBytes: 65536 } });
    const reply = await client.report(bytes());
    expect(reply.error?.code).toBe(code);
    expect(reply.error?.details).toMatch(details);
    const text = await metrics(collector);
    expect(sample(text, "shadowdiff_reports_total", { outcome: "invalid" })).toBe(1);
    if (pairsDropped !== undefined) expect(sample(text, "shadowdiff_pairs_dropped_total", { reason: "invalid" })).toBe(pairsDropped);
    expect(await client.report(encodeBatch([wirePair()]))).toEqual({ accepted: 1 });
  });

  it("creates a route's comparison and latency series at 0 when the route first appears", async () => {
    const { collector, client } = await start();
    const json = [{ name: "content-type", value: "application/json" }];
    const reply = await client.report(
      encodeBatch([
        wirePair({ id: "match", path: "/users/1" }),
        wirePair({ id: "cut", path: "/orders/9", primary: { status: 200, headers: json, body: Buffer.from('{"id":'), body_size: 20, truncated: true, latency_nanos: 1_000_000 } }),
        wirePair({ id: "failed", path: "/carts/3", targets: [shadowTarget({}, 2)] }),
      ]),
    );
    expect(reply).toEqual({ accepted: 3 });
    await eventually(async () => expect((await summaryTotal(collector)).pairs).toBe(3));
    const text = await metrics(collector);
    const comparisons = (route: string, match: string) => sample(text, "shadow_comparison_total", { route, match });
    expect([comparisons("/users/{id}", "true"), comparisons("/users/{id}", "false")]).toEqual([1, 0]);
    expect([comparisons("/orders/{id}", "true"), comparisons("/orders/{id}", "false")]).toEqual([0, 0]);
    expect([comparisons("/carts/{id}", "true"), comparisons("/carts/{id}", "false")]).toEqual([0, 1]);
    expect(sample(text, "primary_latency_seconds_count", { route: "/orders/{id}" })).toBe(1);
    expect(sample(text, "shadow_latency_seconds_count", { route: "/carts/{id}" })).toBe(0);
    expect(sample(text, "shadow_latency_seconds_bucket", { route: "/carts/{id}", le: "+Inf" })).toBe(0);
  });

  it("refuses and counts a batch several times over maxMessageBytes", async () => {
    const { collector, client } = await start({ grpc: { maxMessageBytes: 65536 } });
    const reply = await client.report(Buffer.alloc(5 * 65536, 0));
    expect(reply.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(reply.error?.details).toBe(`batch of ${5 * 65536} bytes is over grpc.maxMessageBytes (65536)`);
    expect(sample(await metrics(collector), "shadowdiff_reports_total", { outcome: "invalid" })).toBe(1);
    expect(await client.report(encodeBatch([wirePair()]))).toEqual({ accepted: 1 });
  });

  it("refuses a message over gRPC's own limit before reading it", async () => {
    const { client } = await start({ grpc: { maxMessageBytes: 65536 } });
    const reply = await client.report(Buffer.alloc(grpcReceiveLimit(65536) + 1, 0));
    expect(reply.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(reply.error?.details).toMatch(/larger than max/);
    expect(await client.report(encodeBatch([wirePair()]))).toEqual({ accepted: 1 });
  });

  it("refuses a batch that does not fit the queue with RESOURCE_EXHAUSTED, whole, and counts it", async () => {
    const { collector, client } = await start({ grpc: { maxQueuedPairs: 2 } });
    const reply = await client.report(encodeBatch([wirePair({ id: "1" }), wirePair({ id: "2" }), wirePair({ id: "3" })]));
    expect(reply.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(reply.error?.details).toMatch(/^queue full: 0 pairs waiting, batch of 3 refused/);
    const text = await metrics(collector);
    expect(sample(text, "shadowdiff_reports_total", { outcome: "exhausted" })).toBe(1);
    expect(sample(text, "shadowdiff_pairs_dropped_total", { reason: "queue_full" })).toBe(3);
    expect(await client.report(encodeBatch([wirePair({ id: "4" }), wirePair({ id: "5" })]))).toEqual({ accepted: 2 });
  });

  it("queue full under a burst: some batches refused, everything accepted is compared", async () => {
    const { collector, client } = await start({ grpc: { maxQueuedPairs: 64 } });
    const batch = encodeBatch(Array.from({ length: 32 }, (_, i) => wirePair({ id: `p${i}` })));
    const replies = await Promise.all(Array.from({ length: 20 }, () => client.report(batch)));
    const accepted = replies.reduce((sum, reply) => sum + (reply.accepted ?? 0), 0);
    const refused = replies.filter((reply) => reply.error?.code === grpc.status.RESOURCE_EXHAUSTED).length;
    expect(accepted + refused * 32).toBe(20 * 32);
    expect(accepted).toBeGreaterThan(0);
    await eventually(async () => expect((await summaryTotal(collector)).pairs).toBe(accepted));
    const text = await metrics(collector);
    expect(sample(text, "shadowdiff_pairs_dropped_total", { reason: "queue_full" })).toBe(refused * 32);
    expect(sample(text, "shadowdiff_queue_depth")).toBe(0);
  });

  it("serves the standard gRPC health service", async () => {
    const { collector } = await start();
    const Health = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, "Health");
    const health = new Health(collector.grpcAddress, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Check(request: { service: string }, callback: (error: grpc.ServiceError | null, reply: { status: string }) => void): void;
    };
    const check = (service: string) =>
      new Promise<{ status?: string; code?: grpc.status }>((resolve) =>
        health.Check({ service }, (error, reply) => resolve(error ? { code: error.code } : { status: reply.status })),
      );
    expect(await check("")).toEqual({ status: "SERVING" });
    expect(await check("shadowdiff.v1.Collector")).toEqual({ status: "SERVING" });
    expect(await check("nope")).toEqual({ code: grpc.status.NOT_FOUND });
    health.close();
  });

  it("on close, compares every pair already accepted before stopping", async () => {
    const { collector, client } = await start();
    const mismatching = (i: number) =>
      wirePair({ id: `m${i}`, targets: [shadowTarget({ status: 500, headers: [{ name: "content-type", value: "application/json" }], body: Buffer.from("{}"), body_size: 2, latency_nanos: 1 })] });
    const batches = Array.from({ length: 10 }, (_, b) => encodeBatch(Array.from({ length: 50 }, (_, i) => mismatching(b * 50 + i))));
    const replies = await Promise.all(batches.map((batch) => client.report(batch)));
    expect(replies.every((reply) => reply.accepted === 50)).toBe(true);
    await collector.close();
    const db = new Database(collector.dbPath, { readonly: true });
    const stored = (db.prepare("SELECT count(*) AS n FROM mismatches").get() as { n: number }).n;
    db.close();
    expect(stored).toBe(500);
    expect(collector.logLines.at(-1)).toContain('"msg":"collector stopped"');
  });
});
