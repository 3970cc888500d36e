import type { Pair } from "../capture/pair.js";
import type { Comparator } from "../compare/comparator.js";
import type { Comparison } from "../compare/comparison.js";
import type { RouteLabeler } from "../routes/route-labels.js";
import type { BodyRedactor } from "../mismatches/body-redaction.js";
import { mismatchRecord } from "../mismatches/mismatch-record.js";
import type { MismatchStore } from "../mismatches/mismatch-store.js";
import type { Logger } from "../log.js";
import type { CollectorMetrics } from "../metrics/collector-metrics.js";
import type { FieldLabeler } from "../metrics/field-labels.js";
import type { SummaryBook } from "../summary/summary.js";

export interface PairProcessorParts {
  comparator: Comparator;
  routes: RouteLabeler;
  fields: FieldLabeler;
  metrics: CollectorMetrics;
  summary: SummaryBook;
  mismatches: MismatchStore;
  /** What of a body may be kept with a mismatch. */
  bodies: BodyRedactor;
  log: Logger;
}

/** The differences of a comparison as (field label, kind), the unit of the mismatch metric. */
function fieldsOf(comparison: Comparison, fields: FieldLabeler): { field: string; kind: string }[] {
  const out: { field: string; kind: string }[] = [];
  if (comparison.status) out.push({ field: "status", kind: "status" });
  for (const header of comparison.headers) out.push({ field: header.name, kind: "header" });
  if (comparison.body) {
    const seen = new Set<string>();
    for (const difference of comparison.body.differences) {
      const field = fields.label(difference.path);
      const key = `${field} ${difference.kind}`;
      // One count per field and kind per pair: `$.items[*].price` changing in 40 elements is one.
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ field, kind: difference.kind });
    }
  }
  return out;
}

/**
 * The per-route metric children used for every pair, looked up once per route (routes are capped).
 * Their series are created at 0 when the route first appears, so that rate() and increase() count
 * a route's first pairs too (a series that starts at its first increment loses them).
 */
function routeChildren(metrics: CollectorMetrics, route: string) {
  const children = {
    primaryLatency: metrics.primaryLatency.labels(route),
    shadowLatency: metrics.shadowLatency.labels(route),
    matched: metrics.comparisons.labels(route, "true"),
    mismatched: metrics.comparisons.labels(route, "false"),
  };
  // prom-client 15's Counter has no zero() at run time (its typings do); inc(0) creates the series.
  children.matched.inc(0);
  children.mismatched.inc(0);
  metrics.primaryLatency.zero({ route });
  metrics.shadowLatency.zero({ route });
  return children;
}

/** Compares one accepted pair and records the result everywhere it is looked at. */
export function createPairProcessor(parts: PairProcessorParts): (pair: Pair) => Comparison {
  const { comparator, routes, fields, metrics, summary, mismatches, bodies, log } = parts;
  const children = new Map<string, ReturnType<typeof routeChildren>>();
  return (pair) => {
    const route = routes.label(pair.path);
    let perRoute = children.get(route);
    if (!perRoute) {
      perRoute = routeChildren(metrics, route);
      children.set(route, perRoute);
    }
    const started = performance.now();
    const comparison = comparator.compare(pair);
    metrics.compareSeconds.observe((performance.now() - started) / 1000);

    const primarySeconds = pair.primary.latencyNanos / 1e9;
    perRoute.primaryLatency.observe(primarySeconds);
    const shadowSeconds = pair.shadow ? pair.shadow.latencyNanos / 1e9 : null;
    if (shadowSeconds !== null) perRoute.shadowLatency.observe(shadowSeconds);

    const differing = comparison.outcome === "mismatch" ? fieldsOf(comparison, fields) : [];
    if (comparison.outcome === "inconclusive") {
      metrics.inconclusive.labels(route, comparison.inconclusive?.reason ?? "budget").inc();
    } else if (comparison.outcome === "match") {
      perRoute.matched.inc();
    } else {
      perRoute.mismatched.inc();
    }
    if (comparison.shadowFailure) metrics.shadowFailures.labels(route, comparison.shadowFailure).inc();
    for (const { field, kind } of differing) metrics.mismatchFields.labels(route, field, kind).inc();
    summary.record(route, comparison, primarySeconds, shadowSeconds, differing, pair.proxyId);

    // Inconclusive pairs are kept too, so that a person can see why they could not be compared.
    if (comparison.outcome === "match") return comparison;
    const exampleId = mismatches.add(mismatchRecord(pair, route, comparison, bodies));
    if (comparison.outcome === "mismatch") {
      if (log.enabled("debug")) log.debug("pair mismatched", { pairId: pair.id, route, exampleId, shadowFailure: comparison.shadowFailure, fields: differing });
    } else if (log.enabled("debug")) {
      log.debug("pair inconclusive", { pairId: pair.id, route, exampleId, reason: comparison.inconclusive?.reason, detail: comparison.inconclusive?.detail });
    }
    return comparison;
  };
}
