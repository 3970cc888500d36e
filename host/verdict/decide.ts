// The promotion gate's rule: may the shadow go to the canary stage? Pure: measurements and
// thresholds in, a verdict per route and overall out.
import type { IntakeState } from "./proxy-count.js";

/** What the route's secondary samples say: noisy fields were cancelled, and why. */
export interface NoiseNote {
  /** off: no secondary on the route; warmup: too few pairs with one to judge noise yet. */
  state: "off" | "warmup" | "ready";
  secondaryPairs: number;
  /** Pairs with a secondary the warm-up needs; null when the source does not say. */
  warmupPairs: number | null;
  /** Fields whose differences are cancelled as noise, with v1's own rate of differing there. */
  noisyFields: { field: string; noiseRate: number }[];
}

/** What the gate knows about one route and target, whatever the source (Prometheus or the collector). */
export interface RouteMeasurement {
  route: string;
  /** The target judged; absent for every target of the route together. */
  target?: string;
  /** The route's noise; absent when the source does not say. */
  noise?: NoiseNote;
  /** Conclusive comparisons (matched + mismatched) behind the ratios. */
  pairs: number;
  /** Distinct proxies those pairs came from; null when the source does not say. */
  proxies: number | null;
  /** matched / (matched + mismatched); null when unknown. */
  matchRatio: number | null;
  /** Shadow p95 latency / primary p95 latency; null when unknown. */
  latencyRatioP95: number | null;
}

export interface Thresholds {
  /** The article's default: 0.99. */
  minMatchRatio: number;
  /** The article's default: 1.2. */
  maxLatencyRatio: number;
  /** Fewer conclusive comparisons than this on a route: not enough data to judge it. */
  minPairs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { minMatchRatio: 0.99, maxLatencyRatio: 1.2, minPairs: 100 };

export type Outcome = "pass" | "fail" | "not-yet";

export interface RouteVerdict extends RouteMeasurement {
  outcome: Outcome;
  /** Why the route did not pass; empty when it passed. */
  reasons: string[];
}

export interface Verdict {
  outcome: Outcome;
  /** 0 pass, 1 fail, 2 not yet. */
  exitCode: 0 | 1 | 2;
  thresholds: Thresholds;
  routes: RouteVerdict[];
  /** Every route's pairs together, the distinct proxies they came from (null: unknown), and what the source says of its intake. */
  total: { pairs: number; proxies: number | null; intake?: IntakeState | null };
  /** Set when there was no route at all to judge. */
  note?: string;
}

export const EXIT_CODES: Record<Outcome, 0 | 1 | 2> = { pass: 0, fail: 1, "not-yet": 2 };

/** Ratios computed from rates carry float noise (0.98999999…); this much is forgiven. */
const FLOAT_NOISE = 1e-9;

export function judgeRoute(measurement: RouteMeasurement, thresholds: Thresholds): RouteVerdict {
  const { pairs, matchRatio, latencyRatioP95 } = measurement;
  if (measurement.noise?.state === "warmup") {
    const { secondaryPairs, warmupPairs } = measurement.noise;
    const needed = warmupPairs === null ? "" : ` of ${warmupPairs}`;
    return { ...measurement, outcome: "not-yet", reasons: [`noise warming up: ${secondaryPairs}${needed} pairs with a secondary`] };
  }
  if (!(pairs >= thresholds.minPairs)) {
    return { ...measurement, outcome: "not-yet", reasons: [`${pairs} pairs, needs ${thresholds.minPairs}`] };
  }
  const failures: string[] = [];
  const unknowns: string[] = [];
  if (matchRatio === null) unknowns.push("no match ratio");
  else if (matchRatio < thresholds.minMatchRatio - FLOAT_NOISE) {
    failures.push(`match ratio ${percent(matchRatio)} < ${percent(thresholds.minMatchRatio)}`);
  }
  if (latencyRatioP95 === null) unknowns.push("no latency samples");
  else if (latencyRatioP95 > thresholds.maxLatencyRatio + FLOAT_NOISE) {
    failures.push(`p95 latency ratio ${latencyRatioP95.toFixed(2)} > ${thresholds.maxLatencyRatio.toFixed(2)}`);
  }
  // A route that clearly fails one criterion fails, even if the other is still unknown.
  if (failures.length > 0) return { ...measurement, outcome: "fail", reasons: failures };
  if (unknowns.length > 0) return { ...measurement, outcome: "not-yet", reasons: unknowns };
  return { ...measurement, outcome: "pass", reasons: [] };
}

function byRouteAndTarget(a: RouteMeasurement, b: RouteMeasurement): number {
  if (a.route !== b.route) return a.route < b.route ? -1 : 1;
  const [x, y] = [a.target ?? "", b.target ?? ""];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Every route (and target) seen must pass. `proxies` (over all routes) is reported, not judged: pairs from one
 * proxy can be a flood from one source, which a reader of the verdict should see. One failing route fails the gate; otherwise one route without
 * enough data holds it at "not yet", as does having no route at all.
 */
export function decide(measurements: RouteMeasurement[], thresholds: Thresholds, proxies: number | null = null): Verdict {
  const routes = [...measurements]
    .sort(byRouteAndTarget)
    .map((measurement) => judgeRoute(measurement, thresholds));
  let outcome: Outcome;
  if (routes.length === 0) outcome = "not-yet";
  else if (routes.some((route) => route.outcome === "fail")) outcome = "fail";
  else if (routes.some((route) => route.outcome === "not-yet")) outcome = "not-yet";
  else outcome = "pass";
  return {
    outcome,
    exitCode: EXIT_CODES[outcome],
    thresholds,
    routes,
    total: { pairs: routes.reduce((sum, route) => sum + route.pairs, 0), proxies },
    ...(routes.length === 0 ? { note: "no comparisons yet" } : {}),
  };
}

/** Refuses thresholds that cannot mean anything, naming the flag's rule. */
export function checkThresholds(thresholds: Thresholds): string[] {
  const problems: string[] = [];
  const { minMatchRatio, maxLatencyRatio, minPairs } = thresholds;
  if (!(Number.isFinite(minMatchRatio) && minMatchRatio >= 0 && minMatchRatio <= 1)) {
    problems.push("--min-match-ratio must be a number from 0 to 1");
  }
  if (!(Number.isFinite(maxLatencyRatio) && maxLatencyRatio > 0)) problems.push("--max-latency-ratio must be a number above 0");
  if (!(Number.isInteger(minPairs) && minPairs >= 1)) problems.push("--min-pairs must be an integer of at least 1");
  return problems;
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
