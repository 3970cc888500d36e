// Reads the gate's measurements from a collector's GET /api/summary, for clusters without
// Prometheus. One collector replica knows only the pairs it compared itself.
import { z } from "zod";
import type { RouteMeasurement } from "./decide.js";
import { SourceError, fetchJson } from "./http.js";
import type { IntakeState } from "./proxy-count.js";
import { measurementsOf } from "./summary-measurement.js";

const counts = {
  matched: z.number(),
  mismatched: z.number(),
  matchRatio: z.number().nullable(),
  latencyRatioP95: z.number().nullable(),
};

const routeSummary = z.object({
  route: z.string(),
  // A collector from before distinct proxies were counted leaves it out.
  proxies: z.number().optional(),
  ...counts,
  // A collector from before targets and noise leaves them out.
  targets: z.array(z.object({ target: z.string(), ...counts })).optional(),
  noise: z
    .object({
      state: z.enum(["off", "warmup", "ready"]),
      secondaryPairs: z.number(),
      warmupPairs: z.number(),
      fields: z.array(z.object({ field: z.string(), noiseRate: z.number(), noisy: z.boolean() })),
    })
    .optional(),
});

const summary = z.object({
  routes: z.array(routeSummary),
  total: z.object({ proxies: z.number().optional() }).optional(),
  // A collector from before it said so leaves it out.
  intake: z.object({ authenticated: z.boolean() }).optional(),
});

/** What the gate reads from a source: per route, and the distinct proxies over all of them. */
export interface Measurements {
  routes: RouteMeasurement[];
  proxies: number | null;
  /** What the source says of the collector's intake; null when it does not say. */
  intake?: IntakeState | null;
}

export async function measurementsFromCollector(collectorUrl: string, timeoutMs: number, token?: string): Promise<Measurements> {
  const url = new URL("api/summary", collectorUrl.endsWith("/") ? collectorUrl : `${collectorUrl}/`);
  const parsed = summary.safeParse(await fetchJson(url, timeoutMs, token));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SourceError(`the collector's summary is not as expected at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? ""}`, url.toString());
  }
  return { routes: parsed.data.routes.flatMap(measurementsOf), proxies: parsed.data.total?.proxies ?? null, intake: parsed.data.intake ?? null };
}
