// Reads the gate's measurements from Prometheus: instant queries of the per-route series that
// istio/prometheus/shadowdiff.rules.yaml records.
import { z } from "zod";
import type { Measurements } from "./collector-source.js";
import { SourceError, fetchJson } from "./http.js";

export const RECORDED_SERIES = {
  matchRatio: "shadow:response_match_ratio:by_route",
  latencyRatioP95: "shadow:latency_ratio:by_route",
  pairs: "shadow:comparisons:increase5m:by_route",
} as const;

const instantVector = z.object({
  status: z.literal("success"),
  data: z.object({
    resultType: z.literal("vector"),
    result: z.array(
      z.object({
        metric: z.record(z.string(), z.string()),
        value: z.tuple([z.number(), z.string()]),
      }),
    ),
  }),
});

/**
 * Distinct proxies, per route and over all, as the collector counts them since it started (one
 * series per route, never per proxy); with several replicas, the largest count among them.
 */
export const PROXY_QUERIES = {
  byRoute: "max by (route) (shadowdiff_route_proxies)",
  total: "max(shadowdiff_proxies)",
} as const;

/** Route label → value. Prometheus writes NaN and ±Inf as strings; those become null. */
export async function queryByRoute(prometheusUrl: string, query: string, timeoutMs: number): Promise<Map<string, number | null>> {
  const url = new URL("api/v1/query", withSlash(prometheusUrl));
  url.searchParams.set("query", query);
  const body = await fetchJson(url, timeoutMs);
  const parsed = instantVector.safeParse(body);
  if (!parsed.success) {
    throw new SourceError(`Prometheus answered ${query} with something other than an instant vector`, url.toString());
  }
  const values = new Map<string, number | null>();
  for (const sample of parsed.data.data.result) {
    const route = sample.metric.route;
    if (route === undefined) continue;
    const value = Number(sample.value[1]);
    values.set(route, Number.isFinite(value) ? value : null);
  }
  return values;
}

export async function measurementsFromPrometheus(prometheusUrl: string, timeoutMs: number): Promise<Measurements> {
  const [matchRatio, latencyRatioP95, pairs, proxies, total] = await Promise.all([
    queryByRoute(prometheusUrl, RECORDED_SERIES.matchRatio, timeoutMs),
    queryByRoute(prometheusUrl, RECORDED_SERIES.latencyRatioP95, timeoutMs),
    queryByRoute(prometheusUrl, RECORDED_SERIES.pairs, timeoutMs),
    queryByRoute(prometheusUrl, PROXY_QUERIES.byRoute, timeoutMs),
    queryScalar(prometheusUrl, PROXY_QUERIES.total, timeoutMs),
  ]);
  const routes = new Set([...matchRatio.keys(), ...latencyRatioP95.keys(), ...pairs.keys()]);
  return {
    routes: [...routes].map((route) => ({
      route,
      // increase() extrapolates, so counts come back fractional.
      pairs: Math.round(pairs.get(route) ?? 0),
      proxies: proxies.get(route) ?? null,
      matchRatio: matchRatio.get(route) ?? null,
      latencyRatioP95: latencyRatioP95.get(route) ?? null,
    })),
    proxies: total,
  };
}

/** The value of a query that yields one unlabelled sample; null when it yields none. */
async function queryScalar(prometheusUrl: string, query: string, timeoutMs: number): Promise<number | null> {
  const url = new URL("api/v1/query", withSlash(prometheusUrl));
  url.searchParams.set("query", query);
  const parsed = instantVector.safeParse(await fetchJson(url, timeoutMs));
  if (!parsed.success) throw new SourceError(`Prometheus answered ${query} with something other than an instant vector`, url.toString());
  const value = Number(parsed.data.data.result[0]?.value[1]);
  return Number.isFinite(value) ? value : null;
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
