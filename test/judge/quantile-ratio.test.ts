import { describe, expect, it } from "vitest";
import { latencyInterval } from "../../host/judge/latency-interval.js";
import { MIN_PAIRS, normalMixtureRadius, pairedP95Statistic, radius } from "../../host/judge/quantile-ratio.js";
import { seededRandom } from "../../support/seeded-random.js";

/** Paired latencies: each request's own cost (lognormal, σ 0.5) shared by both sides, times a per-side jitter (σ 0.15). */
function pairs(n: number, seed: number, slower = 1): [number[], number[]] {
  const next = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const target: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < n; i++) {
    const cost = 0.01 * Math.exp(0.5 * normal());
    baseline.push(cost * Math.exp(0.15 * normal()));
    target.push(slower * cost * Math.exp(0.15 * normal()));
  }
  return [target, baseline];
}

describe("the paired p95 ratio", () => {
  it(`says nothing below ${MIN_PAIRS} pairs, or when every latency is the same (no spread to estimate)`, () => {
    const [target, baseline] = pairs(MIN_PAIRS - 1, 1);
    expect(pairedP95Statistic(target, baseline)).toBeNull();
    const flat = new Array(500).fill(0.01);
    expect(pairedP95Statistic(flat, flat)).toBeNull();
    // Zero latencies (a coarse clock) count as a microsecond, never as -Infinity.
    const [t, b] = pairs(500, 2);
    const statistic = pairedP95Statistic(t.map((x, i) => (i % 50 === 0 ? 0 : x)), b);
    expect(Number.isFinite(statistic?.logRatio)).toBe(true);
  });

  it("seeded: the interval holds the true ratio, and narrows as pairs accumulate", () => {
    for (const slower of [1, 1.5]) {
      let width = Number.POSITIVE_INFINITY;
      for (const n of [250, 1000, 4000]) {
        const [target, baseline] = pairs(n, 7, slower);
        const statistic = pairedP95Statistic(target, baseline)!;
        const half = radius(statistic, 0.0025);
        expect(Math.exp(statistic.logRatio - half)).toBeLessThan(slower);
        expect(Math.exp(statistic.logRatio + half)).toBeGreaterThan(slower);
        expect(half).toBeLessThan(width);
        width = half;
      }
    }
  });

  it("the pairing pays: requests that share their cost give a narrower interval than unpaired latencies", () => {
    const [target, baseline] = pairs(1000, 3);
    const paired = pairedP95Statistic(target, baseline)!;
    // The same latencies, the pairs broken apart.
    const shuffled = [...baseline].reverse();
    const unpaired = pairedP95Statistic(target, shuffled)!;
    expect(paired.spread).toBeLessThan(unpaired.spread * 0.75);
  });

  it("the normal-mixture radius shrinks with pairs and grows as alpha shrinks", () => {
    expect(normalMixtureRadius(1000, 0.01)).toBeLessThan(normalMixtureRadius(500, 0.01));
    expect(normalMixtureRadius(1000, 0.001)).toBeGreaterThan(normalMixtureRadius(1000, 0.01));
  });
});

describe("the line's latency interval", () => {
  const statistic = (logRatio: number, spread: number, n: number) => ({ logRatio, spread, pairs: n });

  it("without a secondary: the target against the primary", () => {
    const interval = latencyInterval({ secondaryConfigured: false, targetVsPrimary: statistic(0, 1, 1000), targetVsSecondary: null, secondaryVsPrimary: null }, 0.001);
    expect(interval).toMatchObject({ baseline: "primary", estimate: 1, pairs: 1000 });
    expect(interval!.lower).toBeLessThan(1);
    expect(interval!.upper).toBeGreaterThan(1);
  });

  it("with a secondary: against the secondary, where the direct and the path-corrected ways agree", () => {
    // The target is 10% slower than v1 through the router, and so is v1 through the callout.
    const evidence = { secondaryConfigured: true, targetVsPrimary: statistic(Math.log(1.1), 0.5, 2000), targetVsSecondary: statistic(0, 0.5, 1000), secondaryVsPrimary: statistic(Math.log(1.1), 0.5, 1000) };
    const interval = latencyInterval(evidence, 0.001)!;
    expect(interval.baseline).toBe("secondary");
    expect(interval.estimate).toBeCloseTo(1, 6);
    // Narrower than either way alone at the same share of alpha.
    const direct = latencyInterval({ ...evidence, targetVsPrimary: null }, 0.001)!;
    expect(interval.upper - interval.lower).toBeLessThanOrEqual(direct.upper - direct.lower + 1e-12);
    // A secondary configured but no pair with one yet: nothing to judge against.
    expect(latencyInterval({ ...evidence, targetVsSecondary: null, secondaryVsPrimary: null }, 0.001)).toBeNull();
  });
});
