import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { sample } from "../../support/prometheus-text.js";
import { encodeBatch, ReportClient } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { requestBody, shadowTarget, wirePair } from "../../support/wire-pairs.js";
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

/** The bytes of the tag and length in front of the first pair of a batch. */
function lengthPrefixSize(batch: Buffer): number {
  let at = 1;
  while ((batch[at] as number) >= 0x80) at++;
  return at + 1;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 128)) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return Buffer.from(bytes);
}

/** Replaces the first occurrence of `marker` in an encoded batch with bytes of the same length. */
function patch(bytes: Buffer, marker: string, replacement: number[]): Buffer {
  const at = bytes.indexOf(marker, 0, "latin1");
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
    expect(reply).toEqual({ accepted: 3, dropped: 0 });
    const total = await eventually(async () => {
      const t = await summaryTotal(collector);
      expect(t.pairs).toBe(3);
      return t;
    });
    expect(total).toMatchObject({ matched: 1, mismatched: 2, inconclusive: 0 });
    const text = await metrics(collector);
    expect(sample(text, "shadow_comparison_total", { route: "/users/{id}", target: "shadow", match: "true" })).toBe(1);
    expect(sample(text, "shadow_comparison_total", { route: "/users/{id}", target: "shadow", match: "false" })).toBe(2);
    expect(sample(text, "shadowdiff_mismatch_fields_total", { route: "/users/{id}", target: "shadow", field: "$.price", kind: "changed" })).toBe(1);
    expect(sample(text, "shadowdiff_shadow_failures_total", { route: "/users/{id}", target: "shadow", kind: "timeout" })).toBe(1);
    expect(sample(text, "shadowdiff_pairs_received_total")).toBe(3);
    expect(sample(text, "shadowdiff_reports_total", { outcome: "ok" })).toBe(1);
    expect(sample(text, "primary_latency_seconds_count", { route: "/users/{id}" })).toBe(3);
    expect(sample(text, "shadow_latency_seconds_count", { route: "/users/{id}", target: "shadow" })).toBe(2);
    expect(collector.logLines.some((line) => JSON.parse(line).msg === "pair mismatched" && JSON.parse(line).pairId === "b")).toBe(true);
  });

  // Batches that cannot be cut into pairs at all: refused whole, counted as invalid reports.
  const badBatches: { name: string; bytes: () => Buffer; code: grpc.status; details: RegExp }[] = [
    { name: "malformed protobuf", bytes: () => Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), code: grpc.status.INVALID_ARGUMENT, details: /^malformed protobuf/ },
    { name: "wrong wire type", bytes: () => Buffer.from([0x08, 0x01]), code: grpc.status.INVALID_ARGUMENT, details: /field "pairs" has wire type 0, expected 2/ },
    {
      // 100,000 groups opened and never closed: once a stack overflow inside the decoder (UNKNOWN, not counted).
      name: "groups nested 100,000 deep",
      bytes: () => Buffer.concat([encodeBatch([wirePair()]), Buffer.alloc(100_000, 0x7b)]),
      code: grpc.status.INVALID_ARGUMENT,
      details: /^malformed protobuf: truncated/,
    },
    {
      name: "oversized message",
      bytes: () => encodeBatch([wirePair({ primary: { status: 200, body: Buffer.alloc(300 * 1024, 0x61), body_size: 300 * 1024 } })]),
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: /^batch of \d+ bytes is over grpc\.maxMessageBytes \(262144\)$/,
    },
  ];

  it.each(badBatches)("answers a batch with $name with a status naming it, counts it, and keeps serving", async ({ bytes, code, details }) => {
    const { collector, client } = await start({ grpc: { maxMessageBytes: 256 * 1024 } });
    const reply = await client.report(bytes());
    expect(reply.error?.code).toBe(code);
    expect(reply.error?.details).toMatch(details);
    const text = await metrics(collector);
    expect(sample(text, "shadowdiff_reports_total", { outcome: "invalid" })).toBe(1);
    expect(await client.report(encodeBatch([wirePair()]))).toEqual({ accepted: 1, dropped: 0 });
  });

  const json = [{ name: "content-type", value: "application/json" }];
  const long = (bytes: number) => "x".repeat(bytes);
  const headerList = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `h${i}`, value: "v" }));
  // Pairs that break the contract, each dropped with its reason while its batch is taken. `bytes`
  // turns an encoded batch into the hostile one, for what an encoder would not write.
  const badPairs: { name: string; pair: Record<string, unknown>; bytes?: (batch: Buffer) => Buffer; reason: string; details: RegExp }[] = [
    { name: "a 300-character id", pair: wirePair({ id: long(300) }), reason: "invalid_id", details: /^pairs\[\d+\] \(id "x{64}…"\): field "id" is longer than 128 bytes$/ },
    { name: "a 129-byte id", pair: wirePair({ id: "é".repeat(64) + "x" }), reason: "invalid_id", details: /field "id" is longer than 128 bytes/ },
    { name: "no id", pair: wirePair({ id: "" }), reason: "invalid_id", details: /^pairs\[\d+\]: field "id" is missing$/ },
    { name: "no primary", pair: wirePair({ id: "x", primary: undefined }), reason: "invalid_field", details: /^pairs\[\d+\] \(id "x"\): field "primary" is missing$/ },
    { name: "no target", pair: wirePair({ targets: [] }), reason: "invalid_field", details: /field "targets" is missing/ },
    { name: "no path", pair: wirePair({ path: "" }), reason: "invalid_field", details: /field "path" is missing/ },
    { name: "a secondary share past 100%", pair: wirePair({ secondary_share_ppm: 1_000_001 }), reason: "invalid_field", details: /field "secondary_share_ppm" must be at most 1000000, got 1000001/ },
    { name: "status 99", pair: wirePair({ primary: { status: 99 } }), reason: "invalid_status", details: /field "primary.status" must be an HTTP status from 100 to 999, got 99/ },
    { name: "status 1000", pair: wirePair({ targets: [shadowTarget({ status: 1000 })] }), reason: "invalid_status", details: /field "targets\[0\].status" must be an HTTP status from 100 to 999, got 1000/ },
    { name: "a failed target with a status", pair: wirePair({ targets: [{ ...shadowTarget({}, 1), status: 200 }] }), reason: "invalid_status", details: /field "targets\[0\].status" must be 0 when the side failed, got 200/ },
    { name: "no target", pair: wirePair({ targets: [] }), reason: "invalid_field", details: /field "targets" is missing/ },
    {
      name: "a request body one byte past the capture limit",
      pair: wirePair({ method: "POST", request_body: requestBody(Buffer.alloc(1_048_577, 0x61)) }),
      reason: "too_large",
      details: /field "request_body\.data" is longer than 1048576 bytes/,
    },
    {
      name: "a request body's size under its data",
      pair: wirePair({ method: "POST", request_body: { data: Buffer.from('{"a":1}'), size: 3 } }),
      reason: "invalid_field",
      details: /field "request_body\.size" \(3\) is smaller than the data \(7 bytes\)/,
    },
    {
      name: "a request body cut, said to be whole",
      pair: wirePair({ method: "POST", request_body: { data: Buffer.from("abc"), size: 10, truncated: false } }),
      reason: "invalid_field",
      details: /field "request_body\.truncated" must be true for a size of 10 with 3 bytes of data/,
    },
    {
      name: "a whole request body, said to be cut",
      pair: wirePair({ method: "POST", request_body: { data: Buffer.from("abc"), size: 3, truncated: true } }),
      reason: "invalid_field",
      details: /field "request_body\.truncated" must be false for a size of 3 with 3 bytes of data/,
    },
    {
      name: "a request body of the wrong wire type",
      pair: wirePair({ method: "POST", request_body: requestBody("abc") }),
      // Pair.request_body's tag (field 16, length-delimited: 0x82 0x01) becomes field 16 as a varint.
      bytes: (batch) => patch(batch, "\x82\x01\x09\x0a\x03abc", [0x80, 0x01, 0x09, 0x0a, 0x03, 0x61, 0x62, 0x63]),
      reason: "malformed",
      details: /field "request_body" has wire type 0, expected 2/,
    },
    {
      name: "five targets",
      pair: wirePair({ targets: ["a", "b", "c", "d", "e"].map((name) => shadowTarget({ status: 200 }, 0, name)) }),
      reason: "too_large",
      details: /field "targets" has 5 entries, more than 4/,
    },
    { name: "two targets of one name", pair: wirePair({ targets: [shadowTarget({ status: 200 }, 0, "v2"), shadowTarget({ status: 200 }, 0, "v2")] }), reason: "invalid_field", details: /field "targets\[1\].name" repeats target "v2"/ },
    { name: "a target without a name", pair: wirePair({ targets: [shadowTarget({ status: 200 }, 0, "")] }), reason: "invalid_field", details: /field "targets\[0\].name" must be 1 to 32 characters of \[a-z0-9_-\], got ""/ },
    { name: "a target name that is a label injection", pair: wirePair({ targets: [shadowTarget({ status: 200 }, 0, 'v2",route="x')] }), reason: "invalid_field", details: /field "targets\[0\].name" must be 1 to 32 characters/ },
    { name: "a target name of 33 bytes", pair: wirePair({ targets: [shadowTarget({ status: 200 }, 0, "v".repeat(33))] }), reason: "invalid_field", details: /field "targets\[0\].name" must be 1 to 32 characters/ },
    { name: "a failed secondary with a status", pair: wirePair({ secondary: { ...shadowTarget({}, 2), name: "", status: 500 } }), reason: "invalid_status", details: /field "secondary.status" must be 0 when the side failed, got 500/ },
    { name: "a secondary status of 1000", pair: wirePair({ secondary: { ...shadowTarget({ status: 1000 }), name: "" } }), reason: "invalid_status", details: /field "secondary.status" must be an HTTP status from 100 to 999, got 1000/ },
    { name: "an unknown target failure", pair: wirePair({ targets: [shadowTarget({}, 9)] }), reason: "invalid_field", details: /field "targets\[0\].failure" has unknown value 9/ },
    { name: "a trace id of 33 bytes", pair: wirePair({ trace_id: "a".repeat(33) }), reason: "too_large", details: /field "trace_id" is longer than 32 bytes/ },
    { name: "a trace id in upper case", pair: wirePair({ trace_id: "4BF92F3577B34DA6A3CE929D0E0E4736" }), reason: "invalid_field", details: /field "trace_id" must be 16 or 32 lower-case hex digits, not all zero, got "4BF9/ },
    { name: "a trace id of zeros", pair: wirePair({ trace_id: "0".repeat(32) }), reason: "invalid_field", details: /field "trace_id" must be 16 or 32 lower-case hex digits/ },
    { name: "a trace id of 20 digits", pair: wirePair({ trace_id: "a".repeat(20) }), reason: "invalid_field", details: /field "trace_id" must be 16 or 32/ },
    { name: "a trace id that would break out of a URL", pair: wirePair({ trace_id: "4bf92f35/../../admin?x=" }), reason: "invalid_field", details: /field "trace_id" must be 16 or 32/ },
    { name: "a path over 8192 bytes", pair: wirePair({ path: "/" + long(8192) }), reason: "too_large", details: /field "path" is longer than 8192 bytes/ },
    { name: "65 request headers", pair: wirePair({ request_headers: headerList(65) }), reason: "too_large", details: /field "request_headers" has 65 entries, more than 64/ },
    { name: "a header value over 8192 bytes", pair: wirePair({ primary: { status: 200, headers: [{ name: "x", value: long(8193) }] } }), reason: "too_large", details: /field "primary.headers\[0\].value" is longer than 8192 bytes/ },
    { name: "65 trailers", pair: wirePair({ primary: { status: 200, headers: json, trailers: headerList(65) } }), reason: "too_large", details: /field "primary.trailers" has 65 entries, more than 64/ },
    { name: "a trailer value over 8192 bytes", pair: wirePair({ targets: [shadowTarget({ status: 200, trailers: [{ name: "grpc-message", value: long(8193) }] })] }), reason: "too_large", details: /field "targets\[0\].trailers\[0\].value" is longer than 8192 bytes/ },
    { name: "a trailer without a name", pair: wirePair({ grpc: true, primary: { status: 200, headers: json, trailers: [{ name: "", value: "0" }] } }), reason: "invalid_field", details: /field "primary.trailers\[0\].name" is missing/ },
    { name: "a trailer name over 256 bytes", pair: wirePair({ primary: { status: 200, headers: json, trailers: [{ name: long(257), value: "0" }] } }), reason: "too_large", details: /field "primary.trailers\[0\].name" is longer than 256 bytes/ },
    { name: "a body over 1 MiB", pair: wirePair({ primary: { status: 200, headers: json, body: Buffer.alloc(1_048_577), body_size: 1_048_577 } }), reason: "too_large", details: /field "primary.body" is longer than 1048576 bytes/ },
    { name: "a body_size under the body", pair: wirePair({ primary: { status: 200, body: Buffer.from("abc"), body_size: 2 } }), reason: "invalid_field", details: /field "primary.body_size" \(2\) is smaller than the body \(3 bytes\)/ },
    {
      name: "invalid UTF-8 in the path",
      pair: wirePair({ path: "/users/AAAA" }),
      bytes: (batch) => patch(batch, "AAAA", [0xff, 0xfe, 0xc3, 0x28]),
      reason: "malformed",
      details: /^pairs\[\d+\]: field "path" is not valid UTF-8$/,
    },
    {
      name: "invalid UTF-8 in a header value",
      pair: wirePair({ primary: { status: 200, headers: [{ name: "x", value: "BBBB" }] } }),
      bytes: (batch) => patch(batch, "BBBB", [0xed, 0xa0, 0x80, 0x41]),
      reason: "malformed",
      details: /field "primary\.headers\[0\]\.value" is not valid UTF-8$/,
    },
    {
      name: "grpc as a string",
      pair: wirePair({ grpc: true, method: "QQQ" }),
      // Pair.grpc (field 19, a varint: tag bytes 0x98 0x01) becomes length-delimited (0x9a 0x01).
      bytes: (batch) => patch(batch, "\x98\x01\x01", [0x9a, 0x01, 0x00]),
      reason: "malformed",
      details: /field "grpc" has wire type 2, expected 0/,
    },
    {
      name: "a wrong wire type inside the pair",
      pair: wirePair({ method: "QQQ" }),
      // The method's tag (field 4, length-delimited) becomes field 4 as a varint.
      bytes: (batch) => patch(batch, "\x22\x03QQQ", [0x20, 0x03, 0x20, 0x01, 0x20]),
      reason: "malformed",
      details: /field "method" has wire type 0, expected 2/,
    },
  ];

  it.each(badPairs)("drops a pair with $name, counts it by reason and takes its 10 neighbours", async ({ pair, bytes, reason, details }) => {
    const { collector, client } = await start({ grpc: { maxMessageBytes: 4 * 1024 * 1024 } });
    const neighbours = Array.from({ length: 10 }, (_, i) => wirePair({ id: `n${i}`, path: `/users/${i}` }));
    const batch = encodeBatch([...neighbours.slice(0, 5), pair, ...neighbours.slice(5)]);
    expect(await client.report(bytes ? bytes(batch) : batch)).toEqual({ accepted: 10, dropped: 1 });
    await eventually(async () => expect((await summaryTotal(collector)).pairs).toBe(10));
    const text = await metrics(collector);
    expect(sample(text, "shadowdiff_pairs_received_total")).toBe(11);
    expect(sample(text, "shadowdiff_pairs_dropped_total", { reason })).toBe(1);
    expect(sample(text, "shadowdiff_reports_total", { outcome: "ok" })).toBe(1);
    const warning = collector.logLines.map((line) => JSON.parse(line)).find((line) => line.msg === "pairs dropped");
    expect(warning).toMatchObject({ reason, level: "warn" });
    expect(warning.details).toMatch(details);

    // Alone in its batch: nothing to take, so the batch is refused with the pair's problem.
    const alone = encodeBatch([pair]);
    const refused = await client.report(bytes ? bytes(alone) : alone);
    expect(refused.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(refused.error?.details).toMatch(details);
    const after = await metrics(collector);
    expect(sample(after, "shadowdiff_pairs_dropped_total", { reason })).toBe(2);
    expect(sample(after, "shadowdiff_reports_total", { outcome: "invalid" })).toBe(1);
  });

  it("takes statuses up to 999, as Envoy passes them, and ids of exactly 128 bytes", async () => {
    const { collector, client } = await start();
    const reply = await client.report(
      encodeBatch([
        wirePair({ id: "é".repeat(64), primary: { status: 999, headers: json, body: Buffer.from("{}"), body_size: 2 } }),
        wirePair({ id: "b", targets: [shadowTarget({ status: 100 })] }),
        wirePair({ id: "c", path: "/" + "p".repeat(8191), request_headers: headerList(64) }),
      ]),
    );
    expect(reply).toEqual({ accepted: 3, dropped: 0 });
    await eventually(async () => expect((await summaryTotal(collector)).pairs).toBe(3));
    expect(sample(await metrics(collector), "shadow_comparison_total", { route: "/users/{id}", target: "shadow", match: "false" })).toBe(2);
  });

  it("skips an unknown group nested 100,000 deep inside a pair, as protobuf requires, and takes the pair", async () => {
    const { collector, client } = await start();
    // Field 10 (reserved, so unknown) as groups: 100,000 start tags (0x53), then their end tags (0x54).
    const groups = Buffer.concat([Buffer.alloc(100_000, 0x53), Buffer.alloc(100_000, 0x54)]);
    const pair = encodeBatch([wirePair({ id: "deep" })]);
    // Re-frame the pair with the groups appended inside it.
    const inner = Buffer.concat([pair.subarray(lengthPrefixSize(pair)), groups]);
    const framed = Buffer.concat([Buffer.from([0x0a]), varint(inner.length), inner]);
    expect(await client.report(Buffer.concat([framed, encodeBatch([wirePair({ id: "next" })])]))).toEqual({ accepted: 2, dropped: 0 });
    await eventually(async () => expect((await summaryTotal(collector)).pairs).toBe(2));
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
    expect(reply).toEqual({ accepted: 3, dropped: 0 });
    await eventually(async () => expect((await summaryTotal(collector)).pairs).toBe(3));
    const text = await metrics(collector);
    const comparisons = (route: string, match: string) => sample(text, "shadow_comparison_total", { route, target: "shadow", match });
    expect([comparisons("/users/{id}", "true"), comparisons("/users/{id}", "false")]).toEqual([1, 0]);
    expect([comparisons("/orders/{id}", "true"), comparisons("/orders/{id}", "false")]).toEqual([0, 0]);
    expect([comparisons("/carts/{id}", "true"), comparisons("/carts/{id}", "false")]).toEqual([0, 1]);
    expect(sample(text, "primary_latency_seconds_count", { route: "/orders/{id}" })).toBe(1);
    expect(sample(text, "shadow_latency_seconds_count", { route: "/carts/{id}", target: "shadow" })).toBe(0);
    expect(sample(text, "shadow_latency_seconds_bucket", { route: "/carts/{id}", target: "shadow", le: "+Inf" })).toBe(0);
  });

  it("refuses and counts a batch several times over maxMessageBytes", async () => {
    const { collector, client } = await start({ grpc: { maxMessageBytes: 65536 } });
    const reply = await client.report(Buffer.alloc(5 * 65536, 0));
    expect(reply.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(reply.error?.details).toBe(`batch of ${5 * 65536} bytes is over grpc.maxMessageBytes (65536)`);
    expect(sample(await metrics(collector), "shadowdiff_reports_total", { outcome: "invalid" })).toBe(1);
    expect(await client.report(encodeBatch([wirePair()]))).toEqual({ accepted: 1, dropped: 0 });
  });

  it("refuses a message over gRPC's own limit before reading it", async () => {
    const { client } = await start({ grpc: { maxMessageBytes: 65536 } });
    const reply = await client.report(Buffer.alloc(grpcReceiveLimit(65536) + 1, 0));
    expect(reply.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(reply.error?.details).toMatch(/larger than max/);
    expect(await client.report(encodeBatch([wirePair()]))).toEqual({ accepted: 1, dropped: 0 });
  });

  it("refuses a batch that does not fit the queue with RESOURCE_EXHAUSTED, whole, and counts it", async () => {
    const { collector, client } = await start({ grpc: { maxQueuedPairs: 2 } });
    const reply = await client.report(encodeBatch([wirePair({ id: "1" }), wirePair({ id: "2" }), wirePair({ id: "3" })]));
    expect(reply.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(reply.error?.details).toMatch(/^queue full: 0 pairs waiting, batch of 3 refused/);
    const text = await metrics(collector);
    expect(sample(text, "shadowdiff_reports_total", { outcome: "exhausted" })).toBe(1);
    expect(sample(text, "shadowdiff_pairs_dropped_total", { reason: "queue_full" })).toBe(3);
    expect(await client.report(encodeBatch([wirePair({ id: "4" }), wirePair({ id: "5" })]))).toEqual({ accepted: 2, dropped: 0 });
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
