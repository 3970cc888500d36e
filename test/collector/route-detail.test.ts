import { brotliCompressSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { MismatchView } from "../../host/mismatches/mismatch-view.js";
import type { RouteDetail, Summary } from "../../host/summary/summary.js";
import { eventually } from "../../support/eventually.js";
import { ReportClient } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonPair, jsonResponse } from "../../support/wire-pairs.js";

let collector: TestCollector | undefined;
let client: ReportClient | undefined;
afterEach(async () => {
  client?.close();
  await collector?.cleanup();
});

async function started(): Promise<{ c: TestCollector; report: ReportClient }> {
  collector = await startTestCollector({ routes: { templates: ["/users/{id}"] } });
  client = new ReportClient(collector.grpcAddress);
  return { c: collector, report: client };
}

async function compared(c: TestCollector, pairs: number): Promise<void> {
  await eventually(async () => expect((await getJson<Summary>(`${c.httpUrl}/api/summary`)).body.total.pairs).toBe(pairs));
}

describe("GET /api/route?route=", () => {
  it("answers the route's summary row, every counted field, and both latency samples in ascending order", async () => {
    const { c, report } = await started();
    const latencies = [7, 3, 5, 9, 1];
    await report.reportPairs(
      latencies.map((millis, i) => jsonPair(`/users/${i}`, jsonResponse({ id: i, name: "a" }, millis), jsonResponse(i < 2 ? { id: i, name: "b", extra: 1 } : { id: i, name: "a" }, millis * 2))),
    );
    await compared(c, latencies.length);
    const summary = (await getJson<Summary>(`${c.httpUrl}/api/summary`)).body;
    const { status, body } = await getJson<RouteDetail>(`${c.httpUrl}/api/route?route=${encodeURIComponent("/users/{id}")}`);
    expect(status).toBe(200);
    expect(body.summary).toEqual(summary.routes[0]);
    expect(body.fields).toEqual([
      { field: "$.extra", kind: "added", count: 2 },
      { field: "$.name", kind: "changed", count: 2 },
    ]);
    expect(body.latency.primary).toEqual({ seen: 5, seconds: [0.001, 0.003, 0.005, 0.007, 0.009] });
    expect(body.latency.shadow).toEqual({ seen: 5, seconds: [0.002, 0.006, 0.01, 0.014, 0.018] });
  });

  it.each([
    ["no route parameter", "/api/route", 400],
    ["an empty route", "/api/route?route=", 400],
    ["a route longer than any label", `/api/route?route=${"a".repeat(10_001)}`, 400],
    ["a route with no pairs", `/api/route?route=${encodeURIComponent("<script>alert(1)</script>")}`, 404],
  ])("refuses %s with a JSON error", async (_name, path, status) => {
    const { c } = await started();
    const response = await fetch(`${c.httpUrl}${path}`);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await response.json()) as { error: string };
    expect(body.error).toMatch(/route/);
    // The caller's text is not echoed back.
    expect(body.error).not.toContain("<script>");
  });
});

