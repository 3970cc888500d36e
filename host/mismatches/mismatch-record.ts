import { isUtf8 } from "node:buffer";
import type { CapturedResponse, Header, Pair, ShadowFailureKind } from "../capture/pair.js";
import type { Comparison, Outcome } from "../compare/comparison.js";

// What the collector keeps of a mismatching (or inconclusive) pair: the fields lists and filters
// need, and the rest as one detail document. Bodies are cut here, to bound the file.

/** One response as kept: the body as UTF-8 text when it is valid UTF-8, else base64. */
export interface StoredResponse {
  status: number;
  headers: Header[];
  body: string;
  bodyEncoding: "utf8" | "base64";
  /** Bytes of the captured body kept (at most 64 KiB per side). */
  storedBytes: number;
  bodySize: number;
  truncated: boolean;
  latencySeconds: number;
}

/** Everything kept that lists never read. */
export interface MismatchDetail {
  authority: string;
  proxyId: string;
  configVersion: string;
  requestHeaders: Header[];
  primary: StoredResponse;
  shadow: StoredResponse | null;
  comparison: Comparison;
}

export interface MismatchRecord {
  pairId: string;
  route: string;
  outcome: Outcome;
  method: string;
  path: string;
  shadowFailure: ShadowFailureKind | null;
  /** One line saying what differed. */
  summary: string;
  detail: MismatchDetail;
}

const STORED_BODY_BYTES = 64 * 1024;
const SUMMARY_DIFFERENCES = 5;

export function mismatchRecord(pair: Pair, route: string, comparison: Comparison): MismatchRecord {
  return {
    pairId: pair.id,
    route,
    outcome: comparison.outcome,
    method: pair.method,
    path: pair.path,
    shadowFailure: pair.shadowFailure,
    summary: summarize(comparison),
    detail: {
      authority: pair.authority,
      proxyId: pair.proxyId,
      configVersion: pair.configVersion,
      requestHeaders: pair.requestHeaders,
      primary: storedResponse(pair.primary),
      shadow: pair.shadow ? storedResponse(pair.shadow) : null,
      comparison,
    },
  };
}

function storedResponse(response: CapturedResponse): StoredResponse {
  const kept = response.body.subarray(0, STORED_BODY_BYTES);
  const utf8 = isUtf8(kept);
  return {
    status: response.status,
    headers: response.headers,
    body: kept.toString(utf8 ? "utf8" : "base64"),
    bodyEncoding: utf8 ? "utf8" : "base64",
    storedBytes: kept.length,
    bodySize: response.bodySize,
    truncated: response.truncated,
    latencySeconds: response.latencyNanos / 1e9,
  };
}

/** One line saying what differed, for lists. */
export function summarize(comparison: Comparison): string {
  if (comparison.shadowFailure) return `shadow failed: ${comparison.shadowFailure}`;
  const parts: string[] = [];
  if (comparison.status) parts.push(`status ${comparison.status.primary} → ${comparison.status.shadow}`);
  for (const header of comparison.headers) parts.push(`header ${header.name}`);
  const differences = comparison.body?.differences ?? [];
  for (const difference of differences.slice(0, SUMMARY_DIFFERENCES)) parts.push(`${difference.kind} ${difference.path}`);
  if (differences.length > SUMMARY_DIFFERENCES) parts.push(`… ${differences.length - SUMMARY_DIFFERENCES} more`);
  if (comparison.inconclusive) parts.push(`inconclusive: ${comparison.inconclusive.reason}`);
  return parts.join("; ");
}
