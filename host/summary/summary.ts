import type { Comparison } from "../compare/comparison.js";
import type { RouteNoiseReport } from "../noise/noise-model.js";
import { DistinctCount, hashString } from "./distinct-count.js";
import { PairedLatencies } from "./paired-latencies.js";
import { Reservoir } from "./reservoir.js";

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
}

/** The counts of comparisons with one target (or with every target, summed). */
export interface ComparisonCounts {
  /** Comparisons: a pair with two targets is two of them. */
  pairs: number;
  matched: number;
  /** Of the matched: comparisons whose every difference was cancelled as noise. */
  noiseCancelled: number;
  mismatched: number;
  /** Comparisons whose differences were on fields not settled yet when they arrived (the judge recounts them). */
  pending: number;
  inconclusive: number;
  /** matched / (matched + mismatched); null when both are 0. */
  matchRatio: number | null;
  primaryLatency: LatencySummary;
  shadowLatency: LatencySummary;
  /** shadowLatency.p95 / primaryLatency.p95; null when either is missing. */
  latencyRatioP95: number | null;
  topFields: FieldCount[];
}

/** One target on one route: the unit the gate judges. */
export interface TargetSummary extends ComparisonCounts {
  target: string;
}

/** One row of `GET /api/summary`: the route over every target, each target, and the route's noise. */
export interface RouteSummary extends ComparisonCounts {
  route: string;
  /** Distinct proxies (proxy_id) whose pairs these are: exact up to 64, then an estimate. */
  proxies: number;
  /** One entry per target seen on the route, by name. */
  targets: TargetSummary[];
  /** What the route's secondary samples say is noise (state `off` without a secondary). */
  noise: RouteNoiseReport;
}

export interface FieldCount {
  field: string;
  kind: string;
  count: number;
}

/** The latencies behind a route's percentiles: the reservoir's sample, ascending, in seconds. */
export interface LatencySample {
  /** Latencies recorded since the collector started; the sample keeps at most 1024 of them. */
  seen: number;
  seconds: number[];
}

/** `GET /api/route?route=`: one route's summary row, every field it counts, its latency sample. */
export interface RouteDetail {
  summary: RouteSummary;
  /** Every field and kind counted on the route, most frequent first (100 at most, then `other`). */
  fields: FieldCount[];
  /** The secondary's sample is empty without a secondary. */
  latency: { primary: LatencySample; shadow: LatencySample; secondary: LatencySample };
  /** Per target: every field it counts and its latency sample. */
  targets: { target: string; fields: FieldCount[]; shadowLatency: LatencySample }[];
}

export interface Summary {
  routes: RouteSummary[];
  total: RouteSummary;
}

/** The three latencies of one pair with one target, in seconds; null where that side gave none. */
export interface PairLatencies {
  primary: number;
  shadow: number | null;
  secondary: number | null;
}

/** The line latency pairs the judge sees; the first ones, up to this many per line and baseline. */
export const JUDGED_LATENCY_PAIRS = 8192;

const RESERVOIR_SIZE = 1024;
const MAX_FIELDS_PER_ROUTE = 100;
const TOP_FIELDS = 10;

/** Comparisons with one target, or with every target of a route. */
class ComparisonTally {
  matched = 0;
  noiseCancelled = 0;
  mismatched = 0;
  pending = 0;
  inconclusive = 0;
  readonly shadowLatency = new Reservoir(RESERVOIR_SIZE);
  /** The target's latency paired with the primary's, and with the secondary's (pairs that had one). */
  readonly vsPrimary = new PairedLatencies(JUDGED_LATENCY_PAIRS);
  readonly vsSecondary = new PairedLatencies(JUDGED_LATENCY_PAIRS);
  /** `field \0 kind` → count, bounded; further fields are counted as `other`. */
  readonly fields = new Map<string, number>();

