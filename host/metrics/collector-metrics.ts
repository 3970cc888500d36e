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
  /** Per route: pairs with a secondary, and the noise rate of each noisy field, read at each scrape. */
  noise?: () => { route: string; secondaryPairs: number; warmingUp: boolean; noisyFields: { field: string; noiseRate: number }[] }[];
}

export function createCollectorMetrics(registry: Registry, sources: MetricSources = {}) {
  const registers = [registry];
  const proxies = sources.proxies;
  const noise = sources.noise;
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
      help: "Comparisons that could not be concluded, by route, target and reason (truncated, too_large, budget, undecodable, noise_warmup).",
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
    noiseWarmingUp: new Gauge({
      name: "shadowdiff_noise_warming_up",
      help: "1 while the route has fewer pairs with a secondary than noise.warmupPairs (its differences cannot be judged as noise yet, and are inconclusive), else 0.",
      labelNames: ["route"] as const,
      registers,
      collect() {
        if (noise === undefined) return;
        for (const route of noise()) this.labels(route.route).set(route.warmingUp ? 1 : 0);
      },
    }),
    noisyFieldRate: new Gauge({
      name: "shadowdiff_noise_field_rate",
      help: "Noisy fields: the share of pairs with a secondary where primary and secondary differed on the field, by route and field (capped).",
      labelNames: ["route", "field"] as const,
      registers,
      collect() {
        if (noise === undefined) return;
        this.reset();
        for (const route of noise()) for (const field of route.noisyFields) this.labels(route.route, field.field).set(field.noiseRate);
      },
    }),
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

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
