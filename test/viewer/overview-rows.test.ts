import { describe, expect, it } from "vitest";
import type { ComparisonCounts, RouteSummary, Summary } from "../../host/summary/summary.js";
import type { RouteNoiseReport } from "../../host/noise/noise-model.js";
import { comparedSides, comparedWords } from "../../viewer/src/compared-sides.js";
import { noiseFieldsOf, overviewRows } from "../../viewer/src/overview-rows.js";

const counts = (matched: number, mismatched: number): ComparisonCounts => ({
  pairs: matched + mismatched,
  matched,
  noiseCancelled: 0,
  mismatched,
  pending: 0,
  inconclusive: 0,
  matchRatio: matched / (matched + mismatched),
  primaryLatency: { p50: 0.001, p95: 0.002 },
  shadowLatency: { p50: 0.001, p95: 0.002 },
  latencyRatioP95: 1,
  topFields: [],
});
const route = (name: string, targets: Record<string, [number, number]>): RouteSummary => {
  const rows = Object.entries(targets).map(([target, [m, x]]) => ({ target, ...counts(m, x) }));
  const matched = rows.reduce((sum, r) => sum + r.matched, 0);
  const mismatched = rows.reduce((sum, r) => sum + r.mismatched, 0);
  return { route: name, proxies: 1, ...counts(matched, mismatched), targets: rows, noise: { state: "off", secondaryShare: null, secondaryPairs: 0, fields: [] } };
};
const summary = (routes: RouteSummary[]): Summary => ({ routes, total: routes[0]! });

describe("the overview's rows", () => {
  it("one per route with the single shadow", () => {
    const rows = overviewRows(summary([route("/a", { shadow: [200, 0] })]));
    expect(rows.map((row) => [row.route, row.target])).toEqual([["/a", undefined]]);
  });

  it("one per route and target with several, each with its own counts", () => {
    const rows = overviewRows(summary([route("/p", { v2: [100, 100], v3: [200, 0] })]));
    expect(rows.map((row) => [row.route, row.target, row.matched, row.mismatched])).toEqual([
      ["/p", "v2", 100, 100],
      ["/p", "v3", 200, 0],
    ]);
  });

  it("count, per target, the fields the noise evidence calls noise, never the others", () => {
    const noise: RouteNoiseReport = {
      state: "on",
      secondaryShare: 0.5,
      secondaryPairs: 100,
      fields: [
        { field: "$.at", kind: "changed", noise: 100, noiseRate: 1, targets: [{ target: "v2", raw: 100, rawRate: 1, class: "noise" }, { target: "v3", raw: 100, rawRate: 1, class: "noise" }] },
        { field: "$.id", kind: "changed", noise: 90, noiseRate: 0.9, targets: [{ target: "v2", raw: 100, rawRate: 1, class: "noise" }, { target: "v3", raw: 3, rawRate: 0.03, class: "pending" }] },
        { field: "$.price", kind: "changed", noise: 0, noiseRate: 0, targets: [{ target: "v2", raw: 100, rawRate: 1, class: "regression" }, { target: "v3", raw: 0, rawRate: 0, class: null }] },
      ],
    };
    const rows = overviewRows(summary([{ ...route("/p", { v2: [100, 100], v3: [200, 0] }), noise }]));
    expect(rows.map((row) => [row.target, noiseFieldsOf(row)])).toEqual([
      ["v2", 2],
      ["v3", 1],
    ]);
  });
});

describe("what the page says it compares", () => {
  it("the primary, every target seen on any route, and the secondary with its share", () => {
    const withSecondary = { ...route("/p", { v3: [1, 0], v2: [1, 0] }), noise: { state: "on" as const, secondaryShare: 0.5, secondaryPairs: 7, fields: [] } };
    const sides = comparedSides(summary([route("/q", { v4: [1, 0] }), withSecondary]));
    expect(sides).toEqual({ targets: ["v2", "v3", "v4"], secondary: { share: 0.5, pairs: 7 } });
    expect(comparedWords(sides)).toBe("primary vs v2, v3, v4 · secondary (the primary's version again) on 50.0% of mirrored requests");
  });

  it("without a secondary, with the single shadow, before any pair, and from a collector that did not name targets", () => {
    expect(comparedWords(comparedSides(summary([route("/a", { shadow: [1, 0] })])))).toBe("primary vs shadow");
    expect(comparedWords({ targets: [], secondary: null })).toBe("primary vs its targets: no pair compared yet");
    const older = { ...route("/a", {}), targets: undefined } as unknown as RouteSummary;
    expect(comparedSides(summary([older]))).toEqual({ targets: ["shadow"], secondary: null });
    // A secondary seen, its share not said yet.
    expect(comparedWords({ targets: ["v2"], secondary: { share: null, pairs: 3 } })).toBe("primary vs v2 · secondary (the primary's version again)");
  });
});
