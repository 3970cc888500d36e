import type { RouteMeasurement } from "./decide.js";

/** The parts of a collector's `/api/summary` row that the gate reads. */
export interface SummaryRow {
  route: string;
  /** Absent from a collector from before distinct proxies were counted. */
  proxies?: number | undefined;
  matched: number;
  mismatched: number;
  matchRatio: number | null;
  latencyRatioP95: number | null;
}

/**
 * What the gate judges in a collector's summary row: conclusive comparisons only (inconclusive
 * pairs count toward neither ratio). `shadowdiff verdict --collector` and the page both use it.
 */
export function measurementOf(row: SummaryRow): RouteMeasurement {
  return { route: row.route, pairs: row.matched + row.mismatched, proxies: row.proxies ?? null, matchRatio: row.matchRatio, latencyRatioP95: row.latencyRatioP95 };
}
