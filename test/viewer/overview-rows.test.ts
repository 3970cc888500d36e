import { describe, expect, it } from "vitest";
import type { ComparisonCounts, RouteSummary, Summary } from "../../host/summary/summary.js";
import { overviewRows } from "../../viewer/src/overview-rows.js";

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

});
