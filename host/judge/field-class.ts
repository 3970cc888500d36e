// Is a difference the target shows on a field noise (v1 differs from itself there about as often,
// the same way) or a regression? Decided from evidence: both rates are known only through their
// confidence bounds, and a field whose bounds do not settle it yet is pending — its pairs are
// "not yet", never guessed.
import { lowerRateBound, upperRateBound } from "./rate-bounds.js";

export type FieldClass = "noise" | "regression" | "pending";

/** What makes a field noise; the collector's `noise.*` settings. */
export interface NoiseSettings {
  /** v1 must differ from itself on the field, this way, in at least this share of pairs. */
  minNoiseRate: number;
  /** The target's rate may exceed v1's by this share of it ... */
  relativeMargin: number;
  /** ... plus this many points, and still be noise. */
  absoluteMargin: number;
}

export const DEFAULT_NOISE_SETTINGS: NoiseSettings = { minNoiseRate: 0.01, relativeMargin: 0.2, absoluteMargin: 0.03 };

/** A field and kind's counts on one route and target. */
export interface FieldCounts {
  /** Pairs with a secondary, and of those, pairs where the secondary differed from the primary here. */
  secondaryPairs: number;
  noiseHits: number;
  /** The target's conclusive comparisons, and of those, the ones differing from the primary here. */
  targetPairs: number;
  rawHits: number;
}

/**
 * The field's class. Noise: v1 surely differs here often enough (lower bound ≥ minNoiseRate) and
 * the target surely not much more (its upper bound within the margins of v1's lower bound).
 * Regression: v1 surely differs here rarely, or the target surely more than the margins allow.
 * Each of the four bounds errs with probability at most alphaPerSide, however often asked.
 */
export function classifyField(counts: FieldCounts, settings: NoiseSettings, alphaPerSide: number): FieldClass {
  const { secondaryPairs, noiseHits, targetPairs, rawHits } = counts;
  const noiseLow = lowerRateBound(noiseHits, secondaryPairs, alphaPerSide);
  const noiseHigh = upperRateBound(noiseHits, secondaryPairs, alphaPerSide);
  const rawLow = lowerRateBound(rawHits, targetPairs, alphaPerSide);
  const rawHigh = upperRateBound(rawHits, targetPairs, alphaPerSide);
  const allowed = (noise: number) => noise * (1 + settings.relativeMargin) + settings.absoluteMargin;
  if (noiseHigh < settings.minNoiseRate || rawLow > allowed(noiseHigh)) return "regression";
  if (noiseLow >= settings.minNoiseRate && rawHigh <= allowed(noiseLow)) return "noise";
  return "pending";
}

/**
 * About how many more pairs with a secondary would settle a pending field if its rates stay as
 * they are (null: they would not, or no estimate yet). Targets' pairs grow with them: `perSecondary`
 * target pairs come with each pair with a secondary.
 */
export function secondaryPairsToSettle(counts: FieldCounts, settings: NoiseSettings, alphaPerSide: number, perSecondary: number): number | null {
  if (counts.secondaryPairs === 0 || counts.targetPairs === 0) return null;
  const noiseRate = counts.noiseHits / counts.secondaryPairs;
  const rawRate = counts.rawHits / counts.targetPairs;
  const scaled = (secondaryPairs: number): FieldCounts => {
    const targetPairs = Math.max(counts.targetPairs, Math.round(secondaryPairs * perSecondary));
    return { secondaryPairs, noiseHits: Math.round(noiseRate * secondaryPairs), targetPairs, rawHits: Math.round(rawRate * targetPairs) };
  };
  const settles = (secondaryPairs: number) => classifyField(scaled(secondaryPairs), settings, alphaPerSide) !== "pending";
  return moreToReach(counts.secondaryPairs, settles);
}

/** The least n above `now` for which `decides(n)` holds, searched by doubling to a million; null past it. */
export function moreToReach(now: number, decides: (n: number) => boolean): number | null {
  const limit = 1_000_000;
  let low = Math.max(now, 1);
  let high = low * 2;
  while (!decides(high)) {
    if (high >= limit) return null;
    low = high;
    high = Math.min(high * 2, limit);
  }
  while (high - low > Math.max(1, Math.floor(low / 50))) {
    const middle = Math.floor((low + high) / 2);
    if (decides(middle)) high = middle;
    else low = middle;
  }
  return high - now;
}
