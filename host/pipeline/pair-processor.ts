import type { Pair } from "../capture/pair.js";
import type { Comparator } from "../compare/comparator.js";
import type { Comparison } from "../compare/comparison.js";
import type { RouteLabeler } from "../routes/route-labels.js";
import type { BodyRedactor } from "../mismatches/body-redaction.js";
import { mismatchRecord } from "../mismatches/mismatch-record.js";
import type { MismatchStore } from "../mismatches/mismatch-store.js";
import type { Logger } from "../log.js";
import type { CollectorMetrics } from "../metrics/collector-metrics.js";
import { foldIndices, type FieldLabeler } from "../metrics/field-labels.js";
import type { TargetLabeler } from "../metrics/target-labels.js";
import type { FieldDifference, NoiseBook, NoiseJudgement } from "../noise/noise-model.js";
import type { SummaryBook } from "../summary/summary.js";

export interface PairProcessorParts {
  comparator: Comparator;
  routes: RouteLabeler;
  fields: FieldLabeler;
  targets: TargetLabeler;
  noise: NoiseBook;
  /** Each side's error rate for the fields' bounds when a pair arrives (the judge asks again at its own). */
  fieldAlpha: () => number;
  metrics: CollectorMetrics;
  summary: SummaryBook;
  mismatches: MismatchStore;
  /** What of a body may be kept with a mismatch. */
  bodies: BodyRedactor;
  log: Logger;
}

/** One comparison's result for one target of a pair. */
export interface TargetComparison {
  target: string;
  comparison: Comparison;
}

/**
 * The differences of a mismatch as (field, kind), indices folded, one per field and kind: the unit
 * of the mismatch metric and of the noise counts. Null when the comparison says nothing about
 * fields (a failed side, or inconclusive).
 */
export function differencesOf(comparison: Comparison): FieldDifference[] | null {
  if (comparison.outcome === "inconclusive" || comparison.shadowFailure !== undefined) return null;
  const out: FieldDifference[] = [];
  if (comparison.status) out.push({ field: "status", kind: "status" });
  if (comparison.grpc?.status) out.push({ field: "grpc-status", kind: "status" });
  for (const header of comparison.headers) out.push({ field: header.name, kind: "header" });
  // Trailers are headers sent last: the same kind, named apart.
  for (const trailer of comparison.trailers ?? []) out.push({ field: `trailer ${trailer.name}`, kind: "header" });
  const seen = new Set<string>();
  for (const difference of comparison.body?.differences ?? []) {
    const field = foldIndices(difference.path);
    const key = `${field} ${difference.kind}`;
    // One count per field and kind per pair: `$.items[*].price` changing in 40 elements is one.
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, kind: difference.kind });
  }
  return out;
}

/**
 * The comparison once noise is taken out: a mismatch whose differences were all noise is a match
 * (unless its list of differences was cut short: what was not listed cannot be called noise); one
 * whose standing differences are all on fields not settled yet is inconclusive (noise_pending)
 * until the counts settle them — the judge recounts it then.
 */
export function withNoise(comparison: Comparison, judgement: NoiseJudgement): Comparison {
  if (comparison.outcome !== "mismatch" || comparison.shadowFailure !== undefined) return comparison;
  const pending = judgement.pending.length > 0 ? { pending: [...judgement.pending] } : {};
  const noise = judgement.cancelled.length > 0 || judgement.pending.length > 0 ? { noise: { cancelled: [...judgement.cancelled], ...pending } } : {};
  const capped = comparison.body?.differencesCapped === true;
  if (judgement.remaining.length === 0 && judgement.pending.length === 0 && !capped) return { ...comparison, ...noise, outcome: "match" };
  if (judgement.remaining.length === 0 && !capped) {
    const fields = judgement.pending.slice(0, 3).map(({ field }) => field).join(", ");
    const detail = `differences (${fields}) on fields not settled yet as noise or regression: too few pairs with a secondary`;
    return { ...comparison, ...noise, outcome: "inconclusive", inconclusive: { reason: "noise_pending", detail } };
  }
  return { ...comparison, ...noise };
}

/**
 * The per-route and per-target metric children used for every pair, looked up once (routes and
 * targets are capped). Their series are created at 0 when first seen, so that rate() and
 * increase() count the first pairs too (a series that starts at its first increment loses them).
 */
function seriesFor(metrics: CollectorMetrics, route: string, target: string) {
  const children = {
    shadowLatency: metrics.shadowLatency.labels(route, target),
    matched: metrics.comparisons.labels(route, target, "true"),
    mismatched: metrics.comparisons.labels(route, target, "false"),
    noiseCancelled: metrics.noiseCancelled.labels(route, target),
  };
  // prom-client 15's Counter has no zero() at run time (its typings do); inc(0) creates the series.
  children.matched.inc(0);
  children.mismatched.inc(0);
  children.noiseCancelled.inc(0);
  metrics.shadowLatency.zero({ route, target });
  return children;
}

