import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lowerRateBound, rateBounds, upperRateBound } from "../../host/judge/rate-bounds.js";
import { seededRandom } from "../../support/seeded-random.js";

describe("anytime-valid bounds on a rate", () => {
  it("refuses counts and error rates that mean nothing, naming the rule", () => {
    expect(() => rateBounds(3, 2, 0.05)).toThrow("0 <= hits <= trials, got 3 of 2");
    expect(() => rateBounds(-1, 2, 0.05)).toThrow("0 <= hits <= trials");
    expect(() => rateBounds(1.5, 2, 0.05)).toThrow("whole counts");
    for (const alpha of [0, 1, Number.NaN, -0.1]) expect(() => rateBounds(1, 2, alpha)).toThrow("strictly between 0 and 1");
  });

  it("without trials, nothing is known: [0, 1]", () => {
    expect(rateBounds(0, 0, 0.05)).toEqual({ estimate: null, lower: 0, upper: 1 });
  });

  it("an exact match in every trial: the upper bound falls like log(1/alpha)/n", () => {
    const alpha = 0.00125;
    for (const n of [100, 1000, 10_000]) {
      const upper = upperRateBound(0, n, alpha);
      expect(upper).toBeGreaterThan(Math.log(1 / alpha) / n);
      expect(upper).toBeLessThan((Math.log(1 / alpha) + Math.log(8)) / n);
    }
  });

  it("property: the bounds hold the estimate, tighten with more trials at the same rate and widen as alpha shrinks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1e-8, max: 0.5, noNaN: true }), (trials, share, alpha) => {
        const hits = Math.round(share * trials);
        const { estimate, lower, upper } = rateBounds(hits, trials, alpha);
        expect(lower).toBeLessThanOrEqual(estimate! + 1e-12);
        expect(upper).toBeGreaterThanOrEqual(estimate! - 1e-12);
        const more = rateBounds(hits * 4, trials * 4, alpha);
        expect(more.upper - more.lower).toBeLessThanOrEqual(upper - lower + 1e-9);
        const stricter = rateBounds(hits, trials, alpha / 10);
        expect(stricter.lower).toBeLessThanOrEqual(lower + 1e-12);
        expect(stricter.upper).toBeGreaterThanOrEqual(upper - 1e-12);
      }),
    );
  });

  it("property: a hit more moves both bounds up, never down", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (trials, share) => {
        const hits = Math.min(trials - 1, Math.floor(share * trials));
        expect(lowerRateBound(hits + 1, trials, 0.01)).toBeGreaterThanOrEqual(lowerRateBound(hits, trials, 0.01));
        expect(upperRateBound(hits + 1, trials, 0.01)).toBeGreaterThanOrEqual(upperRateBound(hits, trials, 0.01));
      }),
    );
  });

  it("seeded: read again and again, the bounds exclude the true rate in fewer sequences than alpha allows", () => {
    // 200 sequences of 1,000 trials at a 2% rate, bounds read after every 20 trials; each side's alpha 5%.
    const next = seededRandom(18);
    let excluded = 0;
    for (let sequence = 0; sequence < 200; sequence++) {
      let hits = 0;
      for (let trial = 1; trial <= 1000; trial++) {
        if (next() < 0.02) hits++;
        if (trial % 20 !== 0) continue;
        const { lower, upper } = rateBounds(hits, trial, 0.05);
        if (lower > 0.02 || upper < 0.02) {
          excluded++;
          break;
        }
      }
    }
    // Each side errs in at most 5% of sequences: at most 10% in all, 20 of 200.
    expect(excluded).toBeLessThanOrEqual(20);
  });
});
