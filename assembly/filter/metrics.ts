// The filter's Envoy metrics (proxy_define_metric), named as the dashboards and rules expect.
import { defineMetric, incrementMetric } from "../abi/hostcalls";
import { MetricType } from "../abi/types";

export class Metrics {
  requestsTagged: u32 = 0;
  requestsMethodSkipped: u32 = 0;
  requestsPathSkipped: u32 = 0;
  requestsSampledOut: u32 = 0;
  requestsOverCapacity: u32 = 0;
  requestsMirrored: u32 = 0;
  shadowOk: u32 = 0;
  shadowTimeout: u32 = 0;
  shadowReset: u32 = 0;
  shadowNoCluster: u32 = 0;
  shadowOverflow: u32 = 0;
  pairsSent: u32 = 0;
  pairsDroppedPending: u32 = 0;
  pairsDroppedReset: u32 = 0;
  pairsDroppedReport: u32 = 0;
  reportsSent: u32 = 0;
  reportsFailed: u32 = 0;
  inFlight: u32 = 0;

  /** In on_configure: defining a metric is a host call. */
  define(): void {
    this.requestsTagged = counter("requests_tagged");
    this.requestsMethodSkipped = counter("requests_method_skipped");
    this.requestsPathSkipped = counter("requests_path_skipped");
    this.requestsSampledOut = counter("requests_sampled_out");
    this.requestsOverCapacity = counter("requests_over_capacity");
    this.requestsMirrored = counter("requests_mirrored");
    this.shadowOk = counter("shadow_ok");
    this.shadowTimeout = counter("shadow_timeout");
    this.shadowReset = counter("shadow_reset");
    this.shadowNoCluster = counter("shadow_no_cluster");
    this.shadowOverflow = counter("shadow_overflow");
    this.pairsSent = counter("pairs_sent");
    this.pairsDroppedPending = counter("pairs_dropped_pending");
    this.pairsDroppedReset = counter("pairs_dropped_reset");
    this.pairsDroppedReport = counter("pairs_dropped_report");
    this.reportsSent = counter("reports_sent");
    this.reportsFailed = counter("reports_failed");
    this.inFlight = defineMetric(MetricType.Gauge, "shadowdiff.in_flight");
  }
}

function counter(name: string): u32 {
  return defineMetric(MetricType.Counter, "shadowdiff." + name);
}

/** Counters only go up; Envoy refuses a zero delta on a counter. */
export function count(metricId: u32, by: i64 = 1): void {
  if (by > 0) incrementMetric(metricId, by);
}
