// Reads the gate's measurements from Prometheus: instant queries of the per-route and per-target
// series that istio/prometheus/shadowdiff.rules.yaml records, and the collector's noise gauges.
import { z } from "zod";
import type { Measurements } from "./collector-source.js";
import type { NoiseNote } from "./decide.js";
import { SourceError, fetchJson } from "./http.js";

export const RECORDED_SERIES = {
  matchRatio: "shadow:response_match_ratio:by_route_target",
  latencyRatioP95: "shadow:latency_ratio:by_route_target",
  pairs: "shadow:comparisons:increase5m:by_route_target",
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

/** The route's noise as the collectors export it; with several replicas, the largest figures. */
export const NOISE_QUERIES = {
  secondaryPairs: "max by (route) (shadowdiff_noise_secondary_pairs)",
  warmingUp: "max by (route) (shadowdiff_noise_warming_up)",
  noisyFields: "max by (route, field) (shadowdiff_noise_field_rate)",
} as const;

type Sample = { labels: Record<string, string>; value: number | null };

/** The samples of an instant query. Prometheus writes NaN and ±Inf as strings; those become null. */
async function query(prometheusUrl: string, expression: string, timeoutMs: number): Promise<Sample[]> {
  const url = new URL("api/v1/query", withSlash(prometheusUrl));
  url.searchParams.set("query", expression);
  const parsed = instantVector.safeParse(await fetchJson(url, timeoutMs));
  if (!parsed.success) throw new SourceError(`Prometheus answered ${expression} with something other than an instant vector`, url.toString());
  return parsed.data.data.result.map((sample) => {
    const value = Number(sample.value[1]);
    return { labels: sample.metric, value: Number.isFinite(value) ? value : null };
  });
}

/** `labels` joined into one key → value; samples without one of the labels are left out. */
async function queryBy(prometheusUrl: string, expression: string, labels: string[], timeoutMs: number): Promise<Map<string, number | null>> {
  const values = new Map<string, number | null>();
  for (const sample of await query(prometheusUrl, expression, timeoutMs)) {
    const parts = labels.map((label) => sample.labels[label]);
    if (parts.some((part) => part === undefined)) continue;
    values.set(JSON.stringify(parts), sample.value);
  }
  return values;
}

/** Route label → value. */
async function queryByRoute(prometheusUrl: string, expression: string, timeoutMs: number): Promise<Map<string, number | null>> {
  const keyed = await queryBy(prometheusUrl, expression, ["route"], timeoutMs);
  return new Map([...keyed].map(([key, value]) => [(JSON.parse(key) as [string])[0], value]));
}

export async function measurementsFromPrometheus(prometheusUrl: string, timeoutMs: number): Promise<Measurements> {
  const byTarget = (expression: string) => queryBy(prometheusUrl, expression, ["route", "target"], timeoutMs);
  const [matchRatio, latencyRatioP95, pairs, proxies, total, noise] = await Promise.all([
    byTarget(RECORDED_SERIES.matchRatio),
    byTarget(RECORDED_SERIES.latencyRatioP95),
    byTarget(RECORDED_SERIES.pairs),
    queryByRoute(prometheusUrl, PROXY_QUERIES.byRoute, timeoutMs),
    queryScalar(prometheusUrl, PROXY_QUERIES.total, timeoutMs),
    noiseByRoute(prometheusUrl, timeoutMs),
  ]);
  const keys = new Set([...matchRatio.keys(), ...latencyRatioP95.keys(), ...pairs.keys()]);
  return {
    routes: [...keys].map((key) => {
      const [route, target] = JSON.parse(key) as [string, string];
      const routeNoise = noise.get(route);
      return {
        route,
        target,
        // increase() extrapolates, so counts come back fractional.
        pairs: Math.round(pairs.get(key) ?? 0),
        proxies: proxies.get(route) ?? null,
        matchRatio: matchRatio.get(key) ?? null,
        latencyRatioP95: latencyRatioP95.get(key) ?? null,
        ...(routeNoise === undefined ? {} : { noise: routeNoise }),
      };
    }),
    proxies: total,
  };
}

/** Per route with a secondary: its sample, whether it is warming up, its noisy fields. */
async function noiseByRoute(prometheusUrl: string, timeoutMs: number): Promise<Map<string, NoiseNote>> {
  const [secondaryPairs, warmingUp, fields] = await Promise.all([
    queryByRoute(prometheusUrl, NOISE_QUERIES.secondaryPairs, timeoutMs),
    queryByRoute(prometheusUrl, NOISE_QUERIES.warmingUp, timeoutMs),
    queryBy(prometheusUrl, NOISE_QUERIES.noisyFields, ["route", "field"], timeoutMs),
  ]);
  const notes = new Map<string, NoiseNote>();
  for (const [route, pairs] of secondaryPairs) {
    if (!pairs) continue;
    notes.set(route, { state: warmingUp.get(route) === 1 ? "warmup" : "ready", secondaryPairs: pairs, warmupPairs: null, noisyFields: [] });
  }
  for (const [key, noiseRate] of fields) {
    const [route, field] = JSON.parse(key) as [string, string];
    if (noiseRate !== null) notes.get(route)?.noisyFields.push({ field, noiseRate });
  }
  for (const note of notes.values()) note.noisyFields.sort((a, b) => b.noiseRate - a.noiseRate || (a.field < b.field ? -1 : 1));
  return notes;
}

/** The value of a query that yields one unlabelled sample; null when it yields none. */
async function queryScalar(prometheusUrl: string, expression: string, timeoutMs: number): Promise<number | null> {
  return (await query(prometheusUrl, expression, timeoutMs))[0]?.value ?? null;
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
