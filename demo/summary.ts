// What the demo prints after the traffic: the collector's summary (the same table as `shadowdiff
// report`: one row per route and target, then each route's noise), each route's most frequent
// mismatching fields, and what the gate would have judged without a secondary.
import { formatSummaryTable } from "../host/commands/report.js";
import type { Summary } from "../host/summary/summary.js";
import type { RouteMeasurement } from "../host/verdict/decide.js";

export async function fetchSummary(collectorUrl: string): Promise<Summary> {
  const response = await fetch(`${collectorUrl}/api/summary`);
  if (!response.ok) throw new Error(`shadowdiff: ${collectorUrl}/api/summary answered ${response.status}`);
  return (await response.json()) as Summary;
}

export function formatSummary(summary: Summary, fieldsPerRoute = 3): string {
  const fieldLines = summary.routes.flatMap((route) =>
    route.targets.flatMap((target) =>
      target.topFields.slice(0, fieldsPerRoute).map((field) => `  ${route.route} ${target.target}: ${field.field} (${field.kind}) in ${field.count} pairs`),
    ),
  );
  const fields = fieldLines.length === 0 ? "no mismatching fields\n" : `top mismatching fields:\n${fieldLines.join("\n")}\n`;
  return `${formatSummaryTable(summary)}\n${fields}`;
}

/**
 * The gate's measurements had nothing been cancelled as noise: each match whose differences were
 * all noise counted as a mismatch instead (the summary's raw counts).
 */
export function withoutSecondary(summary: Summary): RouteMeasurement[] {
  return summary.routes.flatMap((route) =>
    route.targets.map((target) => {
      const decided = target.matched + target.mismatched;
      return {
        route: route.route,
        target: target.target,
        pairs: decided,
        proxies: route.proxies,
        matchRatio: decided === 0 ? null : (target.matched - target.noiseCancelled) / decided,
        latencyRatioP95: target.latencyRatioP95,
      };
    }),
  );
}
