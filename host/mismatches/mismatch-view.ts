import type { Header } from "../capture/pair.js";
import type { Comparison } from "../compare/comparison.js";
import type { StoredResponse } from "./mismatch-record.js";
import type { MismatchHeadline, StoredMismatch } from "./mismatch-store.js";

// How stored mismatches read in the HTTP API (`/api/mismatches`, `/api/mismatches/{id}`).

/** One mismatch (or inconclusive pair) in full. */
export interface MismatchView {
  id: number;
  recordedAt: string;
  pairId: string;
  route: string;
  outcome: string;
  method: string;
  authority: string;
  path: string;
  proxyId: string;
  configVersion: string;
  requestHeaders: Header[];
  primary: StoredResponse;
  shadow: StoredResponse | null;
  shadowFailure: string | null;
  comparison: Comparison;
}

/** One line of the list. */
export interface MismatchListItem {
  id: number;
  pairId: string;
  route: string;
  outcome: string;
  recordedAt: string;
  method: string;
  path: string;
  shadowFailure: string | null;
  summary: string;
}

export function mismatchView(stored: StoredMismatch): MismatchView {
  const { detail } = stored;
  return {
    id: stored.id,
    recordedAt: new Date(stored.recordedAtMs).toISOString(),
    pairId: stored.pairId,
    route: stored.route,
    outcome: stored.outcome,
    method: stored.method,
    authority: detail.authority,
    path: stored.path,
    proxyId: detail.proxyId,
    configVersion: detail.configVersion,
    requestHeaders: detail.requestHeaders,
    primary: detail.primary,
    shadow: detail.shadow,
    shadowFailure: stored.shadowFailure,
    comparison: detail.comparison,
  };
}

export function mismatchListItem(headline: MismatchHeadline): MismatchListItem {
  return {
    id: headline.id,
    pairId: headline.pairId,
    route: headline.route,
    outcome: headline.outcome,
    recordedAt: new Date(headline.recordedAtMs).toISOString(),
    method: headline.method,
    path: headline.path,
    shadowFailure: headline.shadowFailure,
    summary: headline.summary,
  };
}
