import { gzipSync } from "node:zlib";
import type { CapturedResponse, Pair, ShadowFailureKind } from "../../host/capture/pair.js";
import { Comparator } from "../../host/compare/comparator.js";
import type { Comparison } from "../../host/compare/comparison.js";

export function response(body: string | Buffer, overrides: Partial<CapturedResponse> = {}, contentType = "application/json"): CapturedResponse {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return {
    status: 200,
    headers: [{ name: "content-type", value: contentType }],
    body: bytes,
    bodySize: bytes.length,
    truncated: false,
    latencyNanos: 2_000_000,
    trailers: [],
    ...overrides,
  };
}

/** A pair with one target named "shadow" that answered `shadow`, or failed (`failure`, reset by default). */
export function pair(primary: CapturedResponse, shadow: CapturedResponse | null, overrides: Partial<Pair> = {}, failure: ShadowFailureKind | null = null): Pair {
  return {
    id: "req-1",
    proxyId: "envoy-1",
    configVersion: "abc",
    method: "GET",
    authority: "api",
    path: "/users/42",
    requestHeaders: [],
    startUnixNanos: 1,
    primary,
    targets: [{ name: "shadow", response: shadow, failure: shadow === null ? (failure ?? "reset") : null }],
    secondary: null,
    requestBody: null,
    secondaryShare: 0,
    traceId: "",
    grpc: false,
    ...overrides,
  };
}

/** The comparison of a pair's primary with its first target. */
export function compareFirst(comparator: Comparator, p: Pair): Comparison {
  return comparator.compare(p.primary, p.targets[0]!);
}

export interface ComparatorOverrides {
  ignore?: string[];
  unordered?: string[];
  numericTolerance?: number;
  headers?: string[];
}

/** A comparator with the collector's defaults, and the given paths and tolerance. */
export function comparator(overrides: ComparatorOverrides = {}): Comparator {
  return new Comparator({
    headers: overrides.headers ?? ["content-type"],
    ignorePaths: overrides.ignore ?? [],
    unorderedArrays: overrides.unordered ?? [],
    numericTolerance: overrides.numericTolerance ?? 0,
  });
}

export function gzipped(text: string): Buffer {
  return gzipSync(Buffer.from(text));
}
