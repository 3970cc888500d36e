import { afterEach, describe, expect, it } from "vitest";
import { run as report } from "../../host/commands/report.js";
import type { Summary } from "../../host/summary/summary.js";
import { eventually } from "../../support/eventually.js";
import { encodeBatch, ReportClient } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { shadowTarget, wirePair } from "../../support/wire-pairs.js";

let collector: TestCollector | undefined;
let client: ReportClient | undefined;
afterEach(async () => {
  client?.close();
  await collector?.cleanup();
});

const json = (text: string) => Buffer.from(text);
const shadowWith = (body: string, status = 200, latency = 3_000_000) => ({
  status,
  headers: [{ name: "content-type", value: "application/json" }],
  body: json(body),
  body_size: body.length,
  latency_nanos: latency,
});

async function loaded(): Promise<TestCollector> {
  collector = await startTestCollector({ compare: { ignorePaths: ["$.at"] }, routes: { templates: ["/users/{name}"] } });
  client = new ReportClient(collector.grpcAddress);
  const pairs = [
    wirePair({ id: "ok-1", path: "/users/alice" }),
    wirePair({ id: "ok-2", path: "/users/bob", targets: [shadowTarget(shadowWith('{"price":10,"id":42,"at":5}'))] }),
    wirePair({ id: "bad-1", path: "/users/carol", targets: [shadowTarget(shadowWith('{"id":42,"price":12}'))] }),
    wirePair({ id: "bad-2", path: "/orders/9", targets: [shadowTarget(shadowWith('{"id":42}', 404))] }),
    wirePair({ id: "cut-1", path: "/orders/10", targets: [shadowTarget({ ...shadowWith('{"id"'), truncated: true, body_size: 100 })] }),
  ];
  expect(await client.report(encodeBatch(pairs))).toEqual({ accepted: 5, dropped: 0 });
  await eventually(async () => expect((await getJson<Summary>(`${collector?.httpUrl}/api/summary`)).body.total.pairs).toBe(5));
  return collector;
}

