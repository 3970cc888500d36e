// Pairing the primary's answer with the shadow's. Shadow answers arrive on the root context under
// the HTTP-call token, and the stream that sent the call may be gone by then, so the pair lives
// here, not in the stream; either side may finish first (a slower shadow is the common case).
// A pair counts the sides still outstanding, and completes when none is left.
import { CapturedResponse } from "./capture";
import { Exporter } from "./export";
import { Metrics } from "./metrics";
import { Pair } from "./pair";

export class Pairing {
  /** Shadow calls in flight: token → pair. */
  private calls: Map<u32, Pair> = new Map<u32, Pair>();
  /** Pairs with a side finished, waiting for the rest; bounded by max_pending_pairs. */
  private waiting: u32 = 0;

  constructor(private maxPending: u32, private metrics: Metrics, private exporter: Exporter) {}

  /** Shadow calls sent and not answered yet: what max_in_flight bounds. */
  get inFlight(): i32 {
    return this.calls.size;
  }

  /** A shadow call was sent: its answer will come back under `token`. */
  shadowSent(token: u32, pair: Pair): void {
    this.calls.set(token, pair);
    this.metrics.shadowCallSent();
  }

  /** The pair whose shadow call `token` is, no longer in flight; null for a token not ours. */
  shadowAnswered(token: u32): Pair | null {
    if (!this.calls.has(token)) return null;
    const pair = this.calls.get(token);
    this.calls.delete(token);
    this.metrics.shadowCallAnswered();
    return pair;
  }

  /** The shadow side ended: answered, failed, or refused before it was sent. */
  shadowEnded(pair: Pair, failure: i32): void {
    pair.shadow.failure = failure;
    this.metrics.shadowEnded(failure);
    this.sideFinished(pair, pair.shadow);
  }

  /** A side finished: the pair goes to export when none is outstanding, else it waits within
   * max_pending_pairs, or is dropped and counted. */
  sideFinished(pair: Pair, side: CapturedResponse): void {
    if (side.finished) return;
    side.finished = true;
    if (pair.dropped) return;
    pair.outstanding--;
    if (pair.outstanding == 0) {
      this.stopWaiting(pair);
      this.exporter.add(pair);
      return;
    }
    if (pair.waiting) return;
    if (this.waiting >= this.maxPending) {
      pair.dropped = true;
      this.metrics.pairDroppedPending();
      return;
    }
    pair.waiting = true;
    this.waiting++;
  }

  /** The client reset the primary stream before its response was complete. */
  primaryReset(pair: Pair): void {
    if (pair.dropped) return;
    this.stopWaiting(pair);
    pair.dropped = true;
    this.metrics.pairDroppedReset();
  }

  private stopWaiting(pair: Pair): void {
    if (!pair.waiting) return;
    pair.waiting = false;
    this.waiting--;
  }
}
