import { gzipSync } from "node:zlib";
import type { CapturedResponse, Pair } from "../../host/capture/pair.js";
import { Comparator } from "../../host/compare/comparator.js";

export function response(body: string | Buffer, overrides: Partial<CapturedResponse> = {}, contentType = "application/json"): CapturedResponse {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return {
    status: 200,
    headers: [{ name: "content-type", value: contentType }],
    body: bytes,
    bodySize: bytes.length,
    truncated: false,
    latencyNanos: 2_000_000,
    ...overrides,
  };
}

export function pair(primary: CapturedResponse, shadow: CapturedResponse | null, overrides: Partial<Pair> = {}): Pair {
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
    shadow,
    shadowFailure: null,
    ...overrides,
  };
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
