// Pairs with several targets and a secondary, reported over real gRPC to a real collector: each
// target is compared and counted on its own, and noise (where v1 differs from itself) is cancelled.
import { afterEach, describe, expect, it } from "vitest";
import { formatSummaryTable } from "../../host/commands/report.js";
import type { MismatchListItem, MismatchView } from "../../host/mismatches/mismatch-view.js";
import type { Summary } from "../../host/summary/summary.js";
import { eventually } from "../../support/eventually.js";
import { sample } from "../../support/prometheus-text.js";
import { ReportClient } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonResponse, multiTargetPair, shadowTarget } from "../../support/wire-pairs.js";

let collector: TestCollector | undefined;
let client: ReportClient | undefined;
afterEach(async () => {
  client?.close();
  await collector?.cleanup();
  collector = undefined;
});

const WARMUP = 10;

async function start(): Promise<{ collector: TestCollector; client: ReportClient }> {
  collector = await startTestCollector({ noise: { warmupPairs: WARMUP }, routes: { templates: ["/products/{id}"] } });
  client = new ReportClient(collector.grpcAddress);
  return { collector, client };
}

/** A product as a service stamps it: a time and an id that differ on every answer, and a price. */
const product = (i: number, side: number, price: number) => jsonResponse({ id: i, price, servedAt: `${i}.${side}`, requestId: `r-${i}-${side}` }, 2);

async function metricsText(c: TestCollector): Promise<string> {
  return (await fetch(`${c.httpUrl}/metrics`)).text();
}

async function summarized(c: TestCollector, comparisons: number): Promise<Summary> {
  return eventually(async () => {
    const { body } = await getJson<Summary>(`${c.httpUrl}/api/summary`);
    expect(body.total.pairs).toBe(comparisons);
    return body;
  });
}

