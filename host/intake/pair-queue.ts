import type { MirroredAnswer, Pair } from "../capture/pair.js";

export interface PairQueueLimits {
  maxPairs: number;
  /** Bytes held at once by the queued pairs: everything they hold, see pairCost. */
  maxBytes: number;
  /** Event-loop time one processing slice may take before yielding. */
  sliceMillis: number;
}

/**
 * Accepted pairs waiting for comparison. Bounded by pairs and by bytes: a batch that does
 * not fit is refused whole, so the caller can answer RESOURCE_EXHAUSTED. Pairs are processed in
 * slices of a few milliseconds, yielding to the event loop between slices so intake and the HTTP
 * endpoints stay responsive under load.
 */
export class PairQueue {
  private readonly pairs: Pair[] = [];
  /** What each queued pair is charged, beside it in `pairs`. */
  private readonly costs: number[] = [];
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

  /**
   * Takes all of `batch`, or none of it when it would not fit. `messageBytes` is the size of the
   * message the pairs were read from: their bodies are views into it, so it stays in memory
   * until the last of them is compared, and its bytes are charged to them.
   */
  offer(batch: readonly Pair[], messageBytes = 0): boolean {
    if (batch.length === 0) return true;
    const costs = batch.map(pairCost);
    const bodies = batch.reduce((sum, pair) => sum + pairBodyBytes(pair), 0);
    // The rest of the message (what is not a body of these pairs) is shared out among them.
    const share = Math.ceil(Math.max(0, messageBytes - bodies) / batch.length);
    const batchBytes = costs.reduce((sum, cost) => sum + cost + share, 0);
    if (this.depth + batch.length > this.limits.maxPairs) return false;
    if (this.depth > 0 && this.bytes + batchBytes > this.limits.maxBytes) return false;
    batch.forEach((pair, index) => {
      this.pairs.push(pair);
      this.costs.push((costs[index] as number) + share);
    });
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
      this.bytes -= this.costs[this.head] as number;
      this.head++;
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
      this.costs.length = 0;
      this.head = 0;
    } else if (this.head > 4096) {
      this.pairs.splice(0, this.head);
      this.costs.splice(0, this.head);
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

/** Object overheads in V8, rounded up: a pair and its two responses, and one header. */
const PAIR_OVERHEAD_BYTES = 512;
const HEADER_OVERHEAD_BYTES = 64;

/**
 * What a pair holds in memory: its bodies, its strings (two bytes per UTF-16 code unit, the most a
 * string takes) and its objects.
 */
export function pairCost(pair: Pair): number {
  const strings = pair.id.length + pair.proxyId.length + pair.configVersion.length + pair.method.length + pair.authority.length + pair.path.length;
  return PAIR_OVERHEAD_BYTES + 2 * strings + headersCost(pair.requestHeaders) + responseCost(pair.primary) + mirroredCost(pair.secondary) + pair.targets.reduce((sum, target) => sum + 2 * target.name.length + mirroredCost(target), 0);
}

/** The body bytes of every side of a pair (views into the message they were read from). */
function pairBodyBytes(pair: Pair): number {
  let bytes = pair.primary.body.length + (pair.secondary?.response?.body.length ?? 0);
  for (const target of pair.targets) bytes += target.response?.body.length ?? 0;
  return bytes;
}

function mirroredCost(answer: MirroredAnswer | null): number {
  return answer?.response ? responseCost(answer.response) : 0;
}

function responseCost(response: Pair["primary"]): number {
  return response.body.length + headersCost(response.headers);
}

function headersCost(headers: Pair["requestHeaders"]): number {
  let cost = 0;
  for (const header of headers) cost += HEADER_OVERHEAD_BYTES + 2 * (header.name.length + header.value.length);
  return cost;
}
