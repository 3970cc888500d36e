// The filter's Envoy metrics (proxy_define_metric), named as the dashboards and rules expect, and
// which counter each decision and each outcome moves.
import { defineMetric, incrementMetric } from "../abi/hostcalls";
import { MetricType } from "../abi/types";
import { Decision } from "./decision";
import { ShadowFailure } from "./pair";

function counter(name: string): u32 {
  return defineMetric(MetricType.Counter, "shadowdiff." + name);
}

/** Counters only go up; Envoy refuses a zero delta on a counter. */
function count(metricId: u32, by: i64 = 1): void {
  if (by > 0) incrementMetric(metricId, by);
}

/** Made in on_configure: defining a metric is a host call. */
export class Metrics {
  private requestsTagged: u32 = counter("requests_tagged");
  private requestsMethodSkipped: u32 = counter("requests_method_skipped");
  private requestsPathSkipped: u32 = counter("requests_path_skipped");
  private requestsSampledOut: u32 = counter("requests_sampled_out");
  private requestsWithBody: u32 = counter("requests_with_body");
  private requestsOverCapacity: u32 = counter("requests_over_capacity");
  private requestsMirrored: u32 = counter("requests_mirrored");
  private shadowOk: u32 = counter("shadow_ok");
  private shadowTimeout: u32 = counter("shadow_timeout");
  private shadowReset: u32 = counter("shadow_reset");
  private shadowNoCluster: u32 = counter("shadow_no_cluster");
  private shadowOverflow: u32 = counter("shadow_overflow");
  private pairsSent: u32 = counter("pairs_sent");
  private pairsDroppedPending: u32 = counter("pairs_dropped_pending");
  private pairsDroppedReset: u32 = counter("pairs_dropped_reset");
  private pairsDroppedReport: u32 = counter("pairs_dropped_report");
  private reportsSent: u32 = counter("reports_sent");
  private reportsFailed: u32 = counter("reports_failed");
  private inFlight: u32 = defineMetric(MetricType.Gauge, "shadowdiff.in_flight");

  /** Every request moves one request counter: why it was not mirrored, or that it was. */
  decided(decision: Decision): void {
    if (decision == Decision.Tagged) count(this.requestsTagged);
    else if (decision == Decision.MethodSkipped) count(this.requestsMethodSkipped);
    else if (decision == Decision.PathSkipped) count(this.requestsPathSkipped);
    else if (decision == Decision.SampledOut) count(this.requestsSampledOut);
    else if (decision == Decision.WithBody) count(this.requestsWithBody);
    else if (decision == Decision.OverCapacity) count(this.requestsOverCapacity);
    else count(this.requestsMirrored);
  }

  /** in_flight: shadow calls sent and not yet answered. */
  shadowCallSent(): void {
    incrementMetric(this.inFlight, 1);
  }

  shadowCallAnswered(): void {
    incrementMetric(this.inFlight, -1);
  }

  /** Every shadow request moves one shadow counter: how it ended. */
  shadowEnded(failure: i32): void {
    if (failure == ShadowFailure.None) count(this.shadowOk);
    else if (failure == ShadowFailure.Timeout) count(this.shadowTimeout);
    else if (failure == ShadowFailure.Reset) count(this.shadowReset);
    else if (failure == ShadowFailure.NoCluster) count(this.shadowNoCluster);
    else count(this.shadowOverflow);
  }

  /** A side finished while max_pending_pairs pairs were already waiting. */
  pairDroppedPending(): void {
    count(this.pairsDroppedPending);
  }

  /** The client reset the primary stream before its response was complete. */
  pairDroppedReset(): void {
    count(this.pairsDroppedReset);
  }

  reportSent(pairs: i32): void {
    count(this.reportsSent);
    count(this.pairsSent, pairs);
  }

  /** A report refused or failed: its pairs are lost. */
  reportFailed(pairs: i32): void {
    count(this.reportsFailed);
    count(this.pairsDroppedReport, pairs);
  }
}
