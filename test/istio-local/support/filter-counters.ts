// The filter's counters as a sidecar's Envoy keeps them. Istio's stats matcher drops Envoy's own
// HTTP counters (downstream requests, the composite filter's delegations) unless a pod asks for
// them, so a test counts the requests it sent itself and waits for the filter's counters to add
// up to that: each worker's VM adds its counts on its tick, so a reading may lag by one.
import type { EnvoyAdmin, FilterStats } from "../../../support/envoy-admin.js";
import { eventually } from "../../../support/eventually.js";

/** How many requests the filter has decided on: the sum of its requests_* counters. */
export function requestsDecided(stats: FilterStats): number {
  return Object.entries(stats).filter(([name]) => name.startsWith("requests_")).reduce((sum, [, value]) => sum + value, 0);
}

/** The filter's counters once they account for `decided` requests in all (never more). */
export function filterStatsAt(admin: EnvoyAdmin, decided: number): Promise<FilterStats> {
  return eventually(async () => {
    const stats = await admin.filterStats();
    const counted = requestsDecided(stats);
    if (counted > decided) throw new Error(`shadowdiff: the filter has decided on ${counted} requests, more than the ${decided} expected`);
    if (counted < decided) throw new Error(`shadowdiff: the filter has decided on ${counted} of ${decided} requests`);
    return stats;
  }, { timeoutMs: 15_000, intervalMs: 100 });
}