describe("GET /api/mismatches/{id}: bodies with a content-encoding are decoded for reading", () => {
  const encoded = (status: number, body: Buffer, encoding: string, overrides: Record<string, unknown> = {}, contentType = "application/json") => ({
    status,
    headers: [
      { name: "content-type", value: contentType },
      { name: "content-encoding", value: encoding },
    ],
    body,
    body_size: body.length,
    truncated: false,
    latency_nanos: 1_000_000,
    ...overrides,
  });

  async function stored(c: TestCollector, report: ReportClient, primary: object, shadow: object): Promise<MismatchView> {
    await report.reportPairs([{ ...jsonPair("/users/1", jsonResponse({}, 1), jsonResponse({}, 1)), primary, targets: [{ ...shadow, name: "shadow" }] } as never]);
    const list = await eventually(async () => {
      const { body } = await getJson<{ mismatches: { id: number }[] }>(`${c.httpUrl}/api/mismatches`);
      expect(body.mismatches).toHaveLength(1);
      return body.mismatches;
    });
    return (await getJson<MismatchView>(`${c.httpUrl}/api/mismatches/${list[0]!.id}`)).body;
  }

  it("gzip and br JSON: kept decoded (so it could be redacted), and shown decoded", async () => {
    const { c, report } = await started();
    const view = await stored(c, report, encoded(200, gzipSync('{"price":10}'), "gzip"), encoded(200, brotliCompressSync('{"price":12}'), "br"));
    expect(view.comparison.body?.differences).toEqual([{ path: "$.price", kind: "changed", primary: "10", shadow: "12" }]);
    expect(view.primary).toMatchObject({ body: '{"price":10}', bodyEncoding: "utf8", bodyDecoded: true });
    expect(view.primary.decoded).toEqual({ contentEncoding: "gzip", body: '{"price":10}', bodyEncoding: "utf8", bytes: 12, cut: false });
    expect(view.shadow?.decoded).toEqual({ contentEncoding: "br", body: '{"price":12}', bodyEncoding: "utf8", bytes: 12, cut: false });
  });

  it("gzip text: the decoded text beside the stored bytes", async () => {
    const { c, report } = await started();
    const view = await stored(c, report, encoded(200, gzipSync("price 10"), "gzip", {}, "text/plain"), encoded(200, gzipSync("price 12"), "gzip", {}, "text/plain"));
    expect(view.primary.bodyEncoding).toBe("base64");
    expect(Buffer.from(view.primary.body, "base64").equals(gzipSync("price 10"))).toBe(true);
    expect(view.primary.decoded).toEqual({ contentEncoding: "gzip", body: "price 10", bodyEncoding: "utf8", bytes: 8, cut: false });
    expect(view.shadow?.decoded).toEqual({ contentEncoding: "gzip", body: "price 12", bodyEncoding: "utf8", bytes: 8, cut: false });
  });

  it("a cut gzip body: what its captured start decodes to, marked cut", async () => {
    const { c, report } = await started();
    const whole = gzipSync(JSON.stringify({ items: Array.from({ length: 400 }, (_, i) => ({ i, name: `item ${i}` })) }));
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const view = await stored(c, report, encoded(200, whole, "gzip"), encoded(503, cut, "gzip", { body_size: whole.length, truncated: true }));
    const decoded = view.shadow?.decoded;
    expect(decoded && "body" in decoded ? decoded.cut : undefined).toBe(true);
    expect(decoded && "body" in decoded ? decoded.body.startsWith('{"items":[{"i":0,"name":"item 0"}') : undefined).toBe(true);
    expect(view.primary.decoded).toMatchObject({ contentEncoding: "gzip", cut: false });
  });

  it("bytes that do not decode: the error, and the stored bytes unchanged", async () => {
    const { c, report } = await started();
    const junk = Buffer.from("not gzip at all");
    const view = await stored(c, report, encoded(200, junk, "gzip", {}, "text/plain"), encoded(500, junk, "zstd", {}, "text/plain"));
    expect(view.primary.decoded).toMatchObject({ contentEncoding: "gzip", error: expect.stringMatching(/^gzip: /) });
    expect(view.shadow?.decoded).toEqual({ contentEncoding: "zstd", error: 'zstd: unknown content-encoding "zstd"' });
    expect(view.primary.body).toBe("not gzip at all");
  });

  it("JSON that does not decode cannot be redacted: withheld, and why", async () => {
    const { c, report } = await started();
    const junk = Buffer.from("not gzip at all");
    const view = await stored(c, report, encoded(200, junk, "gzip"), encoded(500, junk, "zstd"));
    expect(view.primary).toMatchObject({ body: "", storedBytes: 0, bodyWithheld: expect.stringMatching(/could not be decoded/) });
    expect(view.shadow).toMatchObject({ body: "", storedBytes: 0, bodyWithheld: expect.stringMatching(/could not be decoded/) });
  });

  it("no content-encoding: no decoded copy", async () => {
    const { c, report } = await started();
    const view = await stored(c, report, jsonResponse({ a: 1 }, 1), jsonResponse({ a: 2 }, 1));
    expect(view.primary).not.toHaveProperty("decoded");
    expect(view.shadow).not.toHaveProperty("decoded");
  });
});
