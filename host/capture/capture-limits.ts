// The capture contract's limits, as proto/shadowdiff/v1/capture.proto states them in its comments.
// The filter never emits a pair past them; the collector drops a pair that breaks one (counted by
// reason) and keeps the rest of its batch. test/contract/capture-limits.test.ts reads the .proto's
// comments and checks that these numbers are the ones written there.

export const CAPTURE_LIMITS = {
  /** Pair.id, in UTF-8 bytes. */
  idBytes: 128,
  proxyIdBytes: 256,
  configVersionBytes: 64,
  methodBytes: 32,
  authorityBytes: 256,
  /** Pair.path: the filter's max_path_bytes is at most this. */
  pathBytes: 8192,
  /** Entries of request_headers, and of each Response's headers and trailers. */
  headers: 64,
  headerNameBytes: 256,
  headerValueBytes: 8192,
  /** Response.body and Body.data. */
  bodyBytes: 1_048_576,
  /** Pair.targets: entries, and each Response.name in bytes. */
  targets: 4,
  targetNameBytes: 32,
  /** Pair.secondary_share_ppm: a share in parts per million. */
  secondarySharePpm: 1_000_000,
  /** Pair.trace_id: 32 lower-case hex digits, or 16 (64-bit B3 ids). */
  traceIdBytes: 32,
  /** Response.status when the side answered. */
  minStatus: 100,
  maxStatus: 999,
} as const;

/** Why a pair was dropped at intake: a bounded set, the `reason` label of shadowdiff_pairs_dropped_total. */
export const PAIR_DROP_REASONS = ["malformed", "invalid_id", "invalid_status", "invalid_field", "too_large"] as const;
export type PairDropReason = (typeof PAIR_DROP_REASONS)[number];
