import type { Comparison } from "../compare/comparison.js";
import { DistinctCount, hashString } from "./distinct-count.js";
import { Reservoir } from "./reservoir.js";

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
}

/** One row of `GET /api/summary`. */
export interface RouteSummary {
  route: string;
  pairs: number;
  /** Distinct proxies (proxy_id) whose pairs these are: exact up to 64, then an estimate. */
  proxies: number;
  matched: number;
  mismatched: number;
  inconclusive: number;
  /** matched / (matched + mismatched); null when both are 0. */
  matchRatio: number | null;
  primaryLatency: LatencySummary;
  shadowLatency: LatencySummary;
  /** shadowLatency.p95 / primaryLatency.p95; null when either is missing. */
  latencyRatioP95: number | null;
  topFields: FieldCount[];
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
  latency: { primary: LatencySample; shadow: LatencySample };
}

export interface Summary {
  routes: RouteSummary[];
  total: RouteSummary;
}

const RESERVOIR_SIZE = 1024;
const MAX_FIELDS_PER_ROUTE = 100;
const TOP_FIELDS = 10;

class RouteTally {
  matched = 0;
  mismatched = 0;
  inconclusive = 0;
  readonly primaryLatency = new Reservoir(RESERVOIR_SIZE);
  readonly shadowLatency = new Reservoir(RESERVOIR_SIZE);
  readonly proxies = new DistinctCount();
  /** `field \0 kind` → count, bounded; further fields are counted as `other`. */
  readonly fields = new Map<string, number>();

  record(comparison: Comparison, primarySeconds: number, shadowSeconds: number | null, fields: readonly { field: string; kind: string }[], proxyHash: number): void {
    this.proxies.addHash(proxyHash);
    if (comparison.outcome === "match") this.matched++;
    else if (comparison.outcome === "mismatch") this.mismatched++;
    else this.inconclusive++;
    this.primaryLatency.add(primarySeconds);
    if (shadowSeconds !== null) this.shadowLatency.add(shadowSeconds);
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

  summarize(route: string): RouteSummary {
    const [p50, p95] = this.primaryLatency.quantiles([0.5, 0.95]);
    const [s50, s95] = this.shadowLatency.quantiles([0.5, 0.95]);
    const decided = this.matched + this.mismatched;
    const topFields = this.fieldCounts().slice(0, TOP_FIELDS);
    return {
      route,
      pairs: decided + this.inconclusive,
      proxies: this.proxies.estimate(),
      matched: this.matched,
      mismatched: this.mismatched,
      inconclusive: this.inconclusive,
      matchRatio: decided === 0 ? null : this.matched / decided,
      primaryLatency: { p50: p50 ?? null, p95: p95 ?? null },
      shadowLatency: { p50: s50 ?? null, p95: s95 ?? null },
      latencyRatioP95: p95 && s95 !== null && s95 !== undefined ? s95 / p95 : null,
      topFields,
    };
  }
}

/**
 * Per-route tallies behind `/api/summary`, since the collector started. Percentiles come from a
 * bounded uniform reservoir of 1024 latencies per route and side (and one over all routes).
 * Distinct proxies are counted in at most 1 KiB per route. Routes are already capped by the route
 * labeler, so memory is bounded.
 */
export class SummaryBook {
  private readonly routes = new Map<string, RouteTally>();
  private readonly total = new RouteTally();

  /** The proxy of the last pair, and its hash: a batch's pairs come from one proxy. */
  private lastProxy = { id: "", hash: hashString("") };

  record(route: string, comparison: Comparison, primarySeconds: number, shadowSeconds: number | null, fields: readonly { field: string; kind: string }[], proxyId = ""): void {
    let tally = this.routes.get(route);
    if (!tally) {
      tally = new RouteTally();
      this.routes.set(route, tally);
    }
    if (proxyId !== this.lastProxy.id) this.lastProxy = { id: proxyId, hash: hashString(proxyId) };
    tally.record(comparison, primarySeconds, shadowSeconds, fields, this.lastProxy.hash);
    this.total.record(comparison, primarySeconds, shadowSeconds, fields, this.lastProxy.hash);
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
      summary: tally.summarize(route),
      fields: tally.fieldCounts(),
      latency: { primary: sample(tally.primaryLatency), shadow: sample(tally.shadowLatency) },
    };
  }

  summarize(): Summary {
    const routes = [...this.routes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([route, tally]) => tally.summarize(route));
    return { routes, total: this.total.summarize("*") };
  }
}
