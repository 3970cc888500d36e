// What the demo prints after the traffic: the collector's summary (the same table as `shadowdiff
// report`: one row per route and target, then each route's noise), each route's most frequent
// mismatching fields, and what the gate would have judged without a secondary.
import { formatSummaryTable } from "../host/commands/report.js";
import type { Summary } from "../host/summary/summary.js";
import type { LineEvidence } from "../host/judge/line-judgement.js";
import type { EvidenceSource, Verdict } from "../host/judge/verdict.js";

export async function fetchSummary(collectorUrl: string): Promise<Summary> {
  const response = await fetch(`${collectorUrl}/api/summary`);
  if (!response.ok) throw new Error(`shadowdiff: ${collectorUrl}/api/summary answered ${response.status}`);
  return (await response.json()) as Summary;
}

/** The report's table (with the collector's verdict when given: rows in the page's order), then each line's most frequent regressions. */
export function formatSummary(summary: Summary, verdict?: Verdict, fieldsPerRoute = 3): string {
  const fieldLines = summary.routes.flatMap((route) =>
    route.targets.flatMap((target) =>
      target.topFields.slice(0, fieldsPerRoute).map((field) => `  ${route.route} ${target.target}: ${field.field} (${field.kind}) in ${field.count} pairs`),
    ),
  );
  const fields = fieldLines.length === 0 ? "no mismatching fields\n" : `top mismatching fields:\n${fieldLines.join("\n")}\n`;
  return `${formatSummaryTable(summary, verdict)}\n${fields}`;
}

/**
 * The verdict's evidence had nothing been cancelled as noise: each match whose differences were
 * all noise, and each pair waiting on a field not settled, counted as a mismatch instead (the
 * summary's counts as pairs arrived). Latency is left out: this is about the match ratio.
 */
export function withoutSecondary(summary: Summary): EvidenceSource {
  const rows = new Map(summary.routes.flatMap((route) => route.targets.map((target) => [`${route.route} ${target.target}`, { route, target }] as const)));
  return {
    lines: () => [...rows.values()].map(({ route, target }) => ({ route: route.route, target: target.target })),
    evidence: (route, target): LineEvidence => {
      const row = rows.get(`${route} ${target}`);
      const counts = row?.target;
      return {
        route,
        target,
        matched: (counts?.matched ?? 0) - (counts?.noiseCancelled ?? 0),
        mismatched: (counts?.mismatched ?? 0) + (counts?.noiseCancelled ?? 0) + (counts?.pending ?? 0),
        pending: 0,
        inconclusive: counts?.inconclusive ?? 0,
        noise: { on: false, share: null, secondaryPairs: 0, pendingFields: [] },
        latency: { secondaryConfigured: false, targetVsPrimary: null, targetVsSecondary: null, secondaryVsPrimary: null },
        proxies: row?.route.proxies ?? null,
      };
    },
    proxies: summary.total.proxies,
  };
}

/** A target's outcome once the verdict has decided it: why, and after how many pairs on which route. */
export interface Decision {
  outcome: "pass" | "fail";
  why: string;
}

/** Decided: a line of the target fails, or every one passes. Undefined while not yet. */
export function decisionOf(verdict: Verdict, target: string): Decision | undefined {
  const lines = verdict.lines.filter((line) => line.target === target);
  const failing = lines.find((line) => line.outcome === "fail");
  if (failing !== undefined) return { outcome: "fail", why: `on ${failing.route} after ${failing.pairs} pairs (${failing.reasons.join("; ")})` };
  if (lines.length === 0 || lines.some((line) => line.outcome !== "pass")) return undefined;
  const slowest = lines.reduce((a, b) => (b.pairs > a.pairs ? b : a));
  return { outcome: "pass", why: `every route passing, the last with ${slowest.pairs} pairs (${slowest.route})` };
}
