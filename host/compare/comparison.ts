import type { ShadowFailureKind } from "../capture/pair.js";
import type { Difference } from "./difference.js";
import type { BodyKind } from "./media-type.js";
import type { HeaderDifference } from "./status-headers.js";

export type Outcome = "match" | "mismatch" | "inconclusive";
/**
 * `noise_pending`: differences on fields the route's noise counts have not settled yet (too few
 * secondary samples); `streaming`: a gRPC answer of more than one message.
 */
export type InconclusiveReason = "truncated" | "too_large" | "budget" | "undecodable" | "noise_pending" | "streaming";

/** What comparing a gRPC call adds. */
export interface GrpcNote {
  /**
   * How the messages were compared: as their proto3 JSON forms, decoded through the descriptor
   * sets; as bytes (`detail` says why); or not at all, since neither side answered one.
   */
  messages?: "decoded" | "bytes" | "none";
  /** The response's message type (`package.Message`), when the descriptor sets have the method. */
  messageType?: string;
  detail?: string;
  /** Set when the gRPC statuses (grpc-status) differ; null for a side that sent none. */
  status?: { primary: number | string | null; shadow: number | string | null };
}

/** What comparing one pair found. */
export interface Comparison {
  outcome: Outcome;
  /** Set when the outcome is inconclusive. */
  inconclusive?: { reason: InconclusiveReason; detail: string };
  /** Set when the shadow gave no response: a mismatch of its own kind. */
  shadowFailure?: ShadowFailureKind;
  /** Set when the statuses differ. */
  status?: { primary: number; shadow: number };
  headers: HeaderDifference[];
  /** The configured trailers (compare.trailers) whose values differ; gRPC calls only. */
  trailers?: HeaderDifference[];
  /** Set for a gRPC call. */
  grpc?: GrpcNote;
  /** The body comparison, when the bodies could be compared. */
  body?: {
    kind: BodyKind;
    differences: Difference[];
    /** The list stopped at the configured maximum; there are more. */
    differencesCapped: boolean;
    primaryDigest?: string;
    shadowDigest?: string;
  };
  /**
   * What the route's noise counts made of the differences when the pair arrived (field with
   * indices folded, and kind): `cancelled` as noise, by the pair's own secondary differing the
   * same way or by the counts (v1 differs there from itself; `by` is absent in examples kept
   * before it was said); `pending`, not settled yet. A pair whose every difference was cancelled
   * is a match.
   */
  noise?: { cancelled: { field: string; kind: string; by?: "secondary" | "counts" }[]; pending?: { field: string; kind: string }[] };
  /** Shadow latency / primary latency; null when either is unknown. */
  latencyRatio: number | null;
}
