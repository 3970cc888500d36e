// The verdict's evidence from Prometheus, for clusters with several collector replicas: each
// collector exports its judge's counts and latency statistics as gauges (host/metrics), and sums
// over replicas pool them — counts add; the p95 ratio's statistics are pair-weighted means. Gauges
// count since each collector started: after a restart its counts start again (the verdict says so).
import { z } from "zod";
import type { LineEvidence } from "../judge/line-judgement.js";
import type { RatioStatistic } from "../judge/quantile-ratio.js";
import type { EvidenceSource } from "../judge/verdict.js";
import { SourceError, fetchJson } from "./http.js";

export const JUDGE_QUERIES = {
  comparisons: "sum by (route, target, class) (shadowdiff_judge_comparisons)",
  latencyPairs: "sum by (route, target, versus) (shadowdiff_judge_latency_pairs)",
  latencyLogRatio: "sum by (route, target, versus) (shadowdiff_judge_latency_log_ratio_sum)",
  latencyVariance: "sum by (route, target, versus) (shadowdiff_judge_latency_variance_sum)",
  inconclusive: 'sum by (route, target) (shadowdiff_inconclusive_total{reason!="noise_pending"})',
  secondaryShare: "max by (route) (shadowdiff_noise_secondary_share)",
  secondaryPairs: "sum by (route) (shadowdiff_noise_secondary_pairs)",
  /** Collectors that restarted within the day: their counts start again from then. */
  restarts: "sum(resets(shadowdiff_pairs_received_total[1d]))",
} as const;

/**
 * Distinct proxies, per route and over all, as the collector counts them since it started (one
 * series per route, never per proxy); with several replicas, the largest count among them.
 */
export const PROXY_QUERIES = {
  byRoute: "max by (route) (shadowdiff_route_proxies)",
  total: "max(shadowdiff_proxies)",
} as const;

const instantVector = z.object({
  status: z.literal("success"),
  data: z.object({
    resultType: z.literal("vector"),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});

type Sample = { labels: Record<string, string>; value: number };

/** The samples of an instant query; NaN and ±Inf (which Prometheus writes as strings) are left out. */
async function query(prometheusUrl: string, expression: string, timeoutMs: number): Promise<Sample[]> {
  const url = new URL("api/v1/query", prometheusUrl.endsWith("/") ? prometheusUrl : `${prometheusUrl}/`);
  url.searchParams.set("query", expression);
  const parsed = instantVector.safeParse(await fetchJson(url, timeoutMs));
  if (!parsed.success) throw new SourceError(`Prometheus answered ${expression} with something other than an instant vector`, url.toString());
  return parsed.data.data.result
    .map((sample) => ({ labels: sample.metric, value: Number(sample.value[1]) }))
    .filter((sample) => Number.isFinite(sample.value));
}

/** `labels` joined into one key → value; samples without one of the labels (or with it empty) count under "". */
async function queryBy(prometheusUrl: string, expression: string, labels: readonly string[], timeoutMs: number): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const sample of await query(prometheusUrl, expression, timeoutMs)) values.set(key(...labels.map((label) => sample.labels[label] ?? "")), sample.value);
  return values;
}

const key = (...parts: string[]): string => JSON.stringify(parts);

export interface PrometheusEvidence {
  source: EvidenceSource;
  /** Collectors that restarted within the last day (0 when none). */
  restarts: number;
}

export async function evidenceFromPrometheus(prometheusUrl: string, timeoutMs: number): Promise<PrometheusEvidence> {
  const by = (expression: string, labels: readonly string[]) => queryBy(prometheusUrl, expression, labels, timeoutMs);
  const lineLabels = ["route", "target"] as const;
  const latencyLabels = ["route", "target", "versus"] as const;
  const [comparisons, latencyPairs, latencyLogRatio, latencyVariance, inconclusive, secondaryShare, secondaryPairs, proxiesByRoute, proxies, restarts] = await Promise.all([
    by(JUDGE_QUERIES.comparisons, ["route", "target", "class"]),
    by(JUDGE_QUERIES.latencyPairs, latencyLabels),
    by(JUDGE_QUERIES.latencyLogRatio, latencyLabels),
    by(JUDGE_QUERIES.latencyVariance, latencyLabels),
    by(JUDGE_QUERIES.inconclusive, lineLabels),
    by(JUDGE_QUERIES.secondaryShare, ["route"]),
    by(JUDGE_QUERIES.secondaryPairs, ["route"]),
    by(PROXY_QUERIES.byRoute, ["route"]),
    query(prometheusUrl, PROXY_QUERIES.total, timeoutMs),
    query(prometheusUrl, JUDGE_QUERIES.restarts, timeoutMs),
  ]);
  const lines = new Map<string, { route: string; target: string }>();
  for (const name of comparisons.keys()) {
    const [route, target] = JSON.parse(name) as [string, string, string];
    lines.set(key(route, target), { route, target });
  }
  const statistic = (route: string, target: string, versus: string): RatioStatistic | null => {
    const at = key(route, target, versus);
    const pairs = latencyPairs.get(at) ?? 0;
    if (pairs <= 0) return null;
    // Sums over collectors divided by their pairs: pair-weighted means, the pooled statistic.
    return { pairs, logRatio: (latencyLogRatio.get(at) ?? 0) / pairs, spread: Math.sqrt(Math.max(latencyVariance.get(at) ?? 0, 0) / pairs) };
  };
  const evidence = (route: string, target: string): LineEvidence => {
    const count = (cls: string) => Math.round(comparisons.get(key(route, target, cls)) ?? 0);
    const share = secondaryShare.get(key(route)) ?? null;
    const secondary = Math.round(secondaryPairs.get(key(route)) ?? 0);
    const on = (share ?? 0) > 0 || secondary > 0;
    return {
      route,
      target,
      matched: count("match"),
      mismatched: count("mismatch"),
      pending: count("pending"),
      inconclusive: Math.round(inconclusive.get(key(route, target)) ?? 0),
      noise: { on, share, secondaryPairs: secondary, pendingFields: [] },
      latency: {
        secondaryConfigured: on,
        targetVsPrimary: statistic(route, target, "primary"),
        targetVsSecondary: statistic(route, target, "secondary"),
        secondaryVsPrimary: statistic(route, "", "path"),
      },
      proxies: proxiesByRoute.get(key(route)) ?? null,
    };
  };
  return {
    source: { lines: () => [...lines.values()], evidence, proxies: proxies[0]?.value ?? null },
    restarts: restarts[0]?.value ?? 0,
  };
}
