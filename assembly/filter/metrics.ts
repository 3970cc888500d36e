// The filter's Envoy metrics (proxy_define_metric), named as the dashboards and rules expect, and
// which counter each decision and each outcome moves. Call outcomes are counted over every target
// (shadow_*) and for the secondary (secondary_*); the collector keeps the per-target view.
//
// Every crossing into Envoy costs the request microseconds, so counts are kept in the VM and added
// to Envoy's metrics on the root's tick (flush()): Envoy's figures lag by at most one
// flush_interval_ms, and a request that is not mirrored makes no metric call at all. The gauge
// moves by deltas too: every worker's VM adds to the one stat.
import { defineMetric, incrementMetric } from "../abi/hostcalls";
import { MetricType } from "../abi/types";
import { Decision } from "./decision";

/** Request counters by Decision (both ways of mirroring count as requests_mirrored); call outcomes by
 * capture.proto's ShadowFailure, for the targets (shadow_*) and the secondary (secondary_*); the
 * rest, and the gauge last. */
const NAMES: StaticArray<string> = [
  "requests_tagged", "requests_method_skipped", "requests_path_skipped", "requests_sampled_out", "requests_with_body",
  "requests_over_capacity", "requests_mirrored",
  "ok", "timeout", "reset", "no_cluster", "overflow",
  "pairs_sent", "pairs_dropped_pending", "pairs_dropped_reset", "pairs_dropped_report", "reports_sent", "reports_failed",
  "in_flight",
];
const OUTCOMES = 5;

/** The metric at `index`: each outcome's name serves the targets and the secondary. */
function metricName(index: i32): string {
  if (index < TARGET_OUTCOME) return unchecked(NAMES[index]);
  if (index < PAIRS_SENT) {
    const outcome = unchecked(NAMES[TARGET_OUTCOME + (index - TARGET_OUTCOME) % OUTCOMES]);
    return (index < SECONDARY_OUTCOME ? "shadow_" : "secondary_") + outcome;
  }
  return unchecked(NAMES[index - OUTCOMES]);
}

// Where each metric's id and pending delta sit.
const TARGET_OUTCOME = 7;
const SECONDARY_OUTCOME = 12;
const PAIRS_SENT = 17;
const PAIRS_DROPPED_PENDING = 18;
const PAIRS_DROPPED_RESET = 19;
const PAIRS_DROPPED_REPORT = 20;
const REPORTS_SENT = 21;
const REPORTS_FAILED = 22;
const IN_FLIGHT = 23;

/** Made in on_configure: defining a metric is a host call. */
export class Metrics {
  private ids: StaticArray<u32> = new StaticArray<u32>(IN_FLIGHT + 1);
  /** What Envoy has not been told yet. */
  private pending: StaticArray<i32> = new StaticArray<i32>(IN_FLIGHT + 1);

  constructor() {
    for (let i = 0; i <= IN_FLIGHT; i++) {
      unchecked((this.ids[i] = defineMetric(i == IN_FLIGHT ? MetricType.Gauge : MetricType.Counter, "shadowdiff." + metricName(i))));
    }
  }

  /** On the tick, and before a retired root is done: every count not yet in Envoy's metrics. */
  flush(): void {
    for (let i = 0; i <= IN_FLIGHT; i++) {
      const delta = unchecked(this.pending[i]);
      // Envoy refuses a zero delta on a counter.
      if (delta == 0) continue;
      unchecked((this.pending[i] = 0));
      incrementMetric(unchecked(this.ids[i]), delta);
    }
  }

  private count(index: i32, by: i32): void {
    // Every index is one of the constants above.
    unchecked((this.pending[index] += by));
  }

  /** Every request moves one request counter: why it was not mirrored, or that it was. */
  decided(decision: Decision): void {
    this.count(decision < Decision.Mirror ? decision : Decision.Mirror, 1);
  }

  /** in_flight: calls sent (to targets and the secondary) and not yet answered. */
  callSent(): void {
    this.count(IN_FLIGHT, 1);
  }

  callAnswered(): void {
    this.count(IN_FLIGHT, -1);
  }

  /** Every mirrored side moves one outcome counter: how its call ended. */
  mirroredEnded(failure: i32, secondary: bool): void {
    this.count((secondary ? SECONDARY_OUTCOME : TARGET_OUTCOME) + failure, 1);
  }

  /** A side finished while max_pending_pairs pairs were already waiting. */
  pairDroppedPending(): void {
    this.count(PAIRS_DROPPED_PENDING, 1);
  }

  /** The client reset the primary stream before its response was complete. */
  pairDroppedReset(): void {
    this.count(PAIRS_DROPPED_RESET, 1);
  }

  reportSent(pairs: i32): void {
    this.count(REPORTS_SENT, 1);
    this.count(PAIRS_SENT, pairs);
  }

  /** A report refused or failed: its pairs are lost. */
  reportFailed(pairs: i32): void {
    this.count(REPORTS_FAILED, 1);
    this.count(PAIRS_DROPPED_REPORT, pairs);
  }
}
