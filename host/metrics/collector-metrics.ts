import { Counter, Gauge, Histogram, type Registry } from "prom-client";

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const COMPARE_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05];

/**
 * The collector's Prometheus metrics. `shadow_comparison_total`, `shadow_latency_seconds` and
 * `primary_latency_seconds` keep the names of the shadow-deployment article's recording rules.
 */
export interface MetricSources {
  /** Distinct proxies per route and over all, read at each scrape. */
  proxies?: () => { byRoute: [string, number][]; total: number };
  /** Per route: pairs with a secondary, the secondary's share, and v1's own rate of differing per field, read at each scrape. */
  noise?: () => { route: string; secondaryPairs: number; secondaryShare: number | null; fieldRates: { field: string; noiseRate: number }[] }[];
  /** The judge's evidence per line, read at each scrape (the Prometheus source of `shadowdiff verdict` sums it over collectors). */
  judge?: () => JudgeSample[];
}

/** One line's evidence as the judge reads it now, at the default confidence. */
export interface JudgeSample {
  route: string;
  target: string;
  matched: number;
  mismatched: number;
  pending: number;
  /** The line's latency statistics against each baseline, and the route's path (target "", versus "path"). */
  latency: { versus: "primary" | "secondary" | "path"; pairs: number; logRatio: number; spread: number }[];
}