  record(comparison: Comparison, latencies: PairLatencies, fields: readonly { field: string; kind: string }[]): void {
    if (comparison.outcome === "match") {
      this.matched++;
      if (comparison.noise !== undefined) this.noiseCancelled++;
    } else if (comparison.outcome === "mismatch") this.mismatched++;
    else if (comparison.inconclusive?.reason === "noise_pending") this.pending++;
    else this.inconclusive++;
    const { shadow, primary, secondary } = latencies;
    if (shadow !== null) {
      this.shadowLatency.add(shadow);
      this.vsPrimary.add(shadow, primary);
      if (secondary !== null) this.vsSecondary.add(shadow, secondary);
    }
    for (const { field, kind } of fields) {
      let key = `${field}\u0000${kind}`;
      if (!this.fields.has(key) && this.fields.size >= MAX_FIELDS_PER_ROUTE) key = `other\u0000${kind}`;
      this.fields.set(key, (this.fields.get(key) ?? 0) + 1);
    }
  }

  /** Fields and kinds, most frequent first, then by name. */
  fieldCounts(): FieldCount[] {
    return [...this.fields.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([key, count]) => {
        const [field, kind] = key.split("\u0000") as [string, string];
        return { field, kind, count };
      });
  }

  counts(primaryLatency: Reservoir): ComparisonCounts {
    const [p50, p95] = primaryLatency.quantiles([0.5, 0.95]);
    const [s50, s95] = this.shadowLatency.quantiles([0.5, 0.95]);
    const decided = this.matched + this.mismatched;
    return {
      pairs: decided + this.pending + this.inconclusive,
      matched: this.matched,
      noiseCancelled: this.noiseCancelled,
      mismatched: this.mismatched,
      pending: this.pending,
      inconclusive: this.inconclusive,
      matchRatio: decided === 0 ? null : this.matched / decided,
      primaryLatency: { p50: p50 ?? null, p95: p95 ?? null },
      shadowLatency: { p50: s50 ?? null, p95: s95 ?? null },
      latencyRatioP95: p95 && s95 !== null && s95 !== undefined ? s95 / p95 : null,
      topFields: this.fieldCounts().slice(0, TOP_FIELDS),
    };
  }
}

class RouteTally {
  readonly primaryLatency = new Reservoir(RESERVOIR_SIZE);
  readonly secondaryLatency = new Reservoir(RESERVOIR_SIZE);
  /** The secondary's latency paired with the primary's: v1 through the callout against through the router. */
  readonly secondaryVsPrimary = new PairedLatencies(JUDGED_LATENCY_PAIRS);
  readonly proxies = new DistinctCount();
  readonly all = new ComparisonTally();
  /** Target labels are capped by the target labeler, so this is bounded. */
  readonly targets = new Map<string, ComparisonTally>();

  /** `proxyHash` is null but for a pair's first target: the primary, the secondary and the proxy count once per pair. */
  record(target: string, comparison: Comparison, latencies: PairLatencies, fields: readonly { field: string; kind: string }[], proxyHash: number | null): void {
    if (proxyHash !== null) {
      this.proxies.addHash(proxyHash);
      this.primaryLatency.add(latencies.primary);
      if (latencies.secondary !== null) {
        this.secondaryLatency.add(latencies.secondary);
        this.secondaryVsPrimary.add(latencies.secondary, latencies.primary);
      }
    }
    this.all.record(comparison, latencies, fields);
    this.target(target).record(comparison, latencies, fields);
  }

  target(name: string): ComparisonTally {
    let tally = this.targets.get(name);
    if (!tally) {
      tally = new ComparisonTally();
      this.targets.set(name, tally);
    }
    return tally;
  }

  summarize(route: string, noise: RouteNoiseReport): RouteSummary {
    const targets = [...this.targets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      route,
      proxies: this.proxies.estimate(),
      ...this.all.counts(this.primaryLatency),
      targets: targets.map(([target, tally]) => ({ target, ...tally.counts(this.primaryLatency) })),
      noise,
    };
  }
}

const NO_NOISE: RouteNoiseReport = { state: "off", secondaryShare: null, secondaryPairs: 0, fields: [] };

/**
 * Per-route and per-target tallies behind `/api/summary`, since the collector started. Percentiles
 * come from a bounded uniform reservoir of 1024 latencies per route and side (and one over all
 * routes). Distinct proxies are counted in at most 1 KiB per route. Routes and targets are already
 * capped by their labelers, so memory is bounded.
 */
export class SummaryBook {
  private readonly routes = new Map<string, RouteTally>();
  private readonly total = new RouteTally();

