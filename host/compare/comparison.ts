import type { ShadowFailureKind } from "../capture/pair.js";
import type { Difference } from "./difference.js";
import type { BodyKind } from "./media-type.js";
import type { HeaderDifference } from "./status-headers.js";

export type Outcome = "match" | "mismatch" | "inconclusive";
export type InconclusiveReason = "truncated" | "too_large" | "budget" | "undecodable";

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
  /** The body comparison, when the bodies could be compared. */
  body?: {
    kind: BodyKind;
    differences: Difference[];
    /** The list stopped at the configured maximum; there are more. */
    differencesCapped: boolean;
    primaryDigest?: string;
    shadowDigest?: string;
  };
  /** Shadow latency / primary latency; null when either is unknown. */
  latencyRatio: number | null;
}