export function createCollectorMetrics(registry: Registry, sources: MetricSources = {}) {
  const registers = [registry];
  const proxies = sources.proxies;
  const noise = sources.noise;
  const judge = sources.judge;
  return {
    comparisons: new Counter({
      name: "shadow_comparison_total",
      help: "Conclusive comparisons of the primary's response with a target's, by route, target and whether they matched (a match may have had noise cancelled).",
      labelNames: ["route", "target", "match"] as const,
      registers,
    }),
    shadowLatency: new Histogram({
      name: "shadow_latency_seconds",
      help: "Target (shadow) response latency as measured by the proxy, by route and target.",
      labelNames: ["route", "target"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    primaryLatency: new Histogram({
      name: "primary_latency_seconds",
      help: "Primary response latency as measured by the proxy.",
      labelNames: ["route"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    mismatchFields: new Counter({
      name: "shadowdiff_mismatch_fields_total",
      help: "Differences found and not cancelled as noise, by route, target, field (capped) and kind (changed, added, removed, type, status, header).",
      labelNames: ["route", "target", "field", "kind"] as const,
      registers,
    }),
    shadowFailures: new Counter({
      name: "shadowdiff_shadow_failures_total",
      help: "Pairs whose target gave no response, by route, target and kind (timeout, reset, no_cluster, overflow).",
      labelNames: ["route", "target", "kind"] as const,
      registers,
    }),
    inconclusive: new Counter({
      name: "shadowdiff_inconclusive_total",
      help: "Comparisons that could not be concluded when they arrived, by route, target and reason (truncated, too_large, budget, undecodable, noise_pending: on fields not settled yet, recounted by the judge).",
      labelNames: ["route", "target", "reason"] as const,
      registers,
    }),
    noiseCancelled: new Counter({
      name: "shadowdiff_noise_cancelled_total",
      help: "Comparisons counted as matches because every difference was noise (the primary's own version differs there too), by route and target.",
      labelNames: ["route", "target"] as const,
      registers,
    }),
    noiseCancelledFields: new Counter({
      name: "shadowdiff_noise_cancelled_fields_total",
      help: "Differences cancelled as noise, by route, target and field (capped).",
      labelNames: ["route", "target", "field"] as const,
      registers,
    }),
    secondaryPairs: new Gauge({
      name: "shadowdiff_noise_secondary_pairs",
      help: "Pairs with a secondary (the primary's own version asked again) compared on the route since the collector started: the sample behind the noise rates.",
      labelNames: ["route"] as const,
      registers,
      collect() {
        if (noise === undefined) return;
        for (const route of noise()) this.labels(route.route).set(route.secondaryPairs);
      },
    }),
    secondaryShare: new Gauge({
      name: "shadowdiff_noise_secondary_share",
      help: "The secondary's share of mirrored requests on the route, as the filter's configuration says in the latest pair (0: none configured).",
      labelNames: ["route"] as const,
      registers,
      collect() {
        if (noise === undefined) return;
        for (const route of noise()) if (route.secondaryShare !== null) this.labels(route.route).set(route.secondaryShare);
      },
    }),
    noisyFieldRate: new Gauge({
      name: "shadowdiff_noise_field_rate",
      help: "v1's own rate of differing from itself: the share of pairs with a secondary where primary and secondary differed on the field, by route and field (capped).",
      labelNames: ["route", "field"] as const,
      registers,
      collect() {
        if (noise === undefined) return;
        this.reset();
        for (const route of noise()) for (const field of route.fieldRates) this.labels(route.route, field.field).set(field.noiseRate);
      },
    }),
    judgeComparisons: new Gauge({
      name: "shadowdiff_judge_comparisons",
      help: "Conclusive comparisons as the judge counts them now (noise recounted as evidence grows), by route, target and class (match, mismatch, pending: on fields not settled yet).",
      labelNames: ["route", "target", "class"] as const,
      registers,
      collect() {
        if (judge === undefined) return;
        this.reset();
        for (const line of judge()) {
          this.labels(line.route, line.target, "match").set(line.matched);
          this.labels(line.route, line.target, "mismatch").set(line.mismatched);
          this.labels(line.route, line.target, "pending").set(line.pending);
        }
      },
    }),
    ...judgeLatencyGauges(registers, judge),
    pairsReceived: new Counter({
      name: "shadowdiff_pairs_received_total",
      help: "Pairs received in report calls, accepted or not.",
      registers,
    }),
    pairsDropped: new Counter({
      name: "shadowdiff_pairs_dropped_total",
      help: "Pairs not taken at intake, by reason: queue_full, or the contract rule a pair broke (malformed, invalid_id, invalid_status, invalid_field, too_large).",
      labelNames: ["reason"] as const,
      registers,
    }),
    reports: new Counter({
      name: "shadowdiff_reports_total",
      help: "Report calls, by outcome (ok, invalid, exhausted, unauthenticated).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    compareSeconds: new Histogram({
      name: "shadowdiff_compare_seconds",
      help: "Time spent comparing one pair.",
      buckets: COMPARE_BUCKETS,
      registers,
    }),
    routeProxies: new Gauge({
      name: "shadowdiff_route_proxies",
      help: "Distinct proxies (Envoy node ids) whose pairs were compared on the route since the collector started: exact up to 64, then estimated. One label per route, never per proxy.",
      labelNames: ["route"] as const,
      registers,
      collect() {
        if (proxies === undefined) return;
        for (const [route, count] of proxies().byRoute) this.labels(route).set(count);
      },
    }),
    proxies: new Gauge({
      name: "shadowdiff_proxies",
      help: "Distinct proxies (Envoy node ids) whose pairs were compared since the collector started: exact up to 64, then estimated.",
      registers,
      collect() {
        if (proxies !== undefined) this.set(proxies().total);
      },
    }),
    queueDepth: new Gauge({
      name: "shadowdiff_queue_depth",
      help: "Pairs accepted and waiting for comparison.",
      registers,
    }),
  };
}

/**
 * The p95 latency ratio's statistics per line, as sums over pairs so that Prometheus can pool
 * collectors with sum(): pairs, pairs × log ratio, pairs × spread² (spread: one pair's influence).
 */
function judgeLatencyGauges(registers: Registry[], judge: MetricSources["judge"]) {
  const gauge = (name: string, help: string, value: (statistic: JudgeSample["latency"][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["route", "target", "versus"] as const,
      registers,
      collect() {
        if (judge === undefined) return;
        this.reset();
        const seen = new Set<string>();
        for (const line of judge()) {
          for (const statistic of line.latency) {
            // The path is the route's: once per route.
            const target = statistic.versus === "path" ? "" : line.target;
            const key = `${line.route}\u0000${target}\u0000${statistic.versus}`;
            if (seen.has(key)) continue;
            seen.add(key);
            this.labels(line.route, target, statistic.versus).set(value(statistic));
          }
        }
      },
    });
  return {
    judgeLatencyPairs: gauge("shadowdiff_judge_latency_pairs", "Pairs behind the judge's p95 latency ratio, by route, target and baseline (versus primary, secondary; the route's path: secondary versus primary).", (s) => s.pairs),
    judgeLatencyLogRatio: gauge("shadowdiff_judge_latency_log_ratio_sum", "Pairs times the log of the p95 latency ratio (sum over collectors, divide by the pairs).", (s) => s.pairs * s.logRatio),
    judgeLatencyVariance: gauge("shadowdiff_judge_latency_variance_sum", "Pairs times the variance of one pair's influence on the log p95 ratio (sum over collectors, divide by the pairs).", (s) => s.pairs * s.spread ** 2),
  };
}

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
