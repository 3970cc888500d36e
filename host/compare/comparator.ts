import type { CapturedResponse, MirroredAnswer } from "../capture/pair.js";
import { PathMatcher } from "../json-path/matcher.js";
import { compareBodies, type BodyCompareOptions } from "./body-compare.js";
import type { Comparison, InconclusiveReason } from "./comparison.js";
import { decodeContentEncoding } from "./content-encoding.js";
import { compareGrpcMessages, diffGrpcStatus } from "./grpc-compare.js";
import { GrpcMessages } from "../grpc/grpc-messages.js";
import { DEFAULT_COMPARE_LIMITS, type CompareLimits } from "./limits.js";
import { MediaTypes } from "./media-type.js";
import { diffHeaders, headerValue } from "./status-headers.js";
import { WorkBudget } from "./work-budget.js";

/** What comparing is told: the collector configuration's `compare` section. */
export interface ComparatorSettings {
  /** Response headers compared, lower case. */
  headers: readonly string[];
  /** JSON paths whose values never count (`$.timestamp`, `$..request_id`). */
  ignorePaths: readonly string[];
  /** JSON paths of arrays compared as multisets. */
  unorderedArrays: readonly string[];
  /** Numbers whose absolute difference is at most this are equal. */
  numericTolerance: number;
  /** JSON paths whose values never show in a difference's previews (they may be secrets). */
  redactPaths?: readonly string[];
  /** Trailers compared (gRPC calls), lower case, beside grpc-status, which is compared as a status. */
  trailers?: readonly string[];
  /** How gRPC messages are read (the descriptor sets); without it, they are compared as bytes. */
  grpcMessages?: GrpcMessages;
}

/**
 * Compares pairs. Built once from the settings: the paths are compiled into matchers (whose
 * transition tables fill in as bodies need them) and everything the comparison of one pair
 * needs is worked out here, so compare() only compares.
 */
export class Comparator {
  private readonly headers: readonly string[];
  private readonly trailers: readonly string[];
  private readonly grpcMessages: GrpcMessages;
  private readonly limits: CompareLimits;
  private readonly bodyOptions: BodyCompareOptions;
  private readonly mediaTypes = new MediaTypes();

  /** Throws an Error naming any path that is not valid. */
  constructor(settings: ComparatorSettings, limits: CompareLimits = DEFAULT_COMPARE_LIMITS) {
    this.headers = [...settings.headers];
    this.trailers = [...(settings.trailers ?? [])];
    this.grpcMessages = settings.grpcMessages ?? new GrpcMessages(null);
    this.limits = limits;
    this.bodyOptions = {
      ignore: new PathMatcher(settings.ignorePaths),
      unordered: new PathMatcher(settings.unorderedArrays),
      numericTolerance: settings.numericTolerance,
      redact: new PathMatcher(settings.redactPaths ?? []),
      maxJsonBytes: limits.maxJsonBytes,
      maxNodes: limits.maxNodes,
      maxDifferences: limits.maxDifferences,
    };
  }

  /**
   * Compares the primary with one mirrored side (a target, or the secondary) in order: shadow failure, status, configured headers, then the body after
   * content-encoding, by content type. A truncated body is never a match; a pair whose statuses
   * or headers already differ is a mismatch whatever its body. A gRPC call (`grpcPath`, its
   * method's path) also compares its gRPC status and configured trailers, and its messages
   * through the descriptor sets.
   */
  compare(primary: CapturedResponse, mirrored: MirroredAnswer, grpcPath?: string): Comparison {
    const shadow = mirrored.response;
    if (shadow === null) {
      return { outcome: "mismatch", shadowFailure: mirrored.failure ?? "reset", headers: [], latencyRatio: null };
    }
    const comparison: Comparison = {
      outcome: "match",
      headers: diffHeaders(primary.headers, shadow.headers, this.headers),
      latencyRatio: primary.latencyNanos > 0 && shadow.latencyNanos > 0 ? shadow.latencyNanos / primary.latencyNanos : null,
    };
    if (primary.status !== shadow.status) comparison.status = { primary: primary.status, shadow: shadow.status };
    if (grpcPath !== undefined) {
      const { status, trailers } = diffGrpcStatus(primary, shadow, this.trailers);
      comparison.grpc = status === undefined ? {} : { status };
      if (trailers !== undefined) comparison.trailers = trailers;
    }
    const headOnlyMismatch = comparison.status !== undefined || comparison.headers.length > 0 || comparison.grpc?.status !== undefined || comparison.trailers !== undefined;
    const inconclusive = (reason: InconclusiveReason, detail: string): Comparison => {
      if (headOnlyMismatch) return { ...comparison, outcome: "mismatch" };
      return { ...comparison, outcome: "inconclusive", inconclusive: { reason, detail } };
    };

    if (primary.truncated || shadow.truncated) {
      const side = primary.truncated ? (shadow.truncated ? "both bodies were" : "the primary body was") : "the shadow body was";
      return inconclusive("truncated", `${side} cut at the capture limit`);
    }
    const { limits } = this;
    if (grpcPath !== undefined) {
      const budget = new WorkBudget(limits.maxNodes);
      const body = compareGrpcMessages(primary, shadow, grpcPath, this.grpcMessages, this.bodyOptions, limits, budget, comparison.grpc as NonNullable<Comparison["grpc"]>);
      if (!body.conclusive) return inconclusive(body.reason, body.detail);
      const { conclusive: _, ...bodyResult } = body;
      comparison.body = bodyResult;
      comparison.outcome = headOnlyMismatch || body.differences.length > 0 ? "mismatch" : "match";
      return comparison;
    }
    const kind = this.mediaTypes.bodyKindOf(headerValue(primary.headers, "content-type") ?? headerValue(shadow.headers, "content-type"));
    const primaryEncoding = headerValue(primary.headers, "content-encoding");
    if (primaryEncoding === headerValue(shadow.headers, "content-encoding") && primary.body.equals(shadow.body)) {
      // Same bytes, same encoding: the same body, without decoding it.
      comparison.body = { kind, differences: [], differencesCapped: false };
      comparison.outcome = headOnlyMismatch ? "mismatch" : "match";
      return comparison;
    }
    const primaryBody = decodeContentEncoding(primary.body, primaryEncoding, limits.maxDecodedBytes);
    if (!primaryBody.ok) return inconclusive(primaryBody.reason, `primary: ${primaryBody.detail}`);
    const shadowBody = decodeContentEncoding(shadow.body, headerValue(shadow.headers, "content-encoding"), limits.maxDecodedBytes);
    if (!shadowBody.ok) return inconclusive(shadowBody.reason, `shadow: ${shadowBody.detail}`);

    const budget = new WorkBudget(limits.maxNodes);
    const body = compareBodies(primaryBody.bytes, shadowBody.bytes, kind, this.bodyOptions, budget);
    if (!body.conclusive) return inconclusive(body.reason, body.detail);
    const { conclusive: _, ...bodyResult } = body;
    comparison.body = bodyResult;
    comparison.outcome = headOnlyMismatch || body.differences.length > 0 ? "mismatch" : "match";
    return comparison;
  }
}
