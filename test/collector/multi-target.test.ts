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
import type { WirePair } from "../../support/report-client.js";
import { jsonResponse, multiTargetPair, shadowTarget } from "../../support/wire-pairs.js";
import type { LineVerdict } from "../../host/judge/line-judgement.js";

let collector: TestCollector | undefined;
let client: ReportClient | undefined;
afterEach(async () => {
  client?.close();
  await collector?.cleanup();
  collector = undefined;
});

async function start(): Promise<{ collector: TestCollector; client: ReportClient }> {
  collector = await startTestCollector({ routes: { templates: ["/products/{id}"] } });
  client = new ReportClient(collector.grpcAddress);
  return { collector, client };
}

/** The filter's configuration as every pair says it: a secondary on `share` of mirrored requests. */
const withShare = (pair: WirePair, share: number): WirePair => ({ ...pair, secondary_share_ppm: Math.round(share * 1_000_000) });

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

async function verdictLines(c: TestCollector): Promise<Record<string, LineVerdict>> {
  const { body } = await getJson<{ lines: LineVerdict[] }>(`${c.httpUrl}/api/verdict`);
  return Object.fromEntries(body.lines.map((line) => [line.target, line]));
}

describe("several targets and a secondary", () => {
  it("v2 fails on $.price, v3's stamped fields are cancelled by each pair's secondary, a failing target is its own mismatch", async () => {
    const { collector: c, client: reporter } = await start();
    const pairs = Array.from({ length: 40 }, (_, i) =>
      withShare(
        multiTargetPair(
          `/products/${i}`,
          product(i, 0, 10),
          { v2: product(i, 2, 12), v3: product(i, 3, 10), v4: shadowTarget({}, i % 2 === 0 ? 1 : 2, "v4") },
          product(i, 1, 10),
        ),
        1,
      ),
    );
    expect(await reporter.reportPairs(pairs, 10)).toBe(40);
    const summary = await summarized(c, 120);

    const route = summary.routes[0]!;
    expect(route.route).toBe("/products/{id}");
    const byTarget = Object.fromEntries(route.targets.map((t) => [t.target, t]));
    expect(byTarget.v3).toMatchObject({ pairs: 40, matched: 40, noiseCancelled: 40, mismatched: 0, pending: 0, inconclusive: 0, matchRatio: 1 });
    // v2's price: pending while too few secondaries say v1 never changes it, a mismatch once they do.
    const v2 = byTarget.v2!;
    expect(v2.pending + v2.mismatched).toBe(40);
    expect(v2.pending).toBeGreaterThan(0);
    expect(v2.mismatched).toBeGreaterThan(0);
    expect(v2.topFields).toEqual([{ field: "$.price", kind: "changed", count: v2.mismatched }]);
    expect(byTarget.v4).toMatchObject({ pairs: 40, mismatched: 40 });
    expect(route.noise).toMatchObject({ state: "on", secondaryShare: 1, secondaryPairs: 40 });
    expect(route.noise.fields.map((f) => [f.field, f.kind, f.noiseRate])).toEqual([
      ["$.requestId", "changed", 1],
      ["$.servedAt", "changed", 1],
      ["$.price", "changed", 0],
    ]);
    expect(route.noise.fields[2]!.targets.find((t) => t.target === "v2")).toMatchObject({ rawRate: 1, class: "regression" });

    // The verdict recounts: every pair of v2 is a mismatch now that $.price is settled.
    const lines = await verdictLines(c);
    expect(lines.v2).toMatchObject({ outcome: "fail", pairs: 40, match: { mismatched: 40, pending: 0, matched: 0 }, reasons: ["match ratio below 99.0%"] });
    expect(lines.v4).toMatchObject({ outcome: "fail", match: { mismatched: 40 } });
    // v3 matches, but 40 pairs tell nothing yet of its p95 latency.
    expect(lines.v3).toMatchObject({ outcome: "not-yet", match: { matched: 40, mismatched: 0, pending: 0 }, latency: null });
    expect(lines.v3!.reasons).toContain("latency needs 200 pairs with a secondary to estimate its p95s");

    // `shadowdiff report`: one row per route and target, then the route's noise, regressions first.
    const table = formatSummaryTable(summary).split("\n");
    expect(table).toContain("noise on /products/{id}: 40 pairs with a secondary, a secondary on 100.0% of mirrored requests");
    expect(table.findIndex((line) => line.startsWith("  $.price changed"))).toBeLessThan(table.findIndex((line) => line.startsWith("  $.requestId changed")));
    expect(table).toContain("  $.price changed: v1 differs from itself in 0.0%; targets differ in v2 100.0% (regression), v3 0.0%, v4 0.0%");
    expect(table.filter((line) => /^\/products\/\{id\}\s+v[234]\s+40\s/.test(line))).toHaveLength(3);

    const text = await metricsText(c);
    const labels = (target: string, extra: Record<string, string> = {}) => ({ route: "/products/{id}", target, ...extra });
    expect(sample(text, "shadow_comparison_total", labels("v3", { match: "true" }))).toBe(40);
    expect(sample(text, "shadow_comparison_total", labels("v2", { match: "false" }))).toBe(v2.mismatched);
    expect(sample(text, "shadowdiff_inconclusive_total", labels("v2", { reason: "noise_pending" }))).toBe(v2.pending);
    expect(sample(text, "shadowdiff_judge_comparisons", labels("v2", { class: "mismatch" }))).toBe(40);
    expect(sample(text, "shadowdiff_judge_comparisons", labels("v3", { class: "match" }))).toBe(40);
    expect(sample(text, "shadowdiff_noise_cancelled_total", labels("v3"))).toBe(40);
    expect(sample(text, "shadowdiff_noise_cancelled_total", labels("v2"))).toBe(0);
    expect(sample(text, "shadowdiff_noise_cancelled_fields_total", labels("v2", { field: "$.servedAt" }))).toBe(40);
    // The stamped fields never count as mismatching fields.
    expect(text).not.toMatch(/shadowdiff_mismatch_fields_total\{[^}]*field="\$\.servedAt"/);
    expect(sample(text, "shadowdiff_shadow_failures_total", labels("v4", { kind: "timeout" }))).toBe(20);
    expect(sample(text, "shadowdiff_shadow_failures_total", labels("v4", { kind: "reset" }))).toBe(20);
    expect(sample(text, "shadow_latency_seconds_count", labels("v3"))).toBe(40);
    expect(sample(text, "primary_latency_seconds_count", { route: "/products/{id}" })).toBe(40);
    expect(sample(text, "shadowdiff_noise_secondary_pairs", { route: "/products/{id}" })).toBe(40);
    expect(sample(text, "shadowdiff_noise_secondary_share", { route: "/products/{id}" })).toBe(1);
    expect(sample(text, "shadowdiff_noise_field_rate", { route: "/products/{id}", field: "$.requestId" })).toBe(1);

    // Every stored example knows its target; none of v3, whose pairs all matched.
    const { body } = await getJson<{ mismatches: MismatchListItem[] }>(`${c.httpUrl}/api/mismatches?limit=500`);
    expect(new Set(body.mismatches.map((m) => m.target))).toEqual(new Set(["v2", "v4"]));
    const stored = await getJson<{ mismatches: MismatchListItem[] }>(`${c.httpUrl}/api/mismatches?target=v2&route=${encodeURIComponent("/products/{id}")}`);
    expect(stored.body.mismatches).toHaveLength(40);
    const example = await getJson<MismatchView>(`${c.httpUrl}/api/mismatches/${stored.body.mismatches[0]!.id}`);
    expect(example.body).toMatchObject({ target: "v2", comparison: { noise: { cancelled: expect.arrayContaining([{ field: "$.servedAt", kind: "changed", by: "secondary" }]) } } });
    const hostile = await getJson<{ error: string }>(`${c.httpUrl}/api/mismatches?target=${"v".repeat(33)}`);
    expect(hostile).toEqual({ status: 400, body: { error: "target must be a target name of 1 to 32 characters, as /api/summary lists it" } });
  });

  it("pairs that come before the route's first secondary wait as pending, never mismatches, and are recounted once the secondaries settle their fields", async () => {
    const { collector: c, client: reporter } = await start();
    // The filter says half the requests go to the secondary, but the first pairs carry none.
    const early = Array.from({ length: 5 }, (_, i) => withShare(multiTargetPair(`/products/${i}`, product(i, 0, 10), { v2: product(i, 2, 12), v3: product(i, 3, 10) }), 0.5));
    expect(await reporter.reportPairs(early)).toBe(5);
    const first = await summarized(c, 10);
    const firstTargets = Object.fromEntries(first.routes[0]!.targets.map((t) => [t.target, t]));
    expect(firstTargets.v3).toMatchObject({ pending: 5, mismatched: 0 });
    expect(firstTargets.v2).toMatchObject({ pending: 5, mismatched: 0 });
    // Then 200 pairs, every other one with a secondary: v1 stamps its own time and id, never the price.
    const later = Array.from({ length: 200 }, (_, i) =>
      withShare(multiTargetPair(`/products/${i}`, product(i, 0, 10), { v2: product(i, 2, 12), v3: product(i, 3, 10) }, i % 2 === 0 ? product(i, 1, 10) : undefined), 0.5),
    );
    expect(await reporter.reportPairs(later, 20)).toBe(200);
    await summarized(c, 410);
    const lines = await verdictLines(c);
    // Every v3 pair, the early ones too, is a match: its stamped fields are noise by the counts.
    expect(lines.v3!.match).toMatchObject({ matched: 205, mismatched: 0, pending: 0 });
    expect(lines.v2!.match).toMatchObject({ matched: 0, mismatched: 205, pending: 0 });
    expect(lines.v2!.outcome).toBe("fail");
    expect(lines.v3!.noise).toMatchObject({ on: true, share: 0.5, secondaryPairs: 100, pendingFields: [] });
  });
});
