/** Bounds on the work one pair may cost; past them the pair is inconclusive. */
export interface CompareLimits {
  /** Decoded (after content-encoding) body bytes per side. */
  maxDecodedBytes: number;
  /** Bytes per side above which differing JSON is not parsed (JSON.parse cannot be interrupted). */
  maxJsonBytes: number;
  /** JSON nodes visited per pair, both sides together. */
  maxNodes: number;
  /** Differences listed per pair; a longer list is cut and flagged. */
  maxDifferences: number;
}

// Counted in work, never in time, so that a verdict depends only on the pair and the settings.
// Chosen so that one pair stays well under 50 ms of event-loop time on a slow core: JSON.parse
// runs at roughly 100-400 MB/s and 2-4 M nodes/s, and zlib inflates at 300+ MB/s. Every loop over
// a body is bounded by one of them: decoding by maxDecodedBytes, the text scans by maxJsonBytes,
// parsing, the walk and canonical forms of unordered arrays by maxNodes.
export const DEFAULT_COMPARE_LIMITS: CompareLimits = {
  maxDecodedBytes: 4 * 1024 * 1024,
  maxJsonBytes: 1024 * 1024,
  maxNodes: 100_000,
  maxDifferences: 1000,
};
