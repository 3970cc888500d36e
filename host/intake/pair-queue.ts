import type { Pair } from "../capture/pair.js";

export interface PairQueueLimits {
  maxPairs: number;
  /** Captured body bytes held at once, both sides of every queued pair. */
  maxBytes: number;
  /** Event-loop time one processing slice may take before yielding. */
  sliceMillis: number;
}

/**
 * Accepted pairs waiting for comparison. Bounded by pairs and by body bytes: a batch that does
 * not fit is refused whole, so the caller can answer RESOURCE_EXHAUSTED. Pairs are processed in
 * slices of a few milliseconds, yielding to the event loop between slices so intake and the HTTP
 * endpoints stay responsive under load.
 */
export class PairQueue {
  private readonly pairs: Pair[] = [];
  private head = 0;
  private bytes = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limits: PairQueueLimits,
    private readonly process: (pair: Pair) => void,
    private readonly onError: (pair: Pair, error: unknown) => void,
    private readonly onDepth: (depth: number) => void = () => {},
    /** Runs one slice's work; lets the caller wrap it (in a database transaction, say). */
    private readonly runWork: (work: () => void) => void = (work) => work(),
  ) {}

  get depth(): number {
    return this.pairs.length - this.head;
  }

  /** Takes all of `batch`, or none of it when it would not fit. */
  offer(batch: readonly Pair[]): boolean {
    const batchBytes = batch.reduce((sum, pair) => sum + sizeOf(pair), 0);
    if (this.depth + batch.length > this.limits.maxPairs) return false;
    if (this.depth > 0 && this.bytes + batchBytes > this.limits.maxBytes) return false;
    for (const pair of batch) this.pairs.push(pair);
    this.bytes += batchBytes;
    this.onDepth(this.depth);
    this.schedule();
    return true;
  }

  /** Resolves once every pair taken so far has been processed. */
  drained(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.runSlice());
  }

  private runSlice(): void {
    this.scheduled = false;
    try {
      this.runWork(() => this.processSlice());
    } finally {
      this.afterSlice();
    }
  }

  private processSlice(): void {
    const until = performance.now() + this.limits.sliceMillis;
    while (this.head < this.pairs.length) {
      const pair = this.pairs[this.head] as Pair;
      this.pairs[this.head] = undefined as unknown as Pair;
      this.head++;
      this.bytes -= sizeOf(pair);
      try {
        this.process(pair);
      } catch (error) {
        this.onError(pair, error);
      }
      if (performance.now() >= until) break;
    }
  }

  private afterSlice(): void {
    if (this.head >= this.pairs.length) {
      this.pairs.length = 0;
      this.head = 0;
    } else if (this.head > 4096) {
      this.pairs.splice(0, this.head);
      this.head = 0;
    }
    this.onDepth(this.depth);
    if (this.depth > 0) {
      this.schedule();
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function sizeOf(pair: Pair): number {
  return pair.primary.body.length + (pair.shadow?.body.length ?? 0);
}
