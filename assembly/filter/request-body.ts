// A request body on its way to the mirrored sides: copied chunk by chunk as it passes (the primary
// is never paused), held whole up to request_bodies.max_bytes, and counted against the worker's
// budget for body copies. Past either bound the copy stops and lets go of what it held, and the
// request is not mirrored: a copy is sent whole or not at all.
import { bufferBytesInPlace } from "../abi/hostcalls";
import { BufferType } from "../abi/types";
import { ByteBuffer } from "./byte-buffer";

/** How a body copy stands: going on, or why it stopped (body-stream.ts counts each; Streaming is a
 * gRPC call's second message). */
export enum BodyEnd { Going, TooLarge, OverBudget, Reset, Streaming }

/** The bytes one worker's body copies hold together, bounded by request_bodies.budget_bytes. */
export class BodyBudget {
  private held: u64 = 0;

  constructor(private limit: u64) {}

  take(bytes: u64): bool {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: u64): void {
    this.held -= bytes;
  }
}

export class RequestBodyCopy {
  readonly bytes: ByteBuffer = new ByteBuffer();
  /** What this copy holds of the budget. */
  private charged: u64 = 0;

  constructor(private maxBytes: i32, private budget: BodyBudget) {}

  /** The chunk of `size` bytes Envoy holds in the request body buffer now. Going while the copy
   * goes on; else why it stopped, with nothing held any more. */
  add(size: usize): BodyEnd {
    if (size == 0) return BodyEnd.Going;
    if (<u64>this.bytes.length + <u64>size > <u64>this.maxBytes) return this.stop(BodyEnd.TooLarge);
    if (!this.budget.take(<u64>size)) return this.stop(BodyEnd.OverBudget);
    this.charged += <u64>size;
    const chunk = bufferBytesInPlace(BufferType.HttpRequestBody, 0, size);
    // The buffer holds the chunk Envoy announced; anything else would not be the client's body.
    if (chunk === null || chunk.size != size) {
      if (chunk !== null) chunk.release();
      return this.stop(BodyEnd.Reset);
    }
    this.bytes.append(chunk.ptr, <i32>size, this.maxBytes);
    chunk.release();
    return BodyEnd.Going;
  }

  /** Lets go of the budget (the copy's bytes stay readable until it is dropped). */
  release(): void {
    this.budget.give(this.charged);
    this.charged = 0;
  }

  private stop(why: BodyEnd): BodyEnd {
    this.release();
    this.bytes.clear();
    return why;
  }
}
