// How the verdict's error rate (1 − confidence) is shared out, so that it holds for the whole
// service: with probability at least the confidence, no line of the verdict is ever wrong, however
// often it is asked. Bonferroni's inequality: each line gets an equal share, each line's two
// criteria (match ratio, p95 latency ratio) half of it. A wrong FAIL and a wrong PASS cannot both
// happen for one truth, so each one-sided bound may spend its whole share.

/** Field and kind pairs a route can track (the noise model's cap): the field bounds share their part. */
export const FIELDS_PER_ROUTE = 64;

export interface LineBudget {
  /** Each side of the mismatch-rate bounds. */
  matchPerSide: number;
  /** Each side of each field's two rates (v1's own and the target's), when the route has a secondary. */
  fieldPerSide: number;
  /** Each side of the p95 latency ratio's bounds. */
  latencyPerSide: number;
}

/**
 * A line's share of the error rate. With a secondary, the match ratio also rests on the fields'
 * classes: a field wrongly called a regression (its target rate bounded too high, or v1's too
 * low) could make a wrong FAIL, so half of the match share goes to the fields' bounds.
 */
export function lineBudget(confidence: number, lines: number, noise: boolean): LineBudget {
  const perLine = (1 - confidence) / Math.max(lines, 1);
  const match = perLine / 2;
  return {
    matchPerSide: noise ? match / 2 : match,
    fieldPerSide: match / 2 / (2 * FIELDS_PER_ROUTE),
    latencyPerSide: perLine / 2,
  };
}