  /** The proxy of the last pair, and its hash: a batch's pairs come from one proxy. */
  private lastProxy = { id: "", hash: hashString("") };

  /** `noise`, when given, supplies each route's noise report. */
  constructor(private readonly noise?: (route: string) => RouteNoiseReport) {}

  /**
   * Records one comparison of a pair with one of its targets. `firstOfPair` is set for the pair's
   * first target: the primary's latency and the proxy are counted once per pair.
   */
  record(
    route: string,
    target: string,
    comparison: Comparison,
    latencies: PairLatencies,
    fields: readonly { field: string; kind: string }[],
    proxyId = "",
    firstOfPair = true,
  ): void {
    let tally = this.routes.get(route);
    if (!tally) {
      tally = new RouteTally();
      this.routes.set(route, tally);
    }
    if (firstOfPair && proxyId !== this.lastProxy.id) this.lastProxy = { id: proxyId, hash: hashString(proxyId) };
    tally.record(target, comparison, latencies, fields, firstOfPair ? this.lastProxy.hash : null);
    this.total.record(target, comparison, latencies, fields, firstOfPair ? this.lastProxy.hash : null);
  }

  /** Distinct proxies per route and over all routes (for the metrics). */
  proxies(): { byRoute: [string, number][]; total: number } {
    return { byRoute: [...this.routes.entries()].map(([route, tally]) => [route, tally.proxies.estimate()]), total: this.total.proxies.estimate() };
  }

  /** One route in full; undefined for a route with no pairs. */
  detail(route: string): RouteDetail | undefined {
    const tally = this.routes.get(route);
    if (!tally) return undefined;
    const sample = (reservoir: Reservoir): LatencySample => ({ seen: reservoir.count, seconds: Array.from(reservoir.sorted()) });
    return {
      summary: tally.summarize(route, this.noiseOf(route)),
      fields: tally.all.fieldCounts(),
      latency: { primary: sample(tally.primaryLatency), shadow: sample(tally.all.shadowLatency), secondary: sample(tally.secondaryLatency) },
      targets: [...tally.targets.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([target, each]) => ({ target, fields: each.fieldCounts(), shadowLatency: sample(each.shadowLatency) })),
    };
  }

  summarize(): Summary {
    const routes = [...this.routes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([route, tally]) => tally.summarize(route, this.noiseOf(route)));
    return { routes, total: this.total.summarize("*", NO_NOISE) };
  }

  /** Every route and target seen, for the judge. */
  lines(): { route: string; target: string }[] {
    return [...this.routes.entries()].flatMap(([route, tally]) => [...tally.targets.keys()].map((target) => ({ route, target })));
  }

  /** A line's latency pairs: the target with the primary, with the secondary; the route's secondary with the primary. */
  latencyPairs(route: string, target: string): { vsPrimary: PairedLatencies; vsSecondary: PairedLatencies; secondaryVsPrimary: PairedLatencies } | undefined {
    const tally = this.routes.get(route);
    const line = tally?.targets.get(target);
    if (tally === undefined || line === undefined) return undefined;
    return { vsPrimary: line.vsPrimary, vsSecondary: line.vsSecondary, secondaryVsPrimary: tally.secondaryVsPrimary };
  }

  /** Comparisons with one target that could not be concluded (bodies that could not be compared). */
  inconclusive(route: string, target: string): number {
    return this.routes.get(route)?.targets.get(target)?.inconclusive ?? 0;
  }

  /** A line's comparisons as they were judged when they arrived. */
  counts(route: string, target: string): { matched: number; mismatched: number; pending: number } {
    const tally = this.routes.get(route)?.targets.get(target);
    return { matched: tally?.matched ?? 0, mismatched: tally?.mismatched ?? 0, pending: tally?.pending ?? 0 };
  }

  /** Routes and targets seen: lines of the verdict. */
  get lineCount(): number {
    let count = 0;
    for (const tally of this.routes.values()) count += tally.targets.size;
    return count;
  }

  /** Distinct proxies of one route; null for a route with no pairs. */
  routeProxies(route: string): number | null {
    return this.routes.get(route)?.proxies.estimate() ?? null;
  }

  private noiseOf(route: string): RouteNoiseReport {
    return this.noise?.(route) ?? NO_NOISE;
  }
}
