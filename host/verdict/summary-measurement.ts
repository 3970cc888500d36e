import type { NoiseNote, RouteMeasurement } from "./decide.js";

/** The counts of a collector's `/api/summary` row (or of one of its targets) that the gate reads. */
export interface SummaryCounts {
  matched: number;
  mismatched: number;
  matchRatio: number | null;
  latencyRatioP95: number | null;
}

/** The route's noise as `/api/summary` reports it. */
export interface SummaryNoise {
  state: NoiseNote["state"];
  secondaryPairs: number;
  warmupPairs: number;
  fields: { field: string; noiseRate: number; noisy: boolean }[];
}

/** The parts of a collector's `/api/summary` row that the gate reads. */
export interface SummaryRow extends SummaryCounts {
  route: string;
  /** Set on a row of one target (as the page lays the summary out, one row per route and target). */
  target?: string | undefined;
  /** Absent from a collector from before distinct proxies were counted. */
  proxies?: number | undefined;
  /** Absent from a collector from before targets were named. */
  targets?: (SummaryCounts & { target: string })[] | undefined;
  noise?: SummaryNoise | undefined;
}

/**
 * What the gate judges in a collector's summary row, over every target together: conclusive
 * comparisons only (inconclusive pairs count toward neither ratio). The page uses it.
 */
export function measurementOf(row: SummaryRow): RouteMeasurement {
  return { route: row.route, ...(row.target === undefined ? {} : { target: row.target }), ...countsOf(row), proxies: row.proxies ?? null, ...noiseOf(row.noise) };
}

/**
 * One measurement per target of the row (`shadowdiff verdict --collector` judges each on its own);
 * a row from a collector from before targets were named is one measurement without a target.
 */
export function measurementsOf(row: SummaryRow): RouteMeasurement[] {
  if (row.targets === undefined) return [measurementOf(row)];
  return row.targets.map((counts) => ({ route: row.route, target: counts.target, ...countsOf(counts), proxies: row.proxies ?? null, ...noiseOf(row.noise) }));
}

function countsOf(counts: SummaryCounts): Pick<RouteMeasurement, "pairs" | "matchRatio" | "latencyRatioP95"> {
  return { pairs: counts.matched + counts.mismatched, matchRatio: counts.matchRatio, latencyRatioP95: counts.latencyRatioP95 };
}

function noiseOf(noise: SummaryNoise | undefined): { noise?: NoiseNote } {
  if (noise === undefined || noise.state === "off") return {};
  const noisyFields = noise.fields.filter((field) => field.noisy).map(({ field, noiseRate }) => ({ field, noiseRate }));
  return { noise: { state: noise.state, secondaryPairs: noise.secondaryPairs, warmupPairs: noise.warmupPairs, noisyFields } };
}
