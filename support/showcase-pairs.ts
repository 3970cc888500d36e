// A varied, repeatable stream of pairs for looking at the page, as the demo's service answers: the
// primary (v1) mirrored to two targets, v2 and v3, and every other request to a secondary (v1
// again). Every version stamps its answers with a request id and the time, so noise is for the
// secondary to tell apart (no path is ignored). v2 changes a price on /products/{id} (a
// regression) and fails with 500s and a timeout on /orders/{id}; v3 passes everywhere; /search is
// gzip; /reports/{id} has cut bodies. Enough pairs for every line to be decided. Used by the
// screenshots.
import { gzipSync } from "node:zlib";
import type { WirePair, WireResponse } from "./report-client.js";
import { seededRandom } from "./seeded-random.js";

export const SHOWCASE_COLLECTOR_CONFIG = {
  compare: { headers: ["content-type"] },
  routes: { templates: ["/products/{id}", "/users/{id}", "/orders/{id}", "/reports/{id}"] },
};

/** The targets, in the filter's configuration order. */
export const SHOWCASE_TARGETS = ["v2", "v3"] as const;
type Side = "v1" | "secondary" | (typeof SHOWCASE_TARGETS)[number];

/** The secondary's share of mirrored requests: every other pair carries one. */
const SECONDARY_SHARE = 0.5;
const JSON_TYPE = { name: "content-type", value: "application/json" };

function answer(status: number, body: Buffer, millis: number, headers = [JSON_TYPE], truncatedAt?: number): WireResponse {
  const kept = truncatedAt === undefined ? body : body.subarray(0, truncatedAt);
  return { status, headers, body: kept, body_size: body.length, truncated: truncatedAt !== undefined, latency_nanos: Math.round(millis * 1e6) };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const failed = (kind: number): WireResponse => ({ status: 0, headers: [], body: Buffer.alloc(0), body_size: 0, latency_nanos: 5e9, failure: kind });

/** `count` pairs spread over the showcase routes, ids counting from `firstId`. */
export function showcasePairs(count = 10_000, seed = 7, firstId = 1): WirePair[] {
  const next = seededRandom(seed);
  const pairs: WirePair[] = [];
  // A normal draw (Box-Muller).
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  // Log-normal around `base`, as service latencies tend to be: mostly the request's own (every side
  // of a pair answers the same request at the same moment), a little each side's.
  let shared = 1;
  const latency = (base: number) => base * shared * Math.exp(0.08 * normal());
  /** What every version adds to an answer: its own request id, and the time it answered. */
  const stamp = (id: number, side: Side) => ({ requestId: `${side}-${id.toString(16)}-${Math.floor(next() * 1e6).toString(36)}`, servedAt: `2026-11-30T10:${String(id % 60).padStart(2, "0")}:${(next() * 60).toFixed(3).padStart(6, "0")}Z` });
  for (let n = 0; n < count; n++) {
    const id = firstId + n;
    const slot = n % 19;
    shared = Math.exp(0.3 * normal());
    let path: string;
    let respond: (side: Side) => WireResponse;
    if (slot < 6) {
      const productId = 1000 + (id % 97);
      path = `/products/${productId}?currency=EUR`;
      // v2's deliberate regression: a new rounding rule for prices.
      const product = (side: Side) => ({ id: productId, name: `Trail shoe ${productId}`, price: side === "v2" ? 89.5 : 89.9, currency: "EUR", stock: 14, tags: ["outdoor", "running"], ...stamp(id, side) });
      respond = (side) => answer(200, json(product(side)), latency(side === "v1" ? 4 : 4.2));
    } else if (slot < 10) {
      const userId = 200 + (id % 53);
      path = `/users/${userId}`;
      respond = (side) => answer(200, json({ id: userId, name: "Ada Lovelace", plan: "team", ...stamp(id, side) }), latency(side === "v3" ? 6.2 : 6));
    } else if (slot < 14) {
      const orderId = 5000 + id;
      path = `/orders/${orderId}`;
      const order = { id: orderId, status: "shipped", lines: [{ sku: "A-1", qty: 1 }, { sku: "B-7", qty: 2 }] };
      respond = (side) => {
        if (side === "v2" && n % 70 === 13) return failed(1); // timeout
        if (side === "v2" && n % 8 === 3) return answer(500, json({ error: "inventory service unavailable" }), latency(3));
        return answer(200, json(order), latency(side === "v1" ? 8 : 7.5));
      };
    } else if (slot < 17) {
      path = `/search?q=${["boots", "tent", "socks", "stove"][n % 4]}`;
      const results = Array.from({ length: 12 }, (_, i) => ({ sku: `S-${(n + i) % 90}`, score: Math.round((1 - i / 20) * 1000) / 1000 }));
      const body = gzipSync(json({ results, total: 12 }));
      respond = (side) => answer(200, body, latency(side === "v1" ? 12 : 11), [JSON_TYPE, { name: "content-encoding", value: "gzip" }]);
    } else {
      const reportId = 70 + (n % 5);
      path = `/reports/${reportId}`;
      const rows = Array.from({ length: 40 }, (_, i) => ({ day: i + 1, visits: 1000 + ((i * 37) % 300) }));
      const body = json({ id: reportId, rows });
      respond = (side) => answer(200, body, latency(side === "v1" ? 20 : 21), [JSON_TYPE], n % 9 === 0 ? 512 : undefined);
    }
    pairs.push({
      id: `req-${id.toString(16).padStart(6, "0")}`,
      proxy_id: "sidecar~10.0.0.12~api-primary-7d9f.shop~shop.svc.cluster.local",
      config_version: "5f1c2a9e",
      method: "GET",
      authority: "api.shop.svc.cluster.local",
      path,
      request_headers: [
        { name: "accept", value: "application/json" },
        { name: "authorization", value: "[redacted]" },
        { name: "user-agent", value: "shop-web/4.2" },
      ],
      start_unix_nanos: Date.now() * 1_000_000,
      primary: respond("v1"),
      targets: SHOWCASE_TARGETS.map((name) => ({ failure: 0, ...respond(name), name })),
      ...(n % 2 === 0 ? { secondary: { failure: 0, ...respond("secondary") } } : {}),
      secondary_share_ppm: SECONDARY_SHARE * 1_000_000,
    });
  }
  return pairs;
}
