// The verdict: every route × target line judged together, at a confidence that holds for all of
// them (error-budget.ts). One failing line fails it; otherwise any line not yet decided holds it.
import { lineBudget } from "./error-budget.js";
import { DEFAULT_NOISE_SETTINGS, type NoiseSettings } from "./field-class.js";
import { judgeLine, type LineEvidence, type LineVerdict, type Outcome, type Thresholds } from "./line-judgement.js";
import type { IntakeState } from "../verdict/proxy-count.js";

export interface Verdict {
  outcome: Outcome;
  /** 0 pass, 1 fail, 2 not yet. */
  exitCode: 0 | 1 | 2;
  thresholds: Thresholds;
  lines: LineVerdict[];
  /** Every line's conclusive pairs together, the distinct proxies they came from (null: unknown), and what the source says of its intake (null: nothing). */
  total: { pairs: number; proxies: number | null; intake: IntakeState | null };
  /** Set when there was no line at all to judge, or the target asked for was not seen. */
  note?: string;
}

export const EXIT_CODES: Record<Outcome, 0 | 1 | 2> = { pass: 0, fail: 1, "not-yet": 2 };

/** What a source offers the judge: its lines, and each line's evidence read at a given field error rate. */
export interface EvidenceSource {
  lines(): { route: string; target: string }[];
  /** Field classes depend on the error rate each of their bounds may have, so the line is read at it. */
  evidence(route: string, target: string, fieldAlphaPerSide: number): LineEvidence;
  /** Distinct proxies over every route; null when the source does not say. */
  proxies: number | null;
  /** Whether the collector's intake is authenticated; absent when the source does not say. */
  intake?: IntakeState | null;
}

export function judge(source: EvidenceSource, thresholds: Thresholds, target?: string, noiseSettings: NoiseSettings = DEFAULT_NOISE_SETTINGS): Verdict {
  const seen = source.lines();
  const chosen = seen.filter((line) => target === undefined || line.target === target).sort(byRouteAndTarget);
  const count = chosen.length;
  const lines = chosen.map(({ route, target }) => {
    const evidence = source.evidence(route, target, lineBudget(thresholds.confidence, count, true).fieldPerSide);
    return judgeLine(evidence, thresholds, count, noiseSettings);
  });
  const outcome: Outcome = lines.length === 0 ? "not-yet" : lines.some((line) => line.outcome === "fail") ? "fail" : lines.some((line) => line.outcome === "not-yet") ? "not-yet" : "pass";
  const verdict: Verdict = {
    outcome,
    exitCode: EXIT_CODES[outcome],
    thresholds,
    lines,
    total: { pairs: lines.reduce((sum, line) => sum + line.pairs, 0), proxies: source.proxies, intake: source.intake ?? null },
  };
  if (lines.length === 0 && target !== undefined && seen.length > 0) {
    const known = [...new Set(seen.map((line) => line.target))].sort().join(", ");
    verdict.note = `no comparisons with target "${target}" (targets seen: ${known})`;
  } else if (lines.length === 0) verdict.note = "no comparisons yet";
  return verdict;
}

/** Refuses settings that cannot mean anything, naming the flag and its rule. */
export function checkThresholds(thresholds: Thresholds): string[] {
  const problems: string[] = [];
  const { minMatchRatio, maxLatencyRatio, minPairs, confidence } = thresholds;
  if (!(Number.isFinite(minMatchRatio) && minMatchRatio >= 0 && minMatchRatio <= 1)) problems.push("--min-match-ratio must be a number from 0 to 1");
  if (!(Number.isFinite(maxLatencyRatio) && maxLatencyRatio > 0)) problems.push("--max-latency-ratio must be a number above 0");
  if (!(Number.isInteger(minPairs) && minPairs >= 1 && minPairs <= 1_000_000_000)) problems.push("--min-pairs must be a whole number from 1 to 1000000000");
  if (!(Number.isFinite(confidence) && confidence > 0 && confidence < 1)) problems.push("--confidence must be a number above 0 and below 1 (0.95: no line wrong in 95 verdicts of 100)");
  return problems;
}

function byRouteAndTarget(a: { route: string; target: string }, b: { route: string; target: string }): number {
  if (a.route !== b.route) return a.route < b.route ? -1 : 1;
  return a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
}
