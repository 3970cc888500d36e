// The gate's verdict on the page: the same rule (host/verdict/decide.ts), applied to the same
// numbers (`measurementOf`, as `shadowdiff verdict --collector` reads /api/summary), with the same
// thresholds: its defaults, or the page address's `min-match-ratio`, `max-latency-ratio` and
// `min-pairs`, named like the command's flags.
import { checkThresholds, decide, DEFAULT_THRESHOLDS, judgeRoute, type Outcome, type RouteVerdict, type Thresholds, type Verdict } from "../../host/verdict/decide.js";
import { measurementOf, measurementsOf, type SummaryRow } from "../../host/verdict/summary-measurement.js";

export type { Outcome, RouteVerdict, Thresholds, Verdict };

const PARAMETERS = [
  ["min-match-ratio", "minMatchRatio"],
  ["max-latency-ratio", "maxLatencyRatio"],
  ["min-pairs", "minPairs"],
] as const;

/** Thresholds from a query string; problems name the parameter and its rule. */
export function thresholdsFromQuery(search: string): { thresholds: Thresholds; problems: string[] } {
  const query = new URLSearchParams(search);
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS };
  const problems: string[] = [];
  for (const [parameter, key] of PARAMETERS) {
    const text = query.get(parameter);
    if (text === null) continue;
    // Decimal digits only: Number() would also take "", " 1", "0x10" and "1e3".
    if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) {
      problems.push(`${parameter} must be a decimal number, not ${JSON.stringify(text.slice(0, 40))}`);
      continue;
    }
    thresholds[key] = Number(text);
  }
  for (const problem of checkThresholds(thresholds)) problems.push(problem.replace(/^--/, ""));
  return problems.length > 0 ? { thresholds: DEFAULT_THRESHOLDS, problems } : { thresholds, problems };
}

const WORST_FIRST: Record<Outcome, number> = { fail: 0, "not-yet": 1, pass: 2 };

/**
 * A row's verdict. A route row with several targets is as good as its worst target (each judged
 * on its own, as `shadowdiff verdict` does), and its reasons say which target.
 */
export function routeVerdict(row: SummaryRow, thresholds: Thresholds): RouteVerdict {
  const whole = judgeRoute(measurementOf(row), thresholds);
  if (row.target !== undefined || row.targets === undefined || row.targets.length < 2) return whole;
  const each = measurementsOf(row).map((measurement) => judgeRoute(measurement, thresholds));
  const worst = each.reduce((a, b) => (WORST_FIRST[b.outcome] < WORST_FIRST[a.outcome] ? b : a));
  return { ...whole, outcome: worst.outcome, reasons: each.flatMap((verdict) => verdict.reasons.map((reason) => `${verdict.target}: ${reason}`)) };
}

export function overallVerdict(rows: readonly SummaryRow[], thresholds: Thresholds): Verdict {
  return decide(rows.map(measurementOf), thresholds);
}

const ATTENTION: Record<Outcome, number> = { fail: 0, "not-yet": 1, pass: 2 };

/** What needs attention first: failing routes, then undecided ones, then by mismatches and traffic. */
export function byAttention<T extends { verdict: RouteVerdict; mismatched: number; pairs: number; route: string }>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      ATTENTION[a.verdict.outcome] - ATTENTION[b.verdict.outcome] ||
      b.mismatched - a.mismatched ||
      b.pairs - a.pairs ||
      (a.route < b.route ? -1 : a.route > b.route ? 1 : 0),
  );
}

export const OUTCOME_WORDS: Record<Outcome, string> = { pass: "pass", fail: "FAIL", "not-yet": "not yet" };
