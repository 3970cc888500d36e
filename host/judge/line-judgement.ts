// One line of the verdict (a route and target): pass, fail or not yet, from its evidence. Pure.
//
// Match ratio: the mismatch rate after noise, bounded from its counts (rate-bounds.ts). A pair
// whose fields are not settled yet (pending) counts as a mismatch when the line could pass and as
// a match when it could fail, so neither outcome leans on it. Inconclusive comparisons (bodies
// that could not be compared) count toward neither. Latency: the p95 ratio's interval
// (latency-interval.ts). A line fails when either criterion's interval lies on the wrong side of
// its threshold, passes when both lie on the right side, and is not yet decided otherwise.
import { lineBudget } from "./error-budget.js";
import { moreToReach, secondaryPairsToSettle, type FieldCounts, type NoiseSettings } from "./field-class.js";
import { latencyInterval, pathInterval, type LatencyEvidence, type LatencyInterval } from "./latency-interval.js";
import { MIN_PAIRS, type RatioInterval, type RatioStatistic } from "./quantile-ratio.js";
import { lowerRateBound, upperRateBound } from "./rate-bounds.js";

export type Outcome = "pass" | "fail" | "not-yet";

export interface Thresholds {
  /** The article's default: 0.99. */
  minMatchRatio: number;
  /** The article's default: 1.2. */
  maxLatencyRatio: number;
  /** A floor: no line is decided on fewer conclusive pairs. */
  minPairs: number;
  /** The chance that no line of the verdict is ever wrong; default 0.95. */
  confidence: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { minMatchRatio: 0.99, maxLatencyRatio: 1.2, minPairs: 20, confidence: 0.95 };

/** What a source knows of one route and target. */
export interface LineEvidence {
  route: string;
  target: string;
  /** Conclusive comparisons, split by what the noise evidence says now. */
  matched: number;
  mismatched: number;
  pending: number;
  inconclusive: number;
  noise: {
    /** A pair on the route said a secondary is configured, or carried one. */
    on: boolean;
    /** The secondary's share of mirrored requests as the filter says (0 to 1); null when unknown. */
    share: number | null;
    secondaryPairs: number;
    /** Fields not settled yet, with their counts when the source has them. */
    pendingFields: { field: string; kind: string; counts?: FieldCounts }[];
  };
  latency: LatencyEvidence;
  /** Distinct proxies the route's pairs came from; null when the source does not say. */
  proxies: number | null;
}

export interface MatchJudgement {
  matched: number;
  mismatched: number;
  pending: number;
  inconclusive: number;
  /** matched / conclusive, pending counted as matches; null without conclusive pairs. */
  ratio: number | null;
  lower: number;
  upper: number;
  outcome: Outcome;
}

export interface LineVerdict {
  route: string;
  target: string;
  outcome: Outcome;
  /** Why it failed, or what it is waiting for; empty when it passed. */
  reasons: string[];
  /** Conclusive comparisons. */
  pairs: number;
  proxies: number | null;
  match: MatchJudgement;
  /** Null while the latency has too few pairs (or none) to estimate. */
  latency: (LatencyInterval & { outcome: Outcome }) | null;
  /** With a secondary: v1 through the filter's callout against v1 through the router. */
  path: RatioInterval | null;
  noise: { on: boolean; share: number | null; secondaryPairs: number; pendingFields: { field: string; kind: string; morePairsWithSecondary: number | null }[] };
  /** About how many more conclusive pairs would decide the line at today's rates; null when decided or unknowable. */
  morePairs: number | null;
}

export function judgeLine(evidence: LineEvidence, thresholds: Thresholds, lines: number, noiseSettings: NoiseSettings): LineVerdict {
  const budget = lineBudget(thresholds.confidence, lines, evidence.noise.on);
  const { pairs, mismatchLow, mismatchHigh, matchOutcome, interval, latencyOutcome, outcome } = assess(evidence, thresholds, lines);
  const match: MatchJudgement = {
    matched: evidence.matched,
    mismatched: evidence.mismatched,
    pending: evidence.pending,
    inconclusive: evidence.inconclusive,
    ratio: pairs === 0 ? null : (evidence.matched + evidence.pending) / pairs,
    lower: 1 - mismatchHigh,
    upper: 1 - mismatchLow,
    outcome: matchOutcome,
  };
  const pendingFields = evidence.noise.pendingFields.map(({ field, kind, counts }) => ({
    field,
    kind,
    morePairsWithSecondary: counts === undefined ? null : secondaryPairsToSettle(counts, noiseSettings, budget.fieldPerSide, perSecondary(evidence)),
  }));
  const verdict: LineVerdict = {
    route: evidence.route,
    target: evidence.target,
    outcome,
    reasons: [],
    pairs,
    proxies: evidence.proxies,
    match,
    latency: interval === null ? null : { ...interval, outcome: latencyOutcome },
    path: evidence.noise.on ? pathInterval(evidence.latency.secondaryVsPrimary, budget.latencyPerSide) : null,
    noise: { on: evidence.noise.on, share: evidence.noise.share, secondaryPairs: evidence.noise.secondaryPairs, pendingFields },
    morePairs: null,
  };
  verdict.reasons = reasonsFor(verdict, thresholds, evidence);
  if (outcome === "not-yet") verdict.morePairs = morePairsToDecide(evidence, thresholds, lines, pairs);
  return verdict;
}

/** Both criteria's bounds and outcomes, and the line's. */
function assess(evidence: LineEvidence, thresholds: Thresholds, lines: number) {
  const budget = lineBudget(thresholds.confidence, lines, evidence.noise.on);
  const pairs = evidence.matched + evidence.mismatched + evidence.pending;
  const floor = pairs >= thresholds.minPairs;
  const tolerance = 1 - thresholds.minMatchRatio;
  const mismatchLow = lowerRateBound(evidence.mismatched, pairs, budget.matchPerSide);
  const mismatchHigh = upperRateBound(evidence.mismatched + evidence.pending, pairs, budget.matchPerSide);
  const matchOutcome: Outcome = !floor ? "not-yet" : mismatchLow > tolerance ? "fail" : mismatchHigh < tolerance ? "pass" : "not-yet";
  const interval = latencyInterval(evidence.latency, budget.latencyPerSide);
  const { maxLatencyRatio } = thresholds;
  const latencyOutcome: Outcome = interval === null || !floor ? "not-yet" : interval.lower > maxLatencyRatio ? "fail" : interval.upper < maxLatencyRatio ? "pass" : "not-yet";
  const outcome: Outcome = matchOutcome === "fail" || latencyOutcome === "fail" ? "fail" : matchOutcome === "pass" && latencyOutcome === "pass" ? "pass" : "not-yet";
  return { pairs, mismatchLow, mismatchHigh, matchOutcome, interval, latencyOutcome, outcome };
}

function reasonsFor(verdict: LineVerdict, thresholds: Thresholds, evidence: LineEvidence): string[] {
  const { match, latency } = verdict;
  const reasons: string[] = [];
  const matchLine = percent(thresholds.minMatchRatio);
  if (verdict.outcome === "fail") {
    if (match.outcome === "fail") reasons.push(`match ratio below ${matchLine}`);
    if (latency?.outcome === "fail") reasons.push(`p95 latency ratio above ${thresholds.maxLatencyRatio}`);
    return reasons;
  }
  if (verdict.outcome === "pass") return reasons;
  if (verdict.pairs < thresholds.minPairs) return [`${verdict.pairs} of the ${thresholds.minPairs} pairs the floor asks for`];
  if (match.outcome === "not-yet") {
    reasons.push(`match ratio not yet clear of ${matchLine}`);
    if (match.pending > 0) {
      const fields = verdict.noise.pendingFields.slice(0, 3).map(({ field, kind, morePairsWithSecondary }) =>
        morePairsWithSecondary === null ? `${field} ${kind}` : `${field} ${kind}: ~${morePairsWithSecondary} more with a secondary`,
      );
      reasons.push(`${match.pending} pairs wait on fields not settled as noise or regression${fields.length > 0 ? ` (${fields.join("; ")})` : ""}`);
    }
  }
  if (latency === null) {
    const baseline = evidence.latency.secondaryConfigured ? " with a secondary" : "";
    reasons.push(`latency needs ${MIN_PAIRS} pairs${baseline} to estimate its p95s`);
  } else if (latency.outcome === "not-yet") reasons.push(`p95 latency ratio not yet clear of ${thresholds.maxLatencyRatio}`);
  return reasons;
}

/** Target pairs per pair with a secondary, from the filter's share (or the counts so far). */
function perSecondary(evidence: LineEvidence): number {
  const { share, secondaryPairs } = evidence.noise;
  if (share !== null && share > 0) return 1 / share;
  const pairs = evidence.matched + evidence.mismatched + evidence.pending;
  return secondaryPairs > 0 ? pairs / secondaryPairs : 1;
}

/**
 * About how many more conclusive pairs would decide the line if today's rates held: counts and
 * latency samples scaled up together, fields assumed settled as they lean today.
 */
function morePairsToDecide(evidence: LineEvidence, thresholds: Thresholds, lines: number, pairs: number): number | null {
  if (pairs === 0) return null;
  const scaleStatistic = (statistic: RatioStatistic | null, factor: number): RatioStatistic | null =>
    statistic === null ? null : { ...statistic, pairs: Math.max(MIN_PAIRS, Math.round(statistic.pairs * factor)) };
  const decides = (total: number): boolean => {
    const factor = total / pairs;
    const scaled: LineEvidence = {
      ...evidence,
      matched: Math.round(evidence.matched * factor),
      mismatched: Math.round(evidence.mismatched * factor),
      pending: 0,
      noise: { ...evidence.noise, pendingFields: [] },
      latency: {
        ...evidence.latency,
        targetVsPrimary: scaleStatistic(evidence.latency.targetVsPrimary, factor),
        targetVsSecondary: scaleStatistic(evidence.latency.targetVsSecondary, factor),
        secondaryVsPrimary: scaleStatistic(evidence.latency.secondaryVsPrimary, factor),
      },
    };
    // Without latency statistics yet, nothing says when the latency would settle.
    if (scaled.latency.targetVsPrimary === null && scaled.latency.targetVsSecondary === null) return false;
    return assess(scaled, thresholds, lines).outcome !== "not-yet";
  };
  return moreToReach(pairs, decides);
}

export function percent(ratio: number | null): string {
  return ratio === null ? "-" : `${(ratio * 100).toFixed(1)}%`;
}
