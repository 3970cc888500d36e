// The demo's sample service, a small product catalog, in three versions. Every version answers
// the way real services do, with noise: each answer stamps the time and a generated id, and lists
// its tags (and the categories) in a random order. v2 also differs from v1 on purpose: on
// /products/{id} its `price` changed (a new rounding rule). v3 is v2 with that regression fixed.
// POST /orders writes: each version records the order in its own store (a process of its own,
// so a shadow never writes where v1 does) and answers with it. Every request takes its own time,
// drawn from its id, the same in every version: the request's own cost, as real work varies.
// The collector must fail v2 on `$.price`, pass v3, and call the rest noise.
import { createHash, randomUUID } from "node:crypto";
import { sendJson, type RequestHandler } from "../support/http-service.js";

export const CATALOG_VERSIONS = ["v1", "v2", "v3"] as const;
export type CatalogVersion = (typeof CATALOG_VERSIONS)[number];

export function catalogHandler(version: CatalogVersion): RequestHandler {
  const orders = new Map<string, object>();
  return async (request, response) => {
    await work(request.headers["x-request-id"]);
    const path = new URL(request.url, "http://catalog").pathname;
    if (path === "/orders" && request.method === "POST") return recordOrder(orders, request.body, response);
    const product = /^\/products\/(\d+)$/.exec(path);
    if (product !== null) return sendJson(response, 200, { ...productBody(Number(product[1]), version), ...stamp() });
    const user = /^\/users\/(\d+)$/.exec(path);
    if (user !== null) return sendJson(response, 200, { ...userBody(Number(user[1])), ...stamp() });
    if (path === "/categories") {
      return sendJson(response, 200, { items: shuffled(["books", "games", "music"]).map((name) => ({ name })), ...stamp() });
    }
    sendJson(response, 404, { error: "not found", path });
  };
}

/**
 * Waits as long as the request's work takes: lognormal around 100 ms (σ 0.5), drawn from its id so
 * that every version spends the same on the same request, as they would on the same work.
 */
function work(requestId: string | string[] | undefined): Promise<void> {
  const digest = createHash("sha256").update(String(requestId ?? randomUUID())).digest();
  const u1 = (digest.readUInt32BE(0) + 1) / 4294967297;
  const u2 = digest.readUInt32BE(4) / 4294967296;
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return new Promise((resolve) => setTimeout(resolve, 100 * Math.exp(0.5 * normal)));
}

/** Records `{sku, qty}` under an id drawn from the body, so every version answers the same id. */
function recordOrder(orders: Map<string, object>, body: Buffer, response: Parameters<RequestHandler>[1]): void {
  let order: { sku?: unknown; qty?: unknown };
  try {
    order = JSON.parse(body.toString("utf8")) as typeof order;
  } catch {
    return sendJson(response, 400, { error: "the body is not JSON" });
  }
  if (typeof order.sku !== "string" || !Number.isInteger(order.qty)) return sendJson(response, 400, { error: "an order needs sku and qty" });
  const id = createHash("sha256").update(body).digest("hex").slice(0, 12);
  const recorded = { id, sku: order.sku, qty: order.qty, status: "recorded" };
  orders.set(id, recorded);
  sendJson(response, 201, { ...recorded, ...stamp() });
}

function productBody(id: number, version: CatalogVersion): object {
  const cents = 999 + ((id * 37) % 5000);
  // v1 and v3 round to whole cents; v2 (the deliberate regression) truncates to ten cents.
  const price = version === "v2" ? Math.floor(cents / 10) / 10 : cents / 100;
  return { id, name: `product ${id}`, price, currency: "EUR", tags: shuffled(["demo", "new", "sale"]) };
}

function userBody(id: number): object {
  return { id, name: `user ${id}`, email: `user${id}@example.com` };
}

/**
 * What makes every answer differ from the last, in every version: the time (in microseconds, so
 * two answers never share it, whatever their latency) and a generated id.
 */
function stamp(): object {
  return { timestamp: Math.round((performance.timeOrigin + performance.now()) * 1000), requestId: randomUUID() };
}

/** A list whose order the service does not promise: a new order on every answer. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
