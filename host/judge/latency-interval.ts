// The line's p95 latency ratio as an interval. Without a secondary: the target against the
// primary. With one: the target against the secondary, which comes through the filter's callouts
// like the target (same path, same load), while the primary comes through the router. Two ways to
// get there, each given half the error rate, and the line keeps where both agree: directly, on the
// pairs that carried a secondary; and on every pair, the target against the primary corrected by
// the path (the secondary against the primary, on the route's pairs with a secondary).
import { radius, type RatioInterval, type RatioStatistic } from "./quantile-ratio.js";

export interface LatencyEvidence {
  /** A pair on the route said a secondary is configured (or carried one). */
  secondaryConfigured: boolean;
  targetVsPrimary: RatioStatistic | null;
  targetVsSecondary: RatioStatistic | null;
  /** The route's: the secondary against the primary, v1 through the callout against through the router. */
  secondaryVsPrimary: RatioStatistic | null;
}

export interface LatencyInterval extends RatioInterval {
  baseline: "primary" | "secondary";
  /** Pairs behind it: every pair's for the corrected way, those with a secondary for the direct one. */
  pairs: number;
}

/** Null while no way has enough pairs. Each bound errs with probability about alphaPerSide. */
export function latencyInterval(evidence: LatencyEvidence, alphaPerSide: number): LatencyInterval | null {
  const { targetVsPrimary, targetVsSecondary, secondaryVsPrimary } = evidence;
  if (!evidence.secondaryConfigured) return targetVsPrimary === null ? null : { ...around(targetVsPrimary.logRatio, radius(targetVsPrimary, alphaPerSide)), baseline: "primary", pairs: targetVsPrimary.pairs };
  const ways: { logRatio: number; width: number; pairs: number }[] = [];
  if (targetVsSecondary !== null) ways.push({ logRatio: targetVsSecondary.logRatio, width: radius(targetVsSecondary, alphaPerSide / 2), pairs: targetVsSecondary.pairs });
  if (targetVsPrimary !== null && secondaryVsPrimary !== null) {
    ways.push({
      logRatio: targetVsPrimary.logRatio - secondaryVsPrimary.logRatio,
      width: radius(targetVsPrimary, alphaPerSide / 4) + radius(secondaryVsPrimary, alphaPerSide / 4),
      pairs: targetVsPrimary.pairs,
    });
  }
  if (ways.length === 0) return null;
  const lower = Math.max(...ways.map((way) => way.logRatio - way.width));
  const upper = Math.min(...ways.map((way) => way.logRatio + way.width));
  // The narrowest way gives the estimate; where the ways disagree so much that nothing is left,
  // the estimate stands alone (the interval is empty only by an error the rates allow for).
  const best = ways.reduce((a, b) => (b.width < a.width ? b : a));
  return {
    estimate: Math.exp(best.logRatio),
    lower: Math.exp(Math.min(lower, best.logRatio)),
    upper: Math.exp(Math.max(upper, best.logRatio)),
    baseline: "secondary",
    pairs: Math.max(...ways.map((way) => way.pairs)),
  };
}

/** The path on the route: the secondary's p95 over the primary's, the way the line's latency is corrected. */
export function pathInterval(secondaryVsPrimary: RatioStatistic | null, alphaPerSide: number): RatioInterval | null {
  return secondaryVsPrimary === null ? null : around(secondaryVsPrimary.logRatio, radius(secondaryVsPrimary, alphaPerSide));
}

function around(logRatio: number, width: number): RatioInterval {
  return { estimate: Math.exp(logRatio), lower: Math.exp(logRatio - width), upper: Math.exp(logRatio + width) };
}
