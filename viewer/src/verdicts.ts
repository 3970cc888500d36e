// The gate's verdict on the page: the collector's own (GET /api/verdict, the same code as
// `shadowdiff verdict --collector`), with the page address's settings (`confidence`,
// `min-match-ratio`, `max-latency-ratio`, `min-pairs`, `target`), named like the command's flags.
import type { LineVerdict, Outcome, Thresholds } from "../../host/judge/line-judgement.js";
import type { Verdict } from "../../host/judge/verdict.js";
import { verdictQuery } from "../../host/judge/verdict-query.js";

export type { LineVerdict, Outcome, Thresholds, Verdict };
export { OUTCOME_WORDS, latencyText, matchText, whyText } from "../../host/verdict/report.js";

/** The address's verdict settings, to send on to /api/verdict, or the problems that set them aside. */
export function settingsFromAddress(search: string): { search: string; problems: string[] } {
  const query = new URLSearchParams(search);
  const parsed = verdictQuery(query);
  return "problems" in parsed ? { search: "", problems: parsed.problems } : { search: query.toString(), problems: [] };
}

const WORST_FIRST: Record<Outcome, number> = { fail: 0, "not-yet": 1, pass: 2 };

/** The lines of a route (and target, when given): the rows' verdicts. */
export function linesOf(verdict: Verdict | undefined, route: string, target?: string): LineVerdict[] {
  return (verdict?.lines ?? []).filter((line) => line.route === route && (target === undefined || line.target === target));
}

/** A row's outcome: as good as its worst line (a route row with several targets: its worst target). */
export function worstOutcome(lines: readonly LineVerdict[]): Outcome {
  if (lines.length === 0) return "not-yet";
  return lines.reduce((a, b) => (WORST_FIRST[b.outcome] < WORST_FIRST[a.outcome] ? b : a)).outcome;
}

/** What needs attention first: failing rows, then undecided ones, then by mismatches and traffic. */
export function byAttention<T extends { outcome: Outcome; mismatched: number; pairs: number; route: string }>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      WORST_FIRST[a.outcome] - WORST_FIRST[b.outcome] ||
      b.mismatched - a.mismatched ||
      b.pairs - a.pairs ||
      (a.route < b.route ? -1 : a.route > b.route ? 1 : 0),
  );
}

/** Per target, its outcome over its lines: "v2 fails, v3 passes". */
export function targetOutcomes(verdict: Verdict): { target: string; outcome: Outcome }[] {
  const targets = [...new Set(verdict.lines.map((line) => line.target))].sort();
  return targets.map((target) => ({ target, outcome: worstOutcome(verdict.lines.filter((line) => line.target === target)) }));
}
