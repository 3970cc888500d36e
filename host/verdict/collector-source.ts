// Reads the gate's measurements from a collector's GET /api/summary, for clusters without
// Prometheus. One collector replica knows only the pairs it compared itself.
import { z } from "zod";
import type { RouteMeasurement } from "./decide.js";
import { SourceError, fetchJson } from "./http.js";
import { measurementOf } from "./summary-measurement.js";

const routeSummary = z.object({
  route: z.string(),
  matched: z.number(),
  mismatched: z.number(),
  matchRatio: z.number().nullable(),
  latencyRatioP95: z.number().nullable(),
});

const summary = z.object({ routes: z.array(routeSummary) });

export async function measurementsFromCollector(collectorUrl: string, timeoutMs: number): Promise<RouteMeasurement[]> {
  const url = new URL("api/summary", collectorUrl.endsWith("/") ? collectorUrl : `${collectorUrl}/`);
  const parsed = summary.safeParse(await fetchJson(url, timeoutMs));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SourceError(`the collector's summary is not as expected at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? ""}`, url.toString());
  }
  return parsed.data.routes.map(measurementOf);
}
