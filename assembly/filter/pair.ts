// One sampled request and what each side answered, as the filter holds it until it is encoded.
import { Header } from "../abi/headers";

export namespace ShadowFailure {
  export const None: i32 = 0;
  export const Timeout: i32 = 1;
  export const Reset: i32 = 2;
  export const NoCluster: i32 = 3;
  export const Overflow: i32 = 4;
}

/** A body copy bounded by max_body_bytes; the total size keeps counting past it. */
export class BodyCapture {
  data: Uint8Array = new Uint8Array(0);
  captured: i32 = 0;
  total: u64 = 0;

  constructor(public readonly cap: i32) {}

  /** How many bytes of a chunk of `chunkSize` still fit under the cap. */
  room(chunkSize: i32): i32 {
    const left = this.cap - this.captured;
    return chunkSize < left ? chunkSize : left;
  }

  append(chunk: ArrayBuffer, chunkSize: u64): void {
    this.appendAt(changetype<usize>(chunk), chunk.byteLength, chunkSize);
  }

  /** append, from bytes read in place. */
  appendAt(ptr: usize, size: i32, chunkSize: u64): void {
    this.total += chunkSize;
    const take = this.room(size);
    if (take <= 0) return;
    const needed = this.captured + take;
    if (needed > this.data.length) {
      let capacity = this.data.length * 2;
      if (capacity < needed) capacity = needed;
      if (capacity > this.cap) capacity = this.cap;
      const grown = new Uint8Array(capacity);
      memory.copy(grown.dataStart, this.data.dataStart, <usize>this.captured);
      this.data = grown;
    }
    memory.copy(this.data.dataStart + <usize>this.captured, ptr, <usize>take);
    this.captured = needed;
  }

  truncated(): bool {
    return this.total > <u64>this.captured;
  }
}

export class CapturedResponse {
  status: u32 = 0;
  headers: Array<Header> = [];
  body: BodyCapture;
  latencyNanos: u64 = 0;

  constructor(bodyCap: i32) {
    this.body = new BodyCapture(bodyCap);
  }
}

export class Pair {
  id: ArrayBuffer = new ArrayBuffer(0);
  method: ArrayBuffer = new ArrayBuffer(0);
  authority: ArrayBuffer = new ArrayBuffer(0);
  path: ArrayBuffer = new ArrayBuffer(0);
  requestHeaders: Array<Header> = [];
  startUnixNanos: u64 = 0;
  startMonotonicNanos: u64 = 0;
  primary: CapturedResponse;
  shadow: CapturedResponse;
  shadowFailure: i32 = ShadowFailure.None;

  primaryDone: bool = false;
  shadowDone: bool = false;
  /** One side finished and the pair counts against max_pending_pairs. */
  waiting: bool = false;
  /** Dropped (pending cap, client reset): whatever still arrives for it is ignored. */
  dropped: bool = false;

  constructor(bodyCap: i32) {
    this.primary = new CapturedResponse(bodyCap);
    this.shadow = new CapturedResponse(bodyCap);
  }
}
