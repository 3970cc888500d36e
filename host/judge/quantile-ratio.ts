// An anytime-valid interval for the ratio of two p95 latencies measured on the same requests (a
// target's and its baseline's), using the pairing: a request's two latencies share its own cost,
// so their sample p95s move together and their ratio is known far sooner than either p95 alone.
//
// Method: the log of each sample p95 is asymptotically linear (Bahadur's representation), so the
// log ratio is a mean of per-pair influence values; its variance, estimated from the pairs, enters
// the asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas (2024,
// "Time-uniform central limit theory and asymptotic confidence sequences", Annals of Statistics):
// Robbins' normal-mixture boundary with the estimated variance. The density of each side at its
// p95 comes from order-statistic spacings (Siddiqui 1960) with Hall and Sheather's (1988)
// bandwidth; the influences' variance comes from the means of batches of consecutive pairs, so
// that pairs that are not independent (a burst of load slows every request in flight) widen the
// interval as they should. Asymptotic
// means: its error rate holds as pairs accumulate, not exactly for few of them — hence MIN_PAIRS,
// and bench/verdict.ts measures the rate the method really has.

/** The quantile judged: the article's p95. */
const LEVEL = 0.95;
/** Φ⁻¹(0.95), and Hall–Sheather's factor for it: (1.5·φ(z)² / (2z² + 1))^(1/3) · Φ⁻¹(0.975)^(2/3). */
const Z_LEVEL = 1.6448536269514722;
const BANDWIDTH_FACTOR = Math.cbrt((1.5 * normalDensity(Z_LEVEL) ** 2) / (2 * Z_LEVEL ** 2 + 1)) * Math.cbrt(1.959963984540054 ** 2);
/** Below this many pairs (ten beyond each p95) the method's asymptotics are not trusted. */
export const MIN_PAIRS = 200;
/** Consecutive pairs per batch when the variance is estimated from batch means (at least 8 batches). */
const BATCH_PAIRS = 25;
/** The normal mixture is tuned to be narrowest near this many pairs. */
const TUNED_FOR_PAIRS = 500;
/** Latencies are logged; below a microsecond they count as one (a 0 from a coarse clock). */
const FLOOR_SECONDS = 1e-6;

/** What the interval needs of a ratio's pairs: the log ratio, and the spread of one pair's influence on it. */
export interface RatioStatistic {
  /** log(target p95 / baseline p95). */
  logRatio: number;
  /** Standard deviation of one pair's influence value: the log ratio's standard error times √pairs. */
  spread: number;
  pairs: number;
}

export interface RatioInterval {
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * The p95 ratio target/baseline of paired latencies (seconds) and its spread; null with fewer than
 * MIN_PAIRS pairs or when the spread cannot be estimated (every latency the same).
 */
export function pairedP95Statistic(target: ArrayLike<number>, baseline: ArrayLike<number>): RatioStatistic | null {
  const pairs = Math.min(target.length, baseline.length);
  if (pairs < MIN_PAIRS) return null;
  const t = logged(target, pairs);
  const b = logged(baseline, pairs);
  const sortedT = Float64Array.from(t).sort();
  const sortedB = Float64Array.from(b).sort();
  const qt = quantile(sortedT);
  const qb = quantile(sortedB);
  const sparsityT = sparsity(sortedT);
  const sparsityB = sparsity(sortedB);
  if (!(sparsityT > 0 && sparsityB > 0)) return null;
  // Each pair's influence on log p95(T) − log p95(B): −(1{T ≤ qT} − p)·sT + (1{B ≤ qB} − p)·sB.
  const influence = new Float64Array(pairs);
  for (let index = 0; index < pairs; index++) {
    const belowT = (t[index] as number) <= qt ? 1 : 0;
    const belowB = (b[index] as number) <= qb ? 1 : 0;
    influence[index] = -(belowT - LEVEL) * sparsityT + (belowB - LEVEL) * sparsityB;
  }
  return { logRatio: qt - qb, spread: Math.sqrt(batchVariance(influence)), pairs };
}

function variance(values: Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return squares / values.length;
}

/**
 * One pair's variance from the means of consecutive batches (batch means): for independent pairs
 * it estimates the plain variance; when neighbouring pairs are alike it is larger, as it should be.
 */
function batchVariance(values: Float64Array): number {
  const batches = Math.floor(values.length / BATCH_PAIRS);
  const means = new Float64Array(batches);
  for (let batch = 0; batch < batches; batch++) {
    let sum = 0;
    for (let index = batch * BATCH_PAIRS; index < (batch + 1) * BATCH_PAIRS; index++) sum += values[index] as number;
    means[batch] = sum / BATCH_PAIRS;
  }
  return variance(means) * BATCH_PAIRS;
}

/** The half-width of a statistic's interval whose each side errs with probability about alphaPerSide. */
export function radius(statistic: RatioStatistic, alphaPerSide: number): number {
  return statistic.spread * normalMixtureRadius(statistic.pairs, 2 * alphaPerSide);
}

/**
 * Robbins' two-sided normal-mixture boundary for a mean of n unit-variance values at level alpha:
 * sqrt(2(nρ² + 1)/(n²ρ²) · log(sqrt(nρ² + 1)/alpha)), ρ chosen for TUNED_FOR_PAIRS. Each side then
 * errs with probability about alpha/2 (the limit is symmetric).
 */
export function normalMixtureRadius(n: number, alpha: number): number {
  const logAlpha = Math.log(alpha);
  const rho2 = (-2 * logAlpha + Math.log(-2 * logAlpha + 1)) / TUNED_FOR_PAIRS;
  return Math.sqrt(((2 * (n * rho2 + 1)) / (n * n * rho2)) * Math.log(Math.sqrt(n * rho2 + 1) / alpha));
}

function logged(seconds: ArrayLike<number>, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let index = 0; index < count; index++) out[index] = Math.log(Math.max(seconds[index] as number, FLOOR_SECONDS));
  return out;
}

/** Nearest-rank p95 of an ascending sample. */
function quantile(sorted: Float64Array): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(LEVEL * sorted.length) - 1)] as number;
}

/** 1 / density at the p95 (the sparsity), from the spacing of order statistics around it. */
function sparsity(sorted: Float64Array): number {
  const n = sorted.length;
  const h = BANDWIDTH_FACTOR * Math.cbrt(1 / n);
  const low = Math.max(0, Math.floor(n * (LEVEL - h)));
  const high = Math.min(n - 1, Math.ceil(n * (LEVEL + h)) - 1);
  if (high <= low) return 0;
  return ((sorted[high] as number) - (sorted[low] as number)) / ((high - low) / n);
}

function normalDensity(x: number): number {
  return Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
}
