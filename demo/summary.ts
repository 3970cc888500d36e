// What the demo prints after the traffic: the collector's per-route summary (the same table as
// `shadowdiff report`) and, under it, each route's most frequent mismatching fields.
import { formatSummaryTable } from "../host/commands/report.js";
import type { Summary } from "../host/summary/summary.js";

export async function fetchSummary(collectorUrl: string): Promise<Summary> {
  const response = await fetch(`${collectorUrl}/api/summary`);
  if (!response.ok) throw new Error(`shadowdiff: ${collectorUrl}/api/summary answered ${response.status}`);
  return (await response.json()) as Summary;
}

export function formatSummary(summary: Summary, fieldsPerRoute = 3): string {
  const fieldLines = summary.routes.flatMap((route) =>
    route.topFields.slice(0, fieldsPerRoute).map((field) => `  ${route.route}: ${field.field} (${field.kind}) in ${field.count} pairs`),
  );
  const fields = fieldLines.length === 0 ? "no mismatching fields\n" : `top mismatching fields:\n${fieldLines.join("\n")}\n`;
  return `${formatSummaryTable(summary)}\n${fields}`;
}
