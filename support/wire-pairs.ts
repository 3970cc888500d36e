// Pairs to report in tests, as the .proto spells them (snake_case), with sensible values for
// whatever a test leaves out.
import type { WireBody, WirePair, WireResponse } from "./report-client.js";

const JSON_HEADERS = [{ name: "content-type", value: "application/json" }];

/** A matching pair of small JSON bodies (key order differs), with `overrides` on top. Objects that break the contract may be passed in on purpose. */
export function wirePair(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body = (text: string) => Buffer.from(text);
  return {
    id: "pair-1",
    proxy_id: "envoy-1",
    config_version: "cafe1234",
    method: "GET",
    authority: "api.local",
    path: "/users/42",
    start_unix_nanos: 1_700_000_000_000_000_000,
    primary: { status: 200, headers: JSON_HEADERS, body: body('{"id":42,"price":10}'), body_size: 20, latency_nanos: 2_000_000 },
    targets: [{ name: "shadow", status: 200, headers: JSON_HEADERS, body: body('{"price":10,"id":42}'), body_size: 20, latency_nanos: 3_000_000 }],
    ...overrides,
  };
}

/** The target `name` that answered `response`, or failed with ShadowFailure `failure`. */
export function shadowTarget(response: Partial<WireResponse>, failure = 0, name = "shadow"): WireResponse {
  const answered = failure === 0 ? response : {};
  return { status: 0, headers: [], body: Buffer.alloc(0), body_size: 0, latency_nanos: 1_000_000, ...answered, name, failure };
}

/** A 200 answer with `value` as its JSON body, taking `latencyMillis`. */
export function jsonResponse(value: unknown, latencyMillis: number): WireResponse {
  const body = Buffer.from(JSON.stringify(value));
  return { status: 200, headers: JSON_HEADERS, body, body_size: body.length, truncated: false, latency_nanos: latencyMillis * 1_000_000 };
}

/** A request body as the filter sends it: whole, or its first `capturedBytes` bytes when given. */
export function requestBody(text: string | Buffer, capturedBytes?: number): WireBody {
  const whole = Buffer.from(text);
  const data = capturedBytes === undefined ? whole : whole.subarray(0, capturedBytes);
  return { data, size: whole.length, truncated: data.length < whole.length };
}

let sequence = 0;

/** A pair on `path` as an Istio sidecar would report it; ids count up. */
export function jsonPair(path: string, primary: WireResponse, shadow: WireResponse): WirePair {
  sequence += 1;
  return {
    id: `req-${sequence}`,
    proxy_id: "sidecar~10.0.0.1~api-primary-1.shop~shop.svc.cluster.local",
    config_version: "0badc0de",
    method: "GET",
    authority: "api.shop.svc.cluster.local",
    path,
    request_headers: [],
    start_unix_nanos: Date.now() * 1_000_000,
    primary,
    targets: [{ ...shadow, name: "shadow" }],
  };
}

/**
 * A pair on `path` mirrored to several targets (name → answer, in configuration order) and, when
 * given, to a secondary (the primary's own version asked again); ids count up.
 */
export function multiTargetPair(path: string, primary: WireResponse, targets: Record<string, WireResponse>, secondary?: WireResponse): WirePair {
  const pair = jsonPair(path, primary, primary);
  return {
    ...pair,
    targets: Object.entries(targets).map(([name, answer]) => ({ failure: 0, ...answer, name })),
    ...(secondary === undefined ? {} : { secondary: { failure: 0, ...secondary } }),
  };
}