describe("HTTP API", () => {
  it("/healthz, /readyz and /metrics answer", async () => {
    const c = await loaded();
    expect((await getJson(`${c.httpUrl}/healthz`)).status).toBe(200);
    expect(await getJson(`${c.httpUrl}/readyz`)).toEqual({ status: 200, body: { status: "ready" } });
    const metrics = await fetch(`${c.httpUrl}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await metrics.text();
    for (const name of [
      "shadow_comparison_total",
      "shadow_latency_seconds",
      "primary_latency_seconds",
      "shadowdiff_mismatch_fields_total",
      "shadowdiff_shadow_failures_total",
      "shadowdiff_inconclusive_total",
      "shadowdiff_pairs_received_total",
      "shadowdiff_pairs_dropped_total",
      "shadowdiff_reports_total",
      "shadowdiff_compare_seconds",
      "shadowdiff_queue_depth",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('shadowdiff_inconclusive_total{route="/orders/{id}",target="shadow",reason="truncated"} 1');
  });

  it("/api/summary has the documented shape per route and in total", async () => {
    const c = await loaded();
    const { body } = await getJson<Summary>(`${c.httpUrl}/api/summary`);
    expect(body.routes.map((r) => r.route)).toEqual(["/orders/{id}", "/users/{name}"]);
    const users = body.routes[1];
    const counts = {
      pairs: 3,
      matched: 2,
      noiseCancelled: 0,
      mismatched: 1,
      pending: 0,
      inconclusive: 0,
      matchRatio: 2 / 3,
      primaryLatency: { p50: 0.002, p95: 0.002 },
      shadowLatency: { p50: 0.003, p95: 0.003 },
      latencyRatioP95: 1.5,
      topFields: [{ field: "$.price", kind: "changed", count: 1 }],
    };
    expect(users).toEqual({
      route: "/users/{name}",
      proxies: 1,
      ...counts,
      targets: [{ target: "shadow", ...counts }],
      noise: { state: "off", secondaryShare: 0, secondaryPairs: 0, fields: [] },
    });
    expect(body.total).toMatchObject({ route: "*", pairs: 5, proxies: 1, matched: 2, mismatched: 2, inconclusive: 1, matchRatio: 0.5 });
    expect(body.total.topFields).toEqual(
      expect.arrayContaining([
        { field: "$.price", kind: "changed", count: 1 },
        { field: "status", kind: "status", count: 1 },
      ]),
    );
  });

  it("/api/summary: matchRatio and latencies are null with no data", async () => {
    collector = await startTestCollector();
    const { body } = await getJson<Summary>(`${collector.httpUrl}/api/summary`);
    expect(body).toEqual({
      routes: [],
      total: {
        route: "*",
        pairs: 0,
        proxies: 0,
        matched: 0,
        noiseCancelled: 0,
        mismatched: 0,
        pending: 0,
        inconclusive: 0,
        matchRatio: null,
        primaryLatency: { p50: null, p95: null },
        shadowLatency: { p50: null, p95: null },
        latencyRatioP95: null,
        topFields: [],
        targets: [],
        noise: { state: "off", secondaryShare: null, secondaryPairs: 0, fields: [] },
      },
      intake: { authenticated: false },
    });
  });

  it("/api/mismatches lists mismatching and inconclusive pairs newest first, filters by route, and /api/mismatches/{id} has both sides and the diff", async () => {
    const c = await loaded();
    const all = await getJson<{ mismatches: { id: number; pairId: string; route: string; outcome: string }[] }>(`${c.httpUrl}/api/mismatches`);
    expect(all.body.mismatches.map((m) => [m.pairId, m.outcome])).toEqual([
      ["cut-1", "inconclusive"],
      ["bad-2", "mismatch"],
      ["bad-1", "mismatch"],
    ]);
    const users = await getJson<{ mismatches: { id: number; pairId: string }[] }>(`${c.httpUrl}/api/mismatches?route=${encodeURIComponent("/users/{name}")}&limit=5`);
    expect(users.body.mismatches.map((m) => m.pairId)).toEqual(["bad-1"]);
    const one = await getJson<Record<string, unknown>>(`${c.httpUrl}/api/mismatches/${users.body.mismatches[0]?.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      pairId: "bad-1",
      path: "/users/carol",
      primary: { body: '{"id":42,"price":10}' },
      shadow: { body: '{"id":42,"price":12}' },
      comparison: { outcome: "mismatch", body: { differences: [{ path: "$.price", kind: "changed" }] } },
    });
    expect((await getJson(`${c.httpUrl}/api/mismatches?limit=1`)).body).toMatchObject({ mismatches: [{ pairId: "cut-1" }] });
  });

  it.each([
    ["/api/mismatches?limit=0", 400],
    ["/api/mismatches?limit=abc", 400],
    ["/api/mismatches?limit=1e3", 400],
    ["/api/mismatches?limit=0x10", 400],
    ["/api/mismatches?limit=%201", 400],
    ["/api/mismatches?limit=1%20", 400],
    ["/api/mismatches?limit=1.0", 400],
    ["/api/mismatches?limit=+5", 400],
    ["/api/mismatches?limit=-1", 400],
    ["/api/mismatches?limit=", 400],
    ["/api/mismatches?limit=1001", 400],
    ["/api/mismatches?limit=00000000000000000001", 400],
    ["/api/mismatches?limit=%EF%BC%91", 400],
    ["/api/mismatches?limit=1000", 200],
    ["/api/mismatches?limit=0005", 200],
    ["/api/mismatches/999", 404],
    ["/api/mismatches/x", 400],
    ["/api/mismatches/0x1", 400],
    ["/api/mismatches/1e0", 400],
    ["/api/mismatches/%201", 400],
    ["/api/mismatches/1.0", 400],
    ["/api/mismatches/0", 400],
    ["/api/mismatches/-1", 400],
    ["/api/mismatches/99999999999999999999", 400],
    ["/nothing", 404],
  ])("%s → %i", async (path, status) => {
    collector = await startTestCollector();
    expect((await getJson(`${collector.httpUrl}${path}`)).status).toBe(status);
  });

  it("reads a mismatch id of leading zeros as its number, and names the rule for 0x1", async () => {
    const c = await loaded();
    const [first] = (await getJson<{ mismatches: { id: number }[] }>(`${c.httpUrl}/api/mismatches?limit=1`)).body.mismatches;
    expect((await getJson<{ id: number }>(`${c.httpUrl}/api/mismatches/000${first?.id}`)).body.id).toBe(first?.id);
    expect(await getJson(`${c.httpUrl}/api/mismatches/0x1`)).toEqual({ status: 400, body: { error: "mismatch id must be a positive whole number, in decimal digits" } });
    expect(await getJson(`${c.httpUrl}/api/mismatches?limit=1e3`)).toEqual({ status: 400, body: { error: "limit must be a whole number from 1 to 1000, in decimal digits" } });
  });

  it("refuses other methods", async () => {
    collector = await startTestCollector();
    expect((await fetch(`${collector.httpUrl}/api/summary`, { method: "POST" })).status).toBe(405);
  });

  it("`shadowdiff report` prints a per-route table from a running collector", async () => {
    const c = await loaded();
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      written.push(chunk);
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await report(["--collector", c.httpUrl]);
    } finally {
      process.stdout.write = original;
    }
    expect(code).toBe(0);
    const lines = written.join("").trimEnd().split("\n");
    // The verdict's outcome per row, what needs attention first, regressions before noise.
    expect(lines[0]).toMatch(/^route\s+target\s+verdict\s+pairs\s+mismatched\s+pending\s+matched\s+noise\s+inconclusive\s+match ratio\s+primary p95\s+target p95\s+latency ratio\s+top regression$/);
    expect(lines[1]).toMatch(/^\/users\/\{name\}\s+shadow\s+not yet\s+3\s+1\s+0\s+2\s+0\s+0\s+0\.6667\s+2\.0ms\s+3\.0ms\s+1\.50\s+\$\.price \(changed\) ×1$/);
    expect(lines[2]).toMatch(/^\/orders\/\{id\}\s+shadow\s+not yet\s+2\s+1\s+0\s+0\s+0\s+1\s+0\.0000\s+2\.0ms\s+3\.0ms\s+1\.50\s+\$\.price \(removed\) ×1$/);
    expect(lines[3]).toMatch(/^\*\s+\*\s+not yet\s+5\s+2\s+0\s+2\s+0\s+1\s+0\.5000/);
    expect(lines[4]).toBe("5 pairs from 1 proxy (self-reported ids; intake not authenticated: anyone who reached it could send pairs under any id)");
    // No secondary on any route: no noise to tell of.
    // Then the verdict, line by line, as `shadowdiff verdict --collector` says it.
    expect(lines[5]).toBe("");
    expect(lines[6]).toBe("the verdict, line by line (as shadowdiff verdict --collector says it):");
    expect(lines[7]).toMatch(/^route\s+target\s+pairs\s+match ratio\s+p95 latency ratio\s+verdict\s+why$/);
    expect(lines.slice(8).find((line) => line.startsWith("/orders/{id}"))).toMatch(/^\/orders\/\{id\}\s+shadow\s+1\s+0\.0% \[0\.0, \d+\.\d\]\s+-\s+not yet\s+1 of the 20 pairs the floor asks for$/);
    expect(lines.at(-1)).toMatch(/^verdict: not yet \(/);
    expect(lines.at(-2)).toBe("by target: shadow is not decided yet");
  });

  it("`shadowdiff report` exits 1 with a message when the collector cannot be reached", async () => {
    const errors: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      errors.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    let code: number;
    try {
      code = await report(["--collector", "http://127.0.0.1:1"]);
    } finally {
      process.stderr.write = original;
    }
    expect(code).toBe(1);
    expect(errors.join("")).toMatch(/cannot read http:\/\/127\.0\.0\.1:1\/api\/summary/);
  });
});
