/**
 * The first pairs of latencies (seconds) of a line: the sample the judge's latency interval is
 * computed from. The first ones, not a random subset: the interval is a sequence over the pairs
 * in their order, and the same pairs always give the same verdict. Float32 (a microsecond in an
 * hour), grown by doubling up to `capacity` pairs.
 */
export class PairedLatencies {
  private first: Float32Array<ArrayBuffer> = new Float32Array(64);
  private second: Float32Array<ArrayBuffer> = new Float32Array(64);
  private count = 0;

  constructor(readonly capacity: number) {}

  add(first: number, second: number): void {
    if (this.count >= this.capacity) return;
    if (this.count === this.first.length) {
      const size = Math.min(this.capacity, this.first.length * 2);
      this.first = grown(this.first, size);
      this.second = grown(this.second, size);
    }
    this.first[this.count] = first;
    this.second[this.count] = second;
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** The kept pairs, as two views in the order they came. */
  sides(): [Float32Array, Float32Array] {
    return [this.first.subarray(0, this.count), this.second.subarray(0, this.count)];
  }
}

function grown(values: Float32Array, size: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(size);
  out.set(values);
  return out;
}
