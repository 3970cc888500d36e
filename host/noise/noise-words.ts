// How the page, `shadowdiff report` and `shadowdiff verdict` name what the noise evidence makes of
// a field, and the order they list fields in: regressions first, then what is not settled yet,
// noise last. Pure, and free of Node's modules: the page bundles it.
import type { FieldClass } from "../judge/field-class.js";
import type { NoiseFieldReport } from "./noise-model.js";

export const CLASS_WORDS: Record<FieldClass, string> = { regression: "regression", pending: "not settled", noise: "noise" };

const CLASS_RANK: Record<FieldClass, number> = { regression: 0, pending: 1, noise: 2 };
/** A field a target never differed on says nothing of that target: after every class. */
const NEVER_DIFFERED = 3;

/** Where a class goes in a list: regressions first. */
export function classRank(fieldClass: FieldClass | null): number {
  return fieldClass === null ? NEVER_DIFFERED : CLASS_RANK[fieldClass];
}

/**
 * A route's noise fields, regressions first: by the class they have for `target`, or without one
 * by the worst class any target gives them; in the noise report's order (v1's noisiest first) within a class.
 */
export function regressionsFirst<T extends NoiseFieldReport>(fields: readonly T[], target?: string): T[] {
  const rank = (field: T) => Math.min(NEVER_DIFFERED, ...field.targets.filter((each) => target === undefined || each.target === target).map((each) => classRank(each.class)));
  return fields
    .map((field, index) => ({ field, index, rank: rank(field) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ field }) => field);
}
