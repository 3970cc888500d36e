import type { RouteSummary, Summary } from "./api.js";

/** A summary row of one route, or of one route and one target (its noise is the route's). */
export type Row = RouteSummary & { target?: string };

/** The name of the one target of the single-shadow configuration. */
const ONE_SHADOW = "shadow";

/**
 * One row per route and target when several targets (or one not named "shadow") were compared;
 * otherwise one row per route, as with a single shadow.
 */
export function overviewRows(summary: Summary): Row[] {
  const names = new Set(summary.routes.flatMap((route) => (route.targets ?? []).map((target) => target.target)));
  if (names.size === 0 || (names.size === 1 && names.has(ONE_SHADOW))) return summary.routes;
  return summary.routes.flatMap((route) => route.targets.map((target) => ({ ...route, ...target, route: route.route, targets: [] })));
}

/** Fields the noise evidence calls noise for the row's target (for a route row over one target, for any). */
export function noiseFieldsOf(row: Row): number {
  const fields = row.noise?.fields ?? [];
  return fields.filter((field) => field.targets.some((each) => (row.target === undefined || each.target === row.target) && each.class === "noise")).length;
}
