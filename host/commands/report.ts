import { parseArgs } from "node:util";
import type { RouteSummary, Summary } from "../summary/summary.js";

export const USAGE = `usage: shadowdiff report --collector URL [--json]
Prints the per-route comparison table of a running collector (its /api/summary, since it started),
e.g. --collector http://127.0.0.1:9464 after \`kubectl -n shadowdiff port-forward svc/shadowdiff-collector 9464\`.
`;

/** `shadowdiff report --collector URL [--json]`: the per-route table from /api/summary. */
export async function run(args: string[]): Promise<number> {
  let collectorUrl: string;
  let json: boolean;
  try {
    const { values } = parseArgs({ args, options: { collector: { type: "string" }, json: { type: "boolean", default: false } }, strict: true });
    if (values.collector === undefined) throw new Error("--collector URL is required");
    collectorUrl = values.collector;
    json = values.json ?? false;
  } catch (error) {
    process.stderr.write(`shadowdiff report: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const url = new URL("/api/summary", collectorUrl);
  let summary: Summary;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    summary = (await response.json()) as Summary;
  } catch (error) {
    process.stderr.write(`shadowdiff report: cannot read ${url.href}: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(json ? JSON.stringify(summary, null, 2) + "\n" : formatSummaryTable(summary));
  return 0;
}

const COLUMNS = ["route", "pairs", "matched", "mismatched", "inconclusive", "match ratio", "primary p95", "shadow p95", "latency ratio", "top field"];

/** A plain-text table, one row per route and a total row. */
export function formatSummaryTable(summary: Summary): string {
  const rows = [...summary.routes, summary.total].map(row);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((cells) => (cells[i] as string).length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join("  ").trimEnd();
  return [line(COLUMNS), ...rows.map(line)].join("\n") + "\n";
}

function row(route: RouteSummary): string[] {
  const top = route.topFields[0];
  return [
    route.route,
    String(route.pairs),
    String(route.matched),
    String(route.mismatched),
    String(route.inconclusive),
    route.matchRatio === null ? "-" : route.matchRatio.toFixed(4),
    seconds(route.primaryLatency.p95),
    seconds(route.shadowLatency.p95),
    route.latencyRatioP95 === null ? "-" : route.latencyRatioP95.toFixed(2),
    top ? `${top.field} (${top.kind}) ×${top.count}` : "-",
  ];
}

function seconds(value: number | null): string {
  if (value === null) return "-";
  return value < 1 ? `${(value * 1000).toFixed(1)}ms` : `${value.toFixed(2)}s`;
}
