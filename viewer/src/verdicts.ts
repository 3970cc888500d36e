// The gate's verdict on the page: the collector's own (GET /api/verdict, the same code as
// `shadowdiff verdict --collector`), with the page address's settings (`confidence`,
// `min-match-ratio`, `max-latency-ratio`, `min-pairs`, `target`), named like the command's flags.
import type { LineVerdict, Outcome, Thresholds } from "../../host/judge/line-judgement.js";
import type { Verdict } from "../../host/judge/verdict.js";
import { verdictQuery } from "../../host/judge/verdict-query.js";
import { attentionOrder, targetOutcomes as outcomesOfTargets } from "../../host/verdict/report.js";

export type { LineVerdict, Outcome, Thresholds, Verdict };
export { OUTCOME_WORDS, TARGET_OUTCOME_WORDS, latencyText, matchText, targetsSentence, whyText, worstOutcome } from "../../host/verdict/report.js";

/** The address's verdict settings, to send on to /api/verdict, or the problems that set them aside. */
export function settingsFromAddress(search: string): { search: string; problems: string[] } {
  const query = new URLSearchParams(search);
  const parsed = verdictQuery(query);
  return "problems" in parsed ? { search: "", problems: parsed.problems } : { search: query.toString(), problems: [] };
}

/** The lines of a route (and target, when given): the rows' verdicts. */
export function linesOf(verdict: Verdict | undefined, route: string, target?: string): LineVerdict[] {
  return (verdict?.lines ?? []).filter((line) => line.route === route && (target === undefined || line.target === target));
}

/** What needs attention first: failing rows, then undecided ones, then by mismatches and traffic (as `shadowdiff verdict`'s table). */
export function byAttention<T extends { outcome: Outcome; mismatched: number; pairs: number; route: string; target?: string }>(rows: readonly T[]): T[] {
  return [...rows].sort(attentionOrder);
}

/** Per target, its outcome over its lines: "v2 fails, v3 passes". */
export function targetOutcomes(verdict: Verdict): { target: string; outcome: Outcome }[] {
  return outcomesOfTargets(verdict.lines);
}
