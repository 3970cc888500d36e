// Reads PromQL with Prometheus' own grammar (@prometheus-io/lezer-promql) and lists the metric
// names an expression selects.
import { parser } from "@prometheus-io/lezer-promql";

export interface ParsedQuery {
  /** Metric names of every vector selector (`foo{...}` or `{__name__="foo"}`). */
  metricNames: string[];
  /** Label names used in selector matchers. */
  matcherLabels: string[];
  /** Character offsets where the grammar could not continue; empty when the query is valid. */
  errorsAt: number[];
}

export function parsePromQL(expr: string): ParsedQuery {
  const tree = parser.parse(expr);
  const metricNames: string[] = [];
  const matcherLabels: string[] = [];
  const errorsAt: number[] = [];
  const text = (from: number, to: number): string => expr.slice(from, to);
  tree.iterate({
    enter(node) {
      if (node.type.isError) errorsAt.push(node.from);
      if (node.name === "VectorSelector") {
        const identifier = node.node.getChild("Identifier");
        if (identifier !== null) metricNames.push(text(identifier.from, identifier.to));
      }
      if (node.name === "UnquotedLabelMatcher" || node.name === "QuotedLabelMatcher") {
        const labelName = node.node.getChild("LabelName");
        const value = node.node.getChild("StringLiteral");
        if (labelName === null) return;
        const label = text(labelName.from, labelName.to);
        if (label === "__name__" && value !== null) metricNames.push(JSON.parse(text(value.from, value.to)) as string);
        else matcherLabels.push(label);
      }
    },
  });
  return { metricNames, matcherLabels, errorsAt };
}

/** Grafana's variables, replaced by values that keep the query valid PromQL. */
export function expandGrafanaVariables(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "5m")
    .replaceAll("$__interval", "1m")
    .replaceAll("$__range", "1h")
    .replace(/\$\{?(route|target)\}?/g, ".*");
}