describe("several targets and a secondary", () => {
  it("v2 fails on $.price, v3 passes, the stamped fields are cancelled as noise; a failing target is its own mismatch", async () => {
    const { collector: c, client: reporter } = await start();
    const pairs = Array.from({ length: 40 }, (_, i) =>
      multiTargetPair(
        `/products/${i}`,
        product(i, 0, 10),
        { v2: product(i, 2, 12), v3: product(i, 3, 10), v4: shadowTarget({}, i % 2 === 0 ? 1 : 2, "v4") },
        product(i, 1, 10),
      ),
    );
    expect(await reporter.reportPairs(pairs, 10)).toBe(40);
    const summary = await summarized(c, 120);

    const route = summary.routes[0]!;
    expect(route.route).toBe("/products/{id}");
    const byTarget = Object.fromEntries(route.targets.map((t) => [t.target, t]));
    expect(byTarget.v3).toMatchObject({ pairs: 40, matched: 40, noiseCancelled: 40, mismatched: 0, inconclusive: 0, matchRatio: 1 });
    // v2's price: inconclusive while the route warms up (the first WARMUP - 1 pairs), a mismatch after.
    const judged = 40 - (WARMUP - 1);
    expect(byTarget.v2).toMatchObject({ pairs: 40, matched: 0, mismatched: judged, inconclusive: WARMUP - 1, topFields: [{ field: "$.price", kind: "changed", count: judged }] });
    expect(byTarget.v4).toMatchObject({ pairs: 40, mismatched: 40 });
    // Over every target, as the metrics sum without a label filter.
    expect(route).toMatchObject({ pairs: 120, matched: 40, mismatched: judged + 40, inconclusive: WARMUP - 1, noiseCancelled: 40 });
    expect(route.noise).toMatchObject({ state: "ready", secondaryPairs: 40, warmupPairs: WARMUP });
    expect(route.noise.fields.map((f) => [f.field, f.noiseRate, f.noisy])).toEqual([
      ["$.requestId", 1, true],
      ["$.servedAt", 1, true],
    ]);

    // `shadowdiff report`: one row per route and target, then what was cancelled as noise, and why.
    const table = formatSummaryTable(summary).split("\n");
    expect(table).toContain(`noise on /products/{id}: 40 pairs with a secondary`);
    expect(table).toContain("  $.requestId: v1 differs from itself in 100.0% (changed), noisy, cancelled; targets differ in v2 100.0%, v3 100.0%");
    expect(table.filter((line) => /^\/products\/\{id\}\s+v[234]\s+40\s/.test(line))).toHaveLength(3);
    expect(table.find((line) => line.startsWith("/products/{id}  v3"))).toMatch(/^\/products\/\{id\}\s+v3\s+40\s+40\s+40\s+0\s+0\s+1\.0000/);

    const text = await metricsText(c);
    const labels = (target: string, extra: Record<string, string> = {}) => ({ route: "/products/{id}", target, ...extra });
    expect(sample(text, "shadow_comparison_total", labels("v3", { match: "true" }))).toBe(40);
    expect(sample(text, "shadow_comparison_total", labels("v2", { match: "false" }))).toBe(judged);
    expect(sample(text, "shadowdiff_inconclusive_total", labels("v2", { reason: "noise_warmup" }))).toBe(WARMUP - 1);
    expect(sample(text, "shadowdiff_noise_cancelled_total", labels("v3"))).toBe(40);
    expect(sample(text, "shadowdiff_noise_cancelled_total", labels("v2"))).toBe(0);
    expect(sample(text, "shadowdiff_noise_cancelled_fields_total", labels("v2", { field: "$.servedAt" }))).toBe(40);
    expect(sample(text, "shadowdiff_mismatch_fields_total", labels("v2", { field: "$.price", kind: "changed" }))).toBe(judged);
    // The stamped fields never count as mismatching fields.
    expect(text).not.toMatch(/shadowdiff_mismatch_fields_total\{[^}]*field="\$\.servedAt"/);
    expect(sample(text, "shadowdiff_shadow_failures_total", labels("v4", { kind: "timeout" }))).toBe(20);
    expect(sample(text, "shadowdiff_shadow_failures_total", labels("v4", { kind: "reset" }))).toBe(20);
    expect(sample(text, "shadow_latency_seconds_count", labels("v3"))).toBe(40);
    expect(sample(text, "primary_latency_seconds_count", { route: "/products/{id}" })).toBe(40);
    expect(sample(text, "shadowdiff_noise_secondary_pairs", { route: "/products/{id}" })).toBe(40);
    expect(sample(text, "shadowdiff_noise_warming_up", { route: "/products/{id}" })).toBe(0);
    expect(sample(text, "shadowdiff_noise_field_rate", { route: "/products/{id}", field: "$.requestId" })).toBe(1);

    // Every stored example knows its target; none of v3, whose pairs all matched.
    const { body } = await getJson<{ mismatches: MismatchListItem[] }>(`${c.httpUrl}/api/mismatches?limit=500`);
    expect(new Set(body.mismatches.map((m) => m.target))).toEqual(new Set(["v2", "v4"]));
    const v2 = await getJson<{ mismatches: MismatchListItem[] }>(`${c.httpUrl}/api/mismatches?target=v2&route=${encodeURIComponent("/products/{id}")}`);
    expect(v2.body.mismatches).toHaveLength(40);
    const example = await getJson<MismatchView>(`${c.httpUrl}/api/mismatches/${v2.body.mismatches[0]!.id}`);
    expect(example.body).toMatchObject({ target: "v2", comparison: { outcome: "mismatch", noise: { cancelled: expect.arrayContaining([{ field: "$.servedAt", kind: "changed" }]) } } });
    expect(v2.body.mismatches[0]!.summary).toMatch(/changed \$\.price.*2 noisy fields cancelled/);
    const hostile = await getJson<{ error: string }>(`${c.httpUrl}/api/mismatches?target=${"v".repeat(33)}`);
    expect(hostile).toEqual({ status: 400, body: { error: "target must be a target name of 1 to 32 characters, as /api/summary lists it" } });
  });

  it("warm-up: until the route has enough pairs with a secondary, a difference no secondary has shown is inconclusive (noise_warmup), not a mismatch", async () => {
    const { collector: c, client: reporter } = await start();
    // Pairs without a secondary first: the route has no noise counts, and is judged as always.
    const plain = Array.from({ length: 3 }, (_, i) => multiTargetPair(`/products/${i}`, product(i, 0, 10), { v2: product(i, 2, 10) }));
    expect(await reporter.reportPairs(plain)).toBe(3);
    await summarized(c, 3);
    // Then half of the pairs carry a secondary, until the warm-up is over.
    const mixed = Array.from({ length: 2 * WARMUP }, (_, i) =>
      multiTargetPair(`/products/${i}`, product(i, 0, 10), { v2: product(i, 2, 10) }, i % 2 === 0 ? product(i, 1, 10) : undefined),
    );
    expect(await reporter.reportPairs(mixed, 1)).toBe(2 * WARMUP);
    const summary = await summarized(c, 3 + 2 * WARMUP);
    const v2 = summary.routes[0]!.targets[0]!;
    // 3 plain mismatches; during the warm-up, pairs with a secondary match (cancelled in the pair),
    // pairs without one are inconclusive; the last pair without one comes after the warm-up: a match.
    expect(v2).toMatchObject({ mismatched: 3, matched: WARMUP + 1, noiseCancelled: WARMUP + 1, inconclusive: WARMUP - 1 });
    const text = await metricsText(c);
    expect(sample(text, "shadowdiff_inconclusive_total", { route: "/products/{id}", target: "v2", reason: "noise_warmup" })).toBe(WARMUP - 1);
  });
});
