// The filter's Envoy metrics (proxy_define_metric), named as the dashboards and rules expect, and
// which counter each decision and each outcome moves. Call outcomes are counted over every target
// (shadow_*) and for the secondary (secondary_*); the collector keeps the per-target view.
import { defineMetric, incrementMetric } from "../abi/hostcalls";
import { MetricType } from "../abi/types";
import { Decision } from "./decision";

/** Request counters by Decision; both ways of mirroring count as requests_mirrored. */
const DECISIONS: Array<string> = [
  "requests_tagged", "requests_method_skipped", "requests_path_skipped", "requests_sampled_out", "requests_with_body",
  "requests_over_capacity", "requests_mirrored",
];
/** Call outcomes by capture.proto's ShadowFailure. */
const OUTCOMES: Array<string> = ["ok", "timeout", "reset", "no_cluster", "overflow"];

function counter(name: string): u32 {
  return defineMetric(MetricType.Counter, "shadowdiff." + name);
}

function counters(prefix: string, names: Array<string>): StaticArray<u32> {
  const ids = new StaticArray<u32>(names.length);
  for (let i = 0; i < names.length; i++) ids[i] = counter(prefix + names[i]);
  return ids;
}

/** Counters only go up; Envoy refuses a zero delta on a counter. */
function count(metricId: u32, by: i64 = 1): void {
  if (by > 0) incrementMetric(metricId, by);
}

/** Made in on_configure: defining a metric is a host call. */
export class Metrics {
  private decisions: StaticArray<u32> = counters("", DECISIONS);
  private targetOutcomes: StaticArray<u32> = counters("shadow_", OUTCOMES);
  private secondaryOutcomes: StaticArray<u32> = counters("secondary_", OUTCOMES);
  private pairsSent: u32 = counter("pairs_sent");
  private pairsDroppedPending: u32 = counter("pairs_dropped_pending");
  private pairsDroppedReset: u32 = counter("pairs_dropped_reset");
  private pairsDroppedReport: u32 = counter("pairs_dropped_report");
  private reportsSent: u32 = counter("reports_sent");
  private reportsFailed: u32 = counter("reports_failed");
  private inFlight: u32 = defineMetric(MetricType.Gauge, "shadowdiff.in_flight");

  /** Every request moves one request counter: why it was not mirrored, or that it was. */
  decided(decision: Decision): void {
    count(this.decisions[decision < Decision.Mirror ? decision : Decision.Mirror]);
  }

  /** in_flight: calls sent (to targets and the secondary) and not yet answered. */
  callSent(): void {
    incrementMetric(this.inFlight, 1);
  }

  callAnswered(): void {
    incrementMetric(this.inFlight, -1);
  }

  /** Every mirrored side moves one outcome counter: how its call ended. */
  mirroredEnded(failure: i32, secondary: bool): void {
    count((secondary ? this.secondaryOutcomes : this.targetOutcomes)[failure]);
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
