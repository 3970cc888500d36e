// Each difference of a stored example as the noise evidence classes it: a regression, noise, or
// not settled yet, and why. What the pair's own secondary showed too is noise whatever the counts.
// The rest takes its field's class on the route now, as the verdict recounts it; when the route's
// counts do not know the field (the collector restarted, or the field is past their caps), the
// class it had when the pair arrived, as the example kept it.
import type { Comparison } from "../compare/comparison.js";
import type { FieldClass } from "../judge/field-class.js";
import { foldIndices } from "../metrics/field-labels.js";
import type { RouteNoiseReport } from "../noise/noise-model.js";

export interface DifferenceClass {
  /** The difference's field, array indices folded to [*] (`status` and header names as they are). */
  field: string;
  kind: string;
  class: FieldClass;
  /** What makes it noise: this pair's own secondary differed the same way, or the route's counts; null when it is not noise. */
  by: "secondary" | "counts" | null;
  /** Its class when the pair arrived; null for examples kept before the collector said. */
  classOnArrival: FieldClass | null;
  /** From the route's counts now, when they know the field: how often v1 differs from itself there (pairs with a secondary) ... */
  noiseRate: number | null;
  /** ... and how often the target differs from v1 there. */
  targetRate: number | null;
  /** The route's pairs with a secondary: what v1's rate is counted from. */
  secondaryPairs: number;
}

const key = (field: string, kind: string) => `${field}\u0000${kind}`;

/** The comparison's differences as (field, kind), once each, in the order a list shows them: status, headers, body. */
export function comparedFields(comparison: Comparison): { field: string; kind: string }[] {
  const out: { field: string; kind: string }[] = [];
  const seen = new Set<string>();
  const add = (field: string, kind: string) => {
    if (seen.has(key(field, kind))) return;
    seen.add(key(field, kind));
    out.push({ field, kind });
  };
  if (comparison.status) add("status", "status");
  for (const header of comparison.headers) add(header.name, "header");
  for (const difference of comparison.body?.differences ?? []) add(foldIndices(difference.path), difference.kind);
  return out;
}

/** Every difference of `comparison` (the example of `target`), classed from `report`, the route's noise now. */
export function differenceClasses(comparison: Comparison, target: string, report: RouteNoiseReport): DifferenceClass[] {
  const cancelled = new Map((comparison.noise?.cancelled ?? []).map((entry) => [key(entry.field, entry.kind), entry.by ?? null]));
  const pending = new Set((comparison.noise?.pending ?? []).map((entry) => key(entry.field, entry.kind)));
  // Examples kept before the collector said what was pending: only what was cancelled is known.
  const said =
    comparison.noise?.pending !== undefined ||
    (comparison.noise?.cancelled ?? []).some((entry) => entry.by !== undefined) ||
    (comparison.noise === undefined && comparison.inconclusive?.reason !== "noise_pending");
  // Such an example waiting on the counts had nothing but noise and fields not settled.
  const waited = comparison.inconclusive?.reason === "noise_pending";
  const known = new Map(report.fields.map((field) => [key(field.field, field.kind), field]));
  return comparedFields(comparison).map(({ field, kind }) => {
    const cancelledBy = cancelled.get(key(field, kind));
    const onArrival: FieldClass | null =
      cancelledBy !== undefined ? "noise" : pending.has(key(field, kind)) ? "pending" : said ? "regression" : waited ? "pending" : null;
    const counted = known.get(key(field, kind));
    const targetCounts = counted?.targets.find((each) => each.target === target);
    const now = cancelledBy === "secondary" ? "noise" : (targetCounts?.class ?? onArrival ?? "regression");
    return {
      field,
      kind,
      class: now,
      by: now !== "noise" ? null : cancelledBy === "secondary" ? "secondary" : "counts",
      classOnArrival: onArrival,
      noiseRate: counted === undefined ? null : counted.noiseRate,
      targetRate: targetCounts === undefined ? null : targetCounts.rawRate,
      secondaryPairs: report.secondaryPairs,
    };
  });
}
