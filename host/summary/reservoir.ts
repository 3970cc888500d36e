/**
 * A fixed-size uniform sample of a stream (Vitter's algorithm R): percentiles over everything
 * seen, in bounded memory, without depending on histogram bucket boundaries.
 */
export class Reservoir {
  private readonly samples: Float64Array;
  private seen = 0;

  constructor(
    size: number,
    private readonly random: () => number = Math.random,
  ) {
    this.samples = new Float64Array(size);
  }

  add(value: number): void {
    if (this.seen < this.samples.length) {
      this.samples[this.seen] = value;
    } else {
      const slot = Math.floor(this.random() * (this.seen + 1));
      if (slot < this.samples.length) this.samples[slot] = value;
    }
    this.seen++;
  }

  /** Values added so far (the sample holds at most its size of them). */
  get count(): number {
    return this.seen;
  }

  /** The sample in ascending order, a copy. */
  sorted(): Float64Array {
    return this.samples.slice(0, Math.min(this.seen, this.samples.length)).sort();
  }

  /** Nearest-rank percentiles (q in 0..1) of the sample; null when empty. */
  quantiles(qs: readonly number[]): (number | null)[] {
    const sorted = this.sorted();
    const count = sorted.length;
    if (count === 0) return qs.map(() => null);
    return qs.map((q) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))] as number);
  }
}
