// Every PromQL expression in the rules and the dashboard parses with Prometheus' grammar and uses
// only metrics the filter or the collector export (or series the rules record).
import { describe, expect, it } from "vitest";
import { exportedMetrics, selectableNames } from "./support/exported-metrics.js";
import { expandGrafanaVariables, parsePromQL } from "./support/promql.js";
import { dashboard, recordedNames, shippedQueries } from "./support/queries.js";

const known = new Set([...selectableNames(), ...recordedNames()]);
const knownLabels = new Set([
  ...exportedMetrics().collector.flatMap((metric) => metric.labels),
  "le",
]);

describe("PromQL shipped in istio/", () => {
  it("there are queries to check, from the rules and the dashboard", () => {
    const queries = shippedQueries();
    expect(queries.filter((q) => q.where.startsWith("rules file")).length).toBeGreaterThanOrEqual(12);
    expect(queries.filter((q) => q.where.startsWith("dashboard")).length).toBeGreaterThanOrEqual(20);
  });

  it.each(shippedQueries().map((query) => [query.where, query.expr] as const))("%s parses and uses exported metrics only", (_where, expr) => {
    const parsed = parsePromQL(expandGrafanaVariables(expr));
    expect(parsed.errorsAt).toEqual([]);
    expect(parsed.metricNames.length).toBeGreaterThan(0);
    expect(parsed.metricNames.filter((name) => !known.has(name))).toEqual([]);
    expect(parsed.matcherLabels.filter((label) => !knownLabels.has(label))).toEqual([]);
  });

  it("the dashboard's route variable reads a label the collector exports", () => {
    const route = dashboard().templating.list.find((variable) => variable.name === "route")!;
    const match = /^label_values\((\w+), (\w+)\)$/.exec((route.query as { query?: string }).query ?? "");
    expect(match).not.toBeNull();
    const metric = exportedMetrics().collector.find((m) => m.name === match![1]);
    expect(metric?.labels).toContain(match![2]);
  });

  it("the dashboard shows every metric the filter and the collector export", () => {
    const used = new Set(
      dashboard().panels.flatMap((panel) => (panel.targets ?? []).flatMap((t) => parsePromQL(expandGrafanaVariables(t.expr)).metricNames)),
    );
    const { filter, collector } = exportedMetrics();
    const missing = [...filter, ...collector]
      .filter((metric) => !(used.has(metric.name) || used.has(`${metric.name}_bucket`)))
      .map((metric) => metric.name);
    expect(missing).toEqual([]);
  });

  it("the check catches an unknown metric, an unknown label and a syntax error (it can fail)", () => {
    const typo = parsePromQL('sum(rate(shadow_comparisons_total{route="/a"}[5m]))');
    expect(typo.metricNames.filter((name) => !known.has(name))).toEqual(["shadow_comparisons_total"]);
    const byName = parsePromQL('rate({__name__="shadowdiff_pairs_droped_total"}[5m])');
    expect(byName.metricNames.filter((name) => !known.has(name))).toEqual(["shadowdiff_pairs_droped_total"]);
    const label = parsePromQL('rate(shadow_comparison_total{rout="/a"}[5m])');
    expect(label.matcherLabels.filter((l) => !knownLabels.has(l))).toEqual(["rout"]);
    expect(parsePromQL("sum(rate(shadow_comparison_total[5m])").errorsAt.length).toBeGreaterThan(0);
  });
});
