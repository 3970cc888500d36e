// The collector's /api/*, as the page reads it (the same endpoints `shadowdiff report` and
// `shadowdiff verdict --collector` read). URLs are relative, so the page also works behind a
// proxy that serves the collector under a path prefix.
import type { DifferenceClass } from "../../host/mismatches/difference-classes.js";
import type { MismatchListItem, MismatchView } from "../../host/mismatches/mismatch-view.js";
import type { RouteDetail, RouteSummary, Summary as RouteSummaries } from "../../host/summary/summary.js";
import type { Verdict } from "../../host/judge/verdict.js";
import type { IntakeState } from "../../host/verdict/proxy-count.js";
import { storedToken, tokenRefused } from "./token.js";

/** /api/summary: the summaries, and whether the collector's intake is authenticated (absent from older collectors). */
export type Summary = RouteSummaries & { intake?: IntakeState };

export type { DifferenceClass, MismatchListItem, MismatchView, RouteDetail, RouteSummary, Verdict };

/** An answer other than 200, with the collector's own message when it gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const token = storedToken();
  const headers: Record<string, string> = { accept: "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) };
  const response = await fetch(path, { signal: signal ?? null, headers });
  if (response.status === 401) tokenRefused();
  if (!response.ok) {
    let message = `${path}: HTTP ${response.status}`;
    try {
      const body = (await response.json()) as { error?: unknown };
      if (typeof body.error === "string") message = body.error;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

export function fetchSummary(signal?: AbortSignal): Promise<Summary> {
  return getJson<Summary>("api/summary", signal);
}

/** The verdict with the settings of `search` (verdict query parameters, already checked). */
export function fetchVerdict(search: string, signal?: AbortSignal): Promise<Verdict> {
  return getJson<Verdict & { verdict: Verdict["outcome"] }>(`api/verdict${search === "" ? "" : `?${search}`}`, signal).then((json) => ({ ...json, outcome: json.verdict }));
}

export function fetchRoute(route: string, signal?: AbortSignal): Promise<RouteDetail> {
  return getJson<RouteDetail>(`api/route?route=${encodeURIComponent(route)}`, signal);
}

export async function fetchMismatches(options: { route?: string; target?: string; limit: number }, signal?: AbortSignal): Promise<MismatchListItem[]> {
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (options.route !== undefined) query.set("route", options.route);
  if (options.target !== undefined) query.set("target", options.target);
  return (await getJson<{ mismatches: MismatchListItem[] }>(`api/mismatches?${query}`, signal)).mismatches;
}

/** A stored example, each of its differences classed (absent from older collectors). */
export type PairDetail = MismatchView & { classes?: DifferenceClass[] };

export function fetchPair(id: number, signal?: AbortSignal): Promise<PairDetail> {
  return getJson<PairDetail>(`api/mismatches/${id}`, signal);
}
