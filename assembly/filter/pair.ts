// One sampled request and what each side answered, as the filter holds it until it is encoded.
import { Header } from "../abi/headers";
import { CapturedResponse } from "./capture";
import { Destination } from "./config-targets";

/** capture.proto's ShadowFailure. */
export namespace ShadowFailure {
  export const None: i32 = 0;
  export const Timeout: i32 = 1;
  export const Reset: i32 = 2;
  export const NoCluster: i32 = 3;
  export const Overflow: i32 = 4;
}

/** What a pair holds is already as the contract takes it (text-limits.ts): valid UTF-8, within
 * the limits of capture.proto. */
export class Pair {
  id: ArrayBuffer = new ArrayBuffer(0);
  /** The request id was longer than the contract allows: `id` is its shortened form. */
  idShortened: bool = false;
  method: ArrayBuffer = new ArrayBuffer(0);
  authority: ArrayBuffer = new ArrayBuffer(0);
  /** Query parameters redacted, cut at max_path_bytes. */
  path: ArrayBuffer = new ArrayBuffer(0);
  pathTruncated: bool = false;
  requestHeaders: Array<Header> = [];
  /** The primary's trace id: 32 (or 16) lower-case hex digits; empty without a trace context. */
  traceId: ArrayBuffer = new ArrayBuffer(0);
  startUnixNanos: u64 = 0;
  startMonotonicNanos: u64 = 0;
  primary: CapturedResponse;
  /** One per configured target, in configuration order, then the secondary's when the request fell
   * in its share; each failure kind says how its call ended. */
  mirrored: Array<CapturedResponse>;
  /** How many of `mirrored` are targets. */
  targetCount: i32;

  // Pairing's bookkeeping (pairing.ts).
  /** Sides that have not finished yet: the primary and the mirrored ones. */
  outstanding: i32;
  /** A side finished and the pair counts against max_pending_pairs. */
  waiting: bool = false;
  /** Dropped (pending cap, client reset): whatever still arrives for it is ignored. */
  dropped: bool = false;

  /** A side for each of the first `count` destinations, `targetCount` of them targets. */
  constructor(bodyCap: i32, destinations: Array<Destination>, count: i32, targetCount: i32) {
    this.primary = new CapturedResponse(bodyCap);
    const sides = new Array<CapturedResponse>(count);
    for (let i = 0; i < count; i++) {
      const side = new CapturedResponse(bodyCap);
      side.name = destinations[i].nameBytes;
      sides[i] = side;
    }
    this.mirrored = sides;
    this.targetCount = targetCount;
    this.outstanding = 1 + count;
  }

  /** capture.proto's Pair.request_body, encoded: none here (body-stream.ts's pairs have one). */
  requestBodySize(): i32 {
    return 0;
  }

  putRequestBody(at: usize): usize {
    return at;
  }

}
