// One sampled request and what each side answered, as the filter holds it until it is encoded.
import { Header } from "../abi/headers";
import { CapturedResponse } from "./capture";

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
  startUnixNanos: u64 = 0;
  startMonotonicNanos: u64 = 0;
  primary: CapturedResponse;
  /** The one configured target; its failure kind says how its call ended. */
  shadow: CapturedResponse;

  // Pairing's bookkeeping (pairing.ts).
  /** Sides that have not finished yet: the primary and the shadow. */
  outstanding: i32 = 2;
  /** A side finished and the pair counts against max_pending_pairs. */
  waiting: bool = false;
  /** Dropped (pending cap, client reset): whatever still arrives for it is ignored. */
  dropped: bool = false;

  constructor(bodyCap: i32, shadowName: ArrayBuffer) {
    this.primary = new CapturedResponse(bodyCap);
    this.shadow = new CapturedResponse(bodyCap);
    this.shadow.name = shadowName;
  }
}
