// Anytime-valid bounds on a rate (a share of trials, such as the share of pairs that mismatch)
// from its counts alone: a confidence sequence. Each side is a mixture of likelihood ratios against
// the candidate rate p (Robbins 1970; the mixture SPRT of Johari, Koomen, Pekelis and Walsh 2022,
// "Always valid inference", as Optimizely runs it): the upper bound mixes alternatives below p,
// the lower bound alternatives above. Under the true rate each mixture is a nonnegative martingale
// of mean 1, so by Ville's inequality it ever reaches 1/alpha with probability at most alpha: the
// bound holds at every count at once, however often it is read. Alternatives are odds ratios of the
// candidate, which makes each side's mixture monotone in p, so the bound is found by bisection.

/** Log odds ratios of the alternatives, away from the candidate rate; Infinity is the certain one (0 or 1). */
const SHIFTS = [0.35, 0.7, 1.1, 1.6, 2.3, 3.5, Number.POSITIVE_INFINITY] as const;
/**
 * Prior weights of the alternatives (they sum to 1). The certain alternative gets a quarter: it is
 * what an exact match (no mismatch at all) or a field that differs in every pair looks like.
 */
const LOG_WEIGHTS = SHIFTS.map((shift) => Math.log(shift === Number.POSITIVE_INFINITY ? 0.25 : 0.75 / (SHIFTS.length - 1)));
const EXPM1 = SHIFTS.map((shift) => Math.expm1(shift));
/** Bisection steps: the bound to within 2^-32 of its bracket (a billionth), closer than any threshold is written. */
const STEPS = 32;

export interface RateBounds {
  /** The observed share; null without trials. */
  estimate: number | null;
  lower: number;
  upper: number;
}

/** Both sides, each holding with probability at least 1 − alphaPerSide over all counts. */
export function rateBounds(hits: number, trials: number, alphaPerSide: number): RateBounds {
  return {
    estimate: trials === 0 ? null : hits / trials,
    lower: lowerRateBound(hits, trials, alphaPerSide),
    upper: upperRateBound(hits, trials, alphaPerSide),
  };
}

/** The largest rate not ruled out from above: rates past it are refuted at level alpha. */
export function upperRateBound(hits: number, trials: number, alpha: number): number {
  checkCounts(hits, trials, alpha);
  if (trials === 0) return 1;
  return 1 - lowerRateBound(trials - hits, trials, alpha);
}

/** The smallest rate not ruled out from below. */
export function lowerRateBound(hits: number, trials: number, alpha: number): number {
  checkCounts(hits, trials, alpha);
  if (trials === 0 || hits === 0) return 0;
  const threshold = -Math.log(alpha);
  // The mixture is decreasing in p: every p below the bound is refuted, none above.
  let refuted = 0;
  let kept = hits / trials;
  if (logMixtureAbove(hits, trials, Number.MIN_VALUE) < threshold) return 0;
  for (let step = 0; step < STEPS; step++) {
    const middle = (refuted + kept) / 2;
    if (logMixtureAbove(hits, trials, middle) >= threshold) refuted = middle;
    else kept = middle;
  }
  return refuted;
}

/**
 * The log of the mixture of likelihood ratios of alternatives above p against p, after `hits` of
 * `trials`. Each alternative has log odds log(p/(1−p)) + shift: its ratio is
 * exp(hits·shift) / (1 − p + p·e^shift)^trials; the certain alternative (rate 1) only when every trial hit.
 */
function logMixtureAbove(hits: number, trials: number, p: number): number {
  // Sum of exp(terms) without overflow: each term is added relative to the largest so far.
  let largest = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let index = 0; index < SHIFTS.length; index++) {
    const shift = SHIFTS[index] as number;
    let term: number;
    if (shift === Number.POSITIVE_INFINITY) {
      if (hits !== trials) continue;
      term = (LOG_WEIGHTS[index] as number) - trials * Math.log(p);
    } else term = (LOG_WEIGHTS[index] as number) + hits * shift - trials * Math.log1p(p * (EXPM1[index] as number));
    if (term > largest) {
      sum = sum * Math.exp(largest - term) + 1;
      largest = term;
    } else sum += Math.exp(term - largest);
  }
  return largest === Number.NEGATIVE_INFINITY ? largest : largest + Math.log(sum);
}

function checkCounts(hits: number, trials: number, alpha: number): void {
  if (!(Number.isInteger(hits) && Number.isInteger(trials) && hits >= 0 && hits <= trials)) {
    throw new RangeError(`rate bounds need whole counts with 0 <= hits <= trials, got ${hits} of ${trials}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`rate bounds need an error rate strictly between 0 and 1, got ${alpha}`);
}
