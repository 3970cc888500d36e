// A varied, repeatable stream of pairs for looking at the page: a route whose shadow changes a
// price, one that is slower, one that fails with 500s and a timeout, a gzip route that passes,
// and a small one with a cut body. Used by the screenshots and the page benchmark.
import { gzipSync } from "node:zlib";
import type { WirePair, WireResponse } from "./report-client.js";
import { seededRandom } from "./seeded-random.js";

export const SHOWCASE_COLLECTOR_CONFIG = {
  compare: { headers: ["content-type"], ignorePaths: ["$.updated_at", "$..request_id"] },
  routes: { templates: ["/products/{id}", "/users/{id}", "/orders/{id}", "/reports/{id}"] },
};

const JSON_TYPE = { name: "content-type", value: "application/json" };

function answer(status: number, body: Buffer, millis: number, headers = [JSON_TYPE], truncatedAt?: number): WireResponse {
  const kept = truncatedAt === undefined ? body : body.subarray(0, truncatedAt);
  return { status, headers, body: kept, body_size: body.length, truncated: truncatedAt !== undefined, latency_nanos: Math.round(millis * 1e6) };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** `count` pairs spread over the showcase routes, ids counting from `firstId`. */
export function showcasePairs(count = 760, seed = 7, firstId = 1): WirePair[] {
  const next = seededRandom(seed);
  const pairs: WirePair[] = [];
  // Log-normal around `base`, as service latencies tend to be (Box-Muller for the normal draw).
  const latency = (base: number) => base * Math.exp(0.3 * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()));
  for (let n = 0; n < count; n++) {
    const id = firstId + n;
    const slot = n % 19;
    let path: string;
    let primary: WireResponse;
    let shadow: WireResponse;
    let failure = 0;
    if (slot < 6) {
      const productId = 1000 + (id % 97);
      path = `/products/${productId}?currency=EUR`;
      const product = {
        id: productId,
        name: `Trail shoe ${productId}`,
        price: { amount: 89.9, currency: "EUR" },
        stock: 14,
        tags: ["outdoor", "running"],
        updated_at: `2026-11-30T10:${String(n % 60).padStart(2, "0")}:00Z`,
      };
      const changed = n % 40 === 0;
      primary = answer(200, json(product), latency(4));
      shadow = answer(200, json(changed ? { ...product, price: { amount: 91.5, currency: "EUR" }, tags: ["outdoor", "running", "sale"] } : { ...product, updated_at: "2026-11-30T11:00:00Z" }), latency(4.2));
    } else if (slot < 10) {
      const userId = 200 + (id % 53);
      path = `/users/${userId}`;
      const user = { id: userId, name: "Ada Lovelace", plan: "team", request_id: `r-${id}` };
      primary = answer(200, json(user), latency(6));
      shadow = answer(200, json({ ...user, request_id: `s-${id}` }), latency(9.5));
    } else if (slot < 14) {
      const orderId = 5000 + id;
      path = `/orders/${orderId}`;
      const order = { id: orderId, status: "shipped", lines: [{ sku: "A-1", qty: 1 }, { sku: "B-7", qty: 2 }] };
      primary = answer(200, json(order), latency(8));
      if (n % 70 === 13) {
        shadow = answer(0, Buffer.alloc(0), 5000);
        failure = 1; // timeout
      } else if (n % 45 === 11) {
        shadow = answer(500, json({ error: "inventory service unavailable" }), latency(3));
      } else {
        shadow = answer(200, json(order), latency(7.5));
      }
    } else if (slot < 18) {
      path = `/search?q=${["boots", "tent", "socks", "stove"][n % 4]}`;
      const results = Array.from({ length: 12 }, (_, i) => ({ sku: `S-${(n + i) % 90}`, score: Math.round((1 - i / 20) * 1000) / 1000 }));
      const body = gzipSync(json({ results, total: 12 }));
      const headers = [JSON_TYPE, { name: "content-encoding", value: "gzip" }];
      primary = answer(200, body, latency(12), headers);
      shadow = answer(200, body, latency(11), headers);
    } else {
      const reportId = 70 + (n % 5);
      path = `/reports/${reportId}`;
      const rows = Array.from({ length: 40 }, (_, i) => ({ day: i + 1, visits: 1000 + ((i * 37) % 300) }));
      const body = json({ id: reportId, rows });
      primary = answer(200, body, latency(20), [JSON_TYPE], n % 9 === 0 ? 512 : undefined);
      shadow = answer(200, body, latency(21), [JSON_TYPE], n % 9 === 0 ? 512 : undefined);
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
      primary,
      targets: [{ ...shadow, name: "shadow", failure }],
    });
  }
  return pairs;
}
