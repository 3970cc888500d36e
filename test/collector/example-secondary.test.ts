// A stored example of a pair that had a secondary keeps the secondary's answer beside the
// target's (bounded and redacted like it) and how it differed from the primary; the collector
// serves each difference of the example as a regression, noise or not settled, and why.
import { afterEach, describe, expect, it } from "vitest";
import type { DifferenceClass } from "../../host/mismatches/difference-classes.js";
import type { MismatchListItem, MismatchView } from "../../host/mismatches/mismatch-view.js";
import { eventually } from "../../support/eventually.js";
import { ReportClient, type WirePair } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonResponse, multiTargetPair, shadowTarget } from "../../support/wire-pairs.js";

let collector: TestCollector | undefined;
let client: ReportClient | undefined;
afterEach(async () => {
  client?.close();
  await collector?.cleanup();
  collector = undefined;
});

type Example = MismatchView & { classes: DifferenceClass[] };

const withShare = (pair: WirePair, share: number): WirePair => ({ ...pair, id: `p-${pair.id}`, secondary_share_ppm: Math.round(share * 1_000_000) });
/** A product as every version stamps it: its own id on each answer; v2 also changes the price. */
const product = (i: number, side: string, price = 10, extra: object = {}) => jsonResponse({ id: i, price, requestId: `${side}-${i}`, ...extra }, 2);

async function examples(c: TestCollector, query: string): Promise<MismatchListItem[]> {
  return (await getJson<{ mismatches: MismatchListItem[] }>(`${c.httpUrl}/api/mismatches?limit=1000&${query}`)).body.mismatches;
}

async function example(c: TestCollector, pairId: string, target: string): Promise<Example> {
  const listed = (await examples(c, `target=${target}`)).find((item) => item.pairId === pairId);
  if (listed === undefined) throw new Error(`no example of ${pairId} with ${target}`);
  return (await getJson<Example>(`${c.httpUrl}/api/mismatches/${listed.id}`)).body;
}

describe("an example with its secondary", () => {
  it("keeps the secondary's body and differences, and classes each difference by the pair's secondary or by the route's counts", async () => {
    collector = await startTestCollector({ routes: { templates: ["/products/{id}"] } });
    client = new ReportClient(collector.grpcAddress);
    // Every other pair has a secondary, as with a secondary on 50%.
    const pairs = Array.from({ length: 200 }, (_, i) =>
      withShare(multiTargetPair(`/products/${i}`, product(i, "p"), { v2: product(i, "v2", 12), v3: product(i, "v3") }, i % 2 === 0 ? product(i, "s") : undefined), 0.5),
    );
    // The secondary's body holds a password, and is larger than an example keeps.
    const big = "x".repeat(200 * 1024);
    const last = withShare(multiTargetPair("/products/7", product(7, "p"), { v2: product(7, "v2", 12), v3: product(7, "v3") }, product(7, "s", 10, { password: "HUNTER2", filler: big })), 0.5);
    // A secondary that timed out: no body, no comparison, and what it failed with.
    const timedOut = withShare(multiTargetPair("/products/8", product(8, "p"), { v2: product(8, "v2", 12), v3: product(8, "v3") }, shadowTarget({}, 1)), 0.5);
    expect(await client.reportPairs([...pairs, last, timedOut], 20)).toBe(202);
    await eventually(async () => expect((await getJson<{ total: { pairs: number } }>(`${collector!.httpUrl}/api/summary`)).body.total.pairs).toBe(404));

    // A late pair with its own secondary: $.requestId is noise because that secondary differed there too.
    const withOwn = await example(collector, last.id, "v2");
    expect(withOwn.target).toBe("v2");
    // Its line in the lists leads with the regression; the noise is only counted.
    expect((await examples(collector, "target=v2")).find((item) => item.pairId === last.id)?.summary).toBe("changed $.price; 1 noise difference cancelled");
    const secondary = withOwn.secondary!;
    expect(secondary.failure).toBeNull();
    expect(secondary.comparison?.body?.differences.map((d) => d.path).sort()).toEqual(["$.filler", "$.password", "$.requestId"]);
    expect(secondary.response?.body).toContain('"requestId":"s-7"');
    expect(secondary.response?.body).toContain('"password":"[redacted]"');
    expect(JSON.stringify(withOwn)).not.toContain("HUNTER2");
    expect(secondary.response).toMatchObject({ storedBytes: 64 * 1024, bodyCut: true, bodyRedacted: true, status: 200 });
    const own = Object.fromEntries(withOwn.classes.map((each) => [each.field, each]));
    expect(own["$.requestId"]).toMatchObject({ class: "noise", by: "secondary", classOnArrival: "noise", noiseRate: 1, targetRate: 1 });
    expect(own["$.price"]).toMatchObject({ class: "regression", by: null, classOnArrival: "regression", noiseRate: 0, targetRate: 1 });

    // A late pair without a secondary: $.requestId is noise by the route's counts, v1's own rate beside it.
    const withoutOwn = await example(collector, pairs[199]!.id, "v2");
    expect(withoutOwn.secondary).toBeNull();
    expect(Object.fromEntries(withoutOwn.classes.map((each) => [each.field, [each.class, each.by, each.classOnArrival]]))).toEqual({
      "$.price": ["regression", null, "regression"],
      "$.requestId": ["noise", "counts", "noise"],
    });

    // The first pair had no secondary and nothing was settled: stored as not settled, classed as the counts say now.
    const first = await example(collector, pairs[1]!.id, "v2");
    expect(first.outcome).toBe("inconclusive");
    expect(first.comparison.noise?.pending).toEqual(expect.arrayContaining([{ field: "$.price", kind: "changed" }]));
    expect(Object.fromEntries(first.classes.map((each) => [each.field, [each.class, each.classOnArrival]]))).toEqual({
      "$.price": ["regression", "pending"],
      "$.requestId": ["noise", "pending"],
    });

    const failed = await example(collector, timedOut.id, "v2");
    expect(failed.secondary).toEqual({ response: null, failure: "timeout", comparison: null });
    // v3 differs only where v1 does: no example of it was kept once the counts settled the field.
    expect((await examples(collector, "target=v3")).every((item) => item.outcome === "inconclusive")).toBe(true);
  });
});
