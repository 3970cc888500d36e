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
}

export const SHADOW_FAILURE_KINDS = ["timeout", "reset", "no_cluster", "overflow"] as const;
export type ShadowFailureKind = (typeof SHADOW_FAILURE_KINDS)[number];

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
  /** Absent when the shadow failed. */
  shadow: CapturedResponse | null;
  shadowFailure: ShadowFailureKind | null;
}
