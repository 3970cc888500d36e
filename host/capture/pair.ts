// The capture contract (proto/shadowdiff/v1/capture.proto) as the collector sees it once a batch
// has been decoded and validated. Field names follow the .proto in camelCase.

export interface Header {
  name: string;
  value: string;
}

export interface CapturedResponse {
  status: number;
  headers: Header[];
  body: Buffer;
  bodySize: number;
  truncated: boolean;
  latencyNanos: number;
  /** Selected trailers (a gRPC call's sides: grpc-status, grpc-message, the configured ones); [] otherwise. */
  trailers: Header[];
}

/** The request's body as the filter sent it to the mirrored sides: its first max_body_bytes bytes. */
export interface CapturedBody {
  body: Buffer;
  bodySize: number;
  truncated: boolean;
}

export const SHADOW_FAILURE_KINDS = ["timeout", "reset", "no_cluster", "overflow"] as const;
export type ShadowFailureKind = (typeof SHADOW_FAILURE_KINDS)[number];

/** A mirrored side: its response, or why it gave none (then `response` is null). */
export interface MirroredAnswer {
  response: CapturedResponse | null;
  failure: ShadowFailureKind | null;
}

/** One configured target (`v2`, `v3`, ...) and its answer. */
export interface TargetAnswer extends MirroredAnswer {
  name: string;
}

export interface Pair {
  id: string;
  proxyId: string;
  configVersion: string;
  method: string;
  authority: string;
  path: string;
  requestHeaders: Header[];
  startUnixNanos: number;
  primary: CapturedResponse;
  /** 1 to 4 targets in the filter's configuration order, names unique. */
  targets: TargetAnswer[];
  /** The primary's own version asked again (the noise baseline); null when not sampled for it. */
  secondary: MirroredAnswer | null;
  /** The body mirrored with the request (request_bodies methods, gRPC calls); null when none was. */
  requestBody: CapturedBody | null;
  /** The secondary's share of mirrored requests as the filter is configured (0 to 1; 0: none). */
  secondaryShare: number;
  /** The primary's trace id (lower-case hex, 32 or 16 digits); "" when the request carried none. */
  traceId: string;
  /** A gRPC call (the filter's grpc.methods): bodies are length-prefixed messages, statuses in trailers. */
  grpc: boolean;
}
