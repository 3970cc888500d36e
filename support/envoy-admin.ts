// Envoy's admin endpoint, read the way tests, the demo and the benchmark need it: readiness, the bound
// listener port, and counter values.

import { eventually, type EventuallyOptions } from "./eventually.js";

export const FILTER_STATS_PREFIX = "wasmcustom.shadowdiff.";

/** The filter's metrics (proxy_define_metric), by the name after `shadowdiff.`. */
export const FILTER_STAT_NAMES = [
  "requests_tagged",
  "requests_method_skipped",
  "requests_path_skipped",
  "requests_sampled_out",
  "requests_with_body",
  "requests_over_capacity",
  "requests_mirrored",
  "shadow_ok",
  "shadow_timeout",
  "shadow_reset",
  "shadow_no_cluster",
  "shadow_overflow",
  "secondary_ok",
  "secondary_timeout",
  "secondary_reset",
  "secondary_no_cluster",
  "secondary_overflow",
  "pairs_sent",
  "pairs_dropped_pending",
  "pairs_dropped_reset",
  "pairs_dropped_report",
  "reports_sent",
  "reports_failed",
  "in_flight",
] as const;

/** Where requests reach the filter: every request on the listeners, or those the native gate delegates. */
export type FilterEntry = "listener" | "gate";

export type FilterStatName = (typeof FILTER_STAT_NAMES)[number];
export type FilterStats = Record<FilterStatName, number>;

export class EnvoyAdmin {
  constructor(readonly url: string) {}

  /** True once Envoy has finished initialising and serves traffic (/ready answers 200 LIVE). */
  async isReady(): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/ready`);
      return response.status === 200 && (await response.text()).trim() === "LIVE";
    } catch {
      return false;
    }
  }

  /** The port the kernel gave a listener configured with port 0. */
  async listenerPort(listenerName: string): Promise<number> {
    const body = (await this.json("/listeners?format=json")) as ListenersBody;
    const listener = body.listener_statuses?.find((status) => status.name === listenerName);
    const port = listener?.local_address?.socket_address?.port_value;
    if (port === undefined) throw new Error(`shadowdiff: Envoy has no listener named ${listenerName}`);
    return port;
  }

  /** Counters and gauges whose name matches the regular expression, as Envoy names them at /stats. */
  async stats(filter = ""): Promise<Map<string, number>> {
    const query = filter === "" ? "" : `&filter=${encodeURIComponent(filter)}`;
    const body = (await this.json(`/stats?format=json${query}`)) as StatsBody;
    const values = new Map<string, number>();
    for (const stat of body.stats) {
      if ("name" in stat && typeof stat.value === "number") values.set(stat.name, stat.value);
    }
    return values;
  }

  /**
   * The shadowdiff filter's counters and gauge by short name (`requests_mirrored`, `in_flight`, ...).
   * Envoy files metrics a wasm module defines under `wasmcustom.`: at /stats the filter's
   * `shadowdiff.requests_mirrored` reads `wasmcustom.shadowdiff.requests_mirrored` (at
   * /stats/prometheus, `shadowdiff_requests_mirrored`).
   */
  async filterStats(): Promise<FilterStats> {
    return this.knownFilterStats(await this.filterMetrics());
  }

  /**
   * The filter's metrics once they account for every request that has reached it. Each worker's VM
   * adds its counts to Envoy's on the filter's tick, so a plain reading may lag the traffic by a
   * tick: this polls until the request counters (each request moves one `requests_*` counter,
   * those only the bodies module defines included) add up to Envoy's own count of the requests
   * handed to the filter — every request on the listeners, or, behind the native gate, those it
   * delegated.
   */
  async countedFilterStats(entry: FilterEntry, options: EventuallyOptions = {}): Promise<FilterStats> {
    return eventually(async () => {
      const entered = await this.requestsIntoFilter(entry);
      const found = await this.filterMetrics();
      const decided = [...found].filter(([name]) => name.startsWith(`${FILTER_STATS_PREFIX}requests_`)).reduce((sum, [, value]) => sum + value, 0);
      if (decided !== entered) throw new Error(`shadowdiff: the filter has counted ${decided} of the ${entered} requests that reached it`);
      return this.knownFilterStats(found);
    }, { timeoutMs: 15_000, ...options });
  }

  /** Every metric the filter defined, by its full name at /stats. */
  private filterMetrics(): Promise<Map<string, number>> {
    return this.stats(`^${FILTER_STATS_PREFIX.replaceAll(".", "\\.")}`);
  }

  private knownFilterStats(found: Map<string, number>): FilterStats {
    const missing = FILTER_STAT_NAMES.filter((name) => !found.has(FILTER_STATS_PREFIX + name));
    if (missing.length > 0) throw new Error(`shadowdiff: Envoy shows no ${missing.map((name) => FILTER_STATS_PREFIX + name).join(", ")}`);
    return Object.fromEntries(FILTER_STAT_NAMES.map((name) => [name, found.get(FILTER_STATS_PREFIX + name)!])) as FilterStats;
  }

  private async requestsIntoFilter(entry: FilterEntry): Promise<number> {
    const pattern = entry === "gate" ? "composite\\.filter_delegation_success$" : "^http\\.[^.]+\\.downstream_rq_total$";
    const stats = await this.stats(pattern);
    return [...stats].filter(([name]) => !name.startsWith("http.admin.")).reduce((sum, [, value]) => sum + value, 0);
  }

  async prometheus(): Promise<string> {
    return this.text("/stats/prometheus");
  }

  async text(path: string): Promise<string> {
    const response = await fetch(`${this.url}${path}`);
    if (!response.ok) throw new Error(`shadowdiff: Envoy admin ${path} answered ${response.status}`);
    return response.text();
  }

  private async json(path: string): Promise<unknown> {
    return JSON.parse(await this.text(path)) as unknown;
  }
}

interface ListenersBody {
  listener_statuses?: { name: string; local_address?: { socket_address?: { port_value?: number } } }[];
}

interface StatsBody {
  stats: ({ name: string; value?: number } | { histograms: unknown })[];
}
