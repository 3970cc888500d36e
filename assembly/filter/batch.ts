// The per-VM batch of encoded pairs, with its encoded size kept up to date so the byte bound is
// checked without encoding anything twice.
import { encodeBatch } from "./capture_codec";
import { varintSize } from "./protobuf";

export class Batch {
  pairs: Array<ArrayBuffer> = [];
  /** The encoded Batch message's size: per pair a tag byte, a length varint and the pair. */
  encodedSize: i32 = 0;

  get count(): i32 { return this.pairs.length; }

  add(encodedPair: ArrayBuffer): void {
    this.pairs.push(encodedPair);
    this.encodedSize += 1 + varintSize(<u64>encodedPair.byteLength) + encodedPair.byteLength;
  }

  full(maxPairs: u32, maxBytes: u32): bool {
    return <u32>this.pairs.length >= maxPairs || <u32>this.encodedSize >= maxBytes;
  }

  /** The Batch message; the batch is empty afterwards. */
  take(): ArrayBuffer {
    const message = encodeBatch(this.pairs, this.encodedSize);
    this.pairs = [];
    this.encodedSize = 0;
    return message;
  }
}
