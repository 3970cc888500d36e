// The per-VM batch: pairs are encoded straight into one buffer that is the Batch message itself,
// so its encoded size is always known and nothing is encoded or copied twice. The buffer is kept
// from one report to the next; it is bounded by batch_max_bytes plus one pair.
import { Pair } from "./pair";
import { PairOrigin, pairEntrySize, preparePair, putPair, putPairEntry } from "./capture_codec";

export class Batch {
  private data: ArrayBuffer = new ArrayBuffer(0);
  /** How many pairs the buffer holds. */
  count: i32 = 0;
  /** The encoded Batch message's size: per pair a tag byte, a length varint and the pair. */
  encodedSize: i32 = 0;

  add(pair: Pair, origin: PairOrigin): void {
    const pairSize = preparePair(pair, origin);
    this.ensure(pairEntrySize(pairSize));
    const start = changetype<usize>(this.data) + <usize>this.encodedSize;
    const end = putPair(putPairEntry(start, pairSize), pair, origin);
    this.encodedSize += <i32>(end - start);
    this.count++;
  }

  private ensure(extra: i32): void {
    const needed = this.encodedSize + extra;
    if (needed <= this.data.byteLength) return;
    let capacity = this.data.byteLength * 2;
    if (capacity < needed) capacity = needed;
    const grown = new ArrayBuffer(capacity);
    memory.copy(changetype<usize>(grown), changetype<usize>(this.data), <usize>this.encodedSize);
    this.data = grown;
  }

  full(maxPairs: u32, maxBytes: u32): bool {
    return <u32>this.count >= maxPairs || <u32>this.encodedSize >= maxBytes;
  }

  /** Where the Batch message lies: valid until the next add. */
  get messagePtr(): usize { return changetype<usize>(this.data); }

  /** The batch is empty afterwards; its buffer is kept for the next one. */
  clear(): void {
    this.count = 0;
    this.encodedSize = 0;
  }
}
