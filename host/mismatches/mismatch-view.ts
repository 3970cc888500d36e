import { isUtf8 } from "node:buffer";
import type { Header } from "../capture/pair.js";
import type { Comparison } from "../compare/comparison.js";
import { decodeContentEncoding } from "../compare/content-encoding.js";
import { DEFAULT_COMPARE_LIMITS } from "../compare/limits.js";
import type { StoredBody, StoredResponse } from "./mismatch-record.js";
import type { MismatchHeadline, StoredMismatch } from "./mismatch-store.js";
import { traceUrl } from "../traces/trace-links.js";

// How stored mismatches read in the HTTP API (`/api/mismatches`, `/api/mismatches/{id}`).

/** A body with a content-encoding, as a person reads it: decoded, or why it could not be. */
export type DecodedBody =
  | {
      contentEncoding: string;
      body: string;
      bodyEncoding: "utf8" | "base64";
      /** Decoded bytes shown (at most 256 KiB). */
      bytes: number;
      /** Less than the whole body: the stored bytes were cut, or the decoded text was. */
      cut: boolean;
    }
  | { contentEncoding: string; error: string };

/** A stored body, decoded when it has a content-encoding. */
export interface BodyView extends StoredBody {
  decoded?: DecodedBody;
}

/** A stored response, with its body decoded when it has a content-encoding. */
export interface ResponseView extends StoredResponse, BodyView {}

/** The pair's secondary (the primary's own version asked again): its answer, and how it differed from the primary's. */
export interface SecondaryView {
  response: ResponseView | null;
  failure: string | null;
  comparison: Comparison | null;
}

/** One mismatch (or inconclusive pair) in full. */
export interface MismatchView {
  id: number;
  recordedAt: string;
  pairId: string;
  route: string;
  /** The target compared with the primary ("" for examples kept before targets were named). */
  target: string;
  outcome: string;
  method: string;
  authority: string;
  path: string;
  proxyId: string;
  configVersion: string;
  requestHeaders: Header[];
  /** The body mirrored with the request; null when none was. */
  requestBody: BodyView | null;
  primary: ResponseView;
  shadow: ResponseView | null;
  shadowFailure: string | null;
  comparison: Comparison;
  /** The primary's trace id; null when the request carried none. */
  traceId: string | null;
  /** The trace in the tracing UI (the collector's traces.urlTemplate); null without a template or a trace id. */
  traceUrl: string | null;
  /** Null when the pair had no secondary (or was kept before secondaries were). */
  secondary: SecondaryView | null;
  /** A gRPC call: the descriptor set files its messages were read with (base names); null for HTTP. */
  grpc: { descriptorSets: string[] } | null;
}

/** One line of the list. */
export interface MismatchListItem {
  id: number;
  pairId: string;
  route: string;
  target: string;
  outcome: string;
  recordedAt: string;
  method: string;
  path: string;
  shadowFailure: string | null;
  summary: string;
}

/** `traceUrlTemplate`: the collector's traces.urlTemplate, when it has one. */
export function mismatchView(stored: StoredMismatch, traceUrlTemplate?: string): MismatchView {
  const { detail } = stored;
  const traceId = detail.traceId ?? null;
  return {
    id: stored.id,
    recordedAt: new Date(stored.recordedAtMs).toISOString(),
    pairId: stored.pairId,
    route: stored.route,
    target: stored.target,
    outcome: stored.outcome,
    method: stored.method,
    authority: detail.authority,
    path: stored.path,
    proxyId: detail.proxyId,
    configVersion: detail.configVersion,
    requestHeaders: detail.requestHeaders,
    requestBody: detail.requestBody ? bodyView(detail.requestBody, detail.requestHeaders) : null,
    primary: bodyView(detail.primary, detail.primary.headers),
    shadow: detail.shadow && bodyView(detail.shadow, detail.shadow.headers),
    shadowFailure: stored.shadowFailure,
    comparison: detail.comparison,
    traceId,
    traceUrl: traceId !== null && traceUrlTemplate !== undefined ? traceUrl(traceUrlTemplate, traceId) : null,
    secondary: detail.secondary
      ? { response: detail.secondary.response && bodyView(detail.secondary.response, detail.secondary.response.headers), failure: detail.secondary.failure, comparison: detail.secondary.comparison }
      : null,
    grpc: detail.grpc ?? null,
  };
}

export function mismatchListItem(headline: MismatchHeadline): MismatchListItem {
  return {
    id: headline.id,
    pairId: headline.pairId,
    route: headline.route,
    target: headline.target,
    outcome: headline.outcome,
    recordedAt: new Date(headline.recordedAtMs).toISOString(),
    method: headline.method,
    path: headline.path,
    shadowFailure: headline.shadowFailure,
    summary: headline.summary,
  };
}

/** Decoded bytes shown per side: enough to read, little enough for a browser to lay out. */
const DECODED_SHOWN_BYTES = 256 * 1024;

function bodyView<T extends StoredBody>(stored: T, headers: readonly Header[]): T & BodyView {
  const contentEncoding = headers.find((header) => header.name.toLowerCase() === "content-encoding")?.value.trim() ?? "";
  if (contentEncoding === "" || contentEncoding.toLowerCase() === "identity") return stored;
  if (stored.bodyDecoded) {
    // Kept decoded (to be redacted): the body is already what a person reads.
    const { body, bodyEncoding, storedBytes } = stored;
    return { ...stored, decoded: { contentEncoding, body, bodyEncoding, bytes: storedBytes, cut: stored.truncated || stored.bodyCut === true } };
  }
  const raw = Buffer.from(stored.body, stored.bodyEncoding === "base64" ? "base64" : "utf8");
  const storedWhole = stored.storedBytes >= stored.bodySize && !stored.truncated;
  // Decoded with the comparator's own bound, so a small body cannot expand without limit here either.
  const decoded = decodeContentEncoding(raw, contentEncoding, DEFAULT_COMPARE_LIMITS.maxDecodedBytes, !storedWhole);
  if (!decoded.ok) return { ...stored, decoded: { contentEncoding, error: decoded.detail } };
  const shown = textOrBytes(decoded.bytes.subarray(0, DECODED_SHOWN_BYTES));
  const utf8 = isUtf8(shown);
  return {
    ...stored,
    decoded: {
      contentEncoding,
      body: shown.toString(utf8 ? "utf8" : "base64"),
      bodyEncoding: utf8 ? "utf8" : "base64",
      bytes: shown.length,
      cut: !storedWhole || shown.length < decoded.bytes.length,
    },
  };
}

/** `bytes`, less a character cut in half at its end when the rest is UTF-8 text (cut bodies end anywhere). */
function textOrBytes(bytes: Buffer): Buffer {
  for (let drop = 1; drop <= 3 && !isUtf8(bytes) && drop < bytes.length; drop++) {
    const shorter = bytes.subarray(0, bytes.length - drop);
    if (isUtf8(shorter)) return shorter;
  }
  return bytes;
}