/** Compares one accepted pair (the primary with each target, and with the secondary) and records the results everywhere they are looked at. */
export function createPairProcessor(parts: PairProcessorParts): (pair: Pair) => TargetComparison[] {
  const { comparator, routes, fields, targets, noise, fieldAlpha, metrics, summary, mismatches, bodies, log } = parts;
  /** route → target → its series. */
  const children = new Map<string, Map<string, ReturnType<typeof seriesFor>>>();
  const primaryLatency = new Map<string, ReturnType<CollectorMetrics["primaryLatency"]["labels"]>>();
  return (pair) => {
    const route = routes.label(pair.path);
    let routePrimary = primaryLatency.get(route);
    if (!routePrimary) {
      metrics.primaryLatency.zero({ route });
      routePrimary = metrics.primaryLatency.labels(route);
      primaryLatency.set(route, routePrimary);
    }
    const primarySeconds = pair.primary.latencyNanos / 1e9;
    routePrimary.observe(primarySeconds);

    const started = performance.now();
    const grpcPath = pair.grpc ? pair.path : undefined;
    const raw = pair.targets.map((answer) => ({ answer, target: targets.label(answer.name), comparison: comparator.compare(pair.primary, answer, grpcPath) }));
    const baseline = pair.secondary === null ? null : comparator.compare(pair.primary, pair.secondary, grpcPath);
    metrics.compareSeconds.observe((performance.now() - started) / 1000);

    const noiseOf = noise.judge(
      route,
      pair.secondaryShare,
      baseline === null ? null : differencesOf(baseline),
      raw.map(({ target, comparison }) => ({
        target,
        differences: differencesOf(comparison),
        failed: comparison.shadowFailure !== undefined,
        capped: comparison.body?.differencesCapped === true,
      })),
      fieldAlpha(),
    );
    const secondarySeconds = pair.secondary?.response ? pair.secondary.response.latencyNanos / 1e9 : null;
    return raw.map(({ answer, target, comparison: rawComparison }, index) => {
      const judgement = noiseOf.targets[index] as NoiseJudgement;
      const comparison = withNoise(rawComparison, judgement);
      let byTarget = children.get(route);
      if (!byTarget) {
        byTarget = new Map();
        children.set(route, byTarget);
      }
      let series = byTarget.get(target);
      if (!series) {
        series = seriesFor(metrics, route, target);
        byTarget.set(target, series);
      }
      const shadowSeconds = answer.response ? answer.response.latencyNanos / 1e9 : null;
      if (shadowSeconds !== null) series.shadowLatency.observe(shadowSeconds);

      const differing = comparison.outcome === "mismatch" ? labelled(judgement.remaining, fields) : [];
      if (comparison.outcome === "inconclusive") {
        metrics.inconclusive.labels(route, target, comparison.inconclusive?.reason ?? "budget").inc();
      } else if (comparison.outcome === "match") {
        series.matched.inc();
      } else {
        series.mismatched.inc();
      }
      const cancelled = comparison.noise?.cancelled ?? [];
      if (comparison.outcome === "match" && cancelled.length > 0) series.noiseCancelled.inc();
      for (const { field } of labelled(cancelled, fields)) metrics.noiseCancelledFields.labels(route, target, field).inc();
      if (comparison.shadowFailure) metrics.shadowFailures.labels(route, target, comparison.shadowFailure).inc();
      for (const { field, kind } of differing) metrics.mismatchFields.labels(route, target, field, kind).inc();
      summary.record(route, target, comparison, { primary: primarySeconds, shadow: shadowSeconds, secondary: secondarySeconds }, differing, pair.proxyId, index === 0);

      // Inconclusive comparisons are kept too, so that a person can see why they could not be compared.
      if (comparison.outcome === "match") return { target, comparison };
      const secondary = pair.secondary === null ? undefined : { answer: pair.secondary, comparison: baseline };
      const exampleId = mismatches.add(mismatchRecord(pair, route, target, answer, comparison, bodies, secondary));
      if (log.enabled("debug")) {
        log.debug(comparison.outcome === "mismatch" ? "pair mismatched" : "pair inconclusive", {
          pairId: pair.id,
          route,
          target,
          exampleId,
          shadowFailure: comparison.shadowFailure,
          fields: differing,
          reason: comparison.inconclusive?.reason,
        });
      }
      return { target, comparison };
    });
  };
}

/** Field labels (capped) for metrics, one per field and kind. */
function labelled(differences: readonly FieldDifference[], fields: FieldLabeler): FieldDifference[] {
  const seen = new Set<string>();
  const out: FieldDifference[] = [];
  for (const { field, kind } of differences) {
    // Status and header differences keep their names; body paths are capped.
    const label = kind === "status" || kind === "header" ? field : fields.label(field);
    const key = `${label}\u0000${kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field: label, kind });
  }
  return out;
}
