// Pairing the primary's answer with every mirrored side's: each target's and the secondary's.
// Their answers arrive on the root context under the HTTP-call token, and the stream that sent the
// calls may be gone by then, so the pair lives here, not in the stream; the sides finish in any
// order (a slower shadow is the common case). A pair counts the sides still outstanding, and
// completes when none is left.
import { CapturedResponse } from "./capture";
import { Exporter } from "./export";
import { Metrics } from "./metrics";
import { Pair } from "./pair";

/** One call in flight: the pair it belongs to, and the side its answer fills. */
export class Callout {
  constructor(public pair: Pair, public side: CapturedResponse) {}
}

export class Pairing {
  /** Calls in flight: token → (pair, side). */
  private calls: Map<u32, Callout> = new Map<u32, Callout>();
  /** Pairs with a side finished, waiting for the rest; bounded by max_pending_pairs. */
  private waiting: u32 = 0;

  constructor(private maxPending: u32, private metrics: Metrics, private exporter: Exporter) {}

  /** Calls sent and not answered yet, over every side: what max_in_flight bounds. */
  get inFlight(): i32 {
    return this.calls.size;
  }

  /** A side's call was sent: its answer will come back under `token`. */
  sent(token: u32, pair: Pair, side: CapturedResponse): void {
    this.calls.set(token, new Callout(pair, side));
    this.metrics.callSent();
  }

  /** The call `token` is, no longer in flight; null for a token not ours. */
  answered(token: u32): Callout | null {
    if (!this.calls.has(token)) return null;
    const callout = this.calls.get(token);
    this.calls.delete(token);
    this.metrics.callAnswered();
    return callout;
  }

  /** A mirrored side ended: answered, failed, or refused before it was sent. */
  mirroredEnded(pair: Pair, side: CapturedResponse, failure: i32): void {
    side.failure = failure;
    // Every target has a name; the secondary has none.
    this.metrics.mirroredEnded(failure, side.name.byteLength == 0);
    this.sideFinished(pair, side);
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

  /** The request was not mirrored after all (its body did not go): nothing more is taken for it. */
  abandoned(pair: Pair): void {
    this.stopWaiting(pair);
    pair.dropped = true;
  }

  private stopWaiting(pair: Pair): void {
    if (!pair.waiting) return;
    pair.waiting = false;
    this.waiting--;
  }
}
