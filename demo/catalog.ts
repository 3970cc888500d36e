// The demo's sample service, a small product catalog, in three versions. Every version answers
// the way real services do, with noise: each answer stamps the time and a generated id, and lists
// its tags (and the categories) in a random order. v2 also differs from v1 on purpose: on
// /products/{id} its `price` changed (a new rounding rule). v3 is v2 with that regression fixed.
// The collector must fail v2 on `$.price`, pass v3, and call the rest noise.
import { randomUUID } from "node:crypto";
import { sendJson, type RequestHandler } from "../support/http-service.js";

export const CATALOG_VERSIONS = ["v1", "v2", "v3"] as const;
export type CatalogVersion = (typeof CATALOG_VERSIONS)[number];

export function catalogHandler(version: CatalogVersion): RequestHandler {
  return async (request, response) => {
    const path = new URL(request.url, "http://catalog").pathname;
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

function productBody(id: number, version: CatalogVersion): object {
  const cents = 999 + ((id * 37) % 5000);
  // v1 and v3 round to whole cents; v2 (the deliberate regression) truncates to ten cents.
  const price = version === "v2" ? Math.floor(cents / 10) / 10 : cents / 100;
  return { id, name: `product ${id}`, price, currency: "EUR", tags: shuffled(["demo", "new", "sale"]) };
}

function userBody(id: number): object {
  return { id, name: `user ${id}`, email: `user${id}@example.com` };
}

/** What makes every answer differ from the last, in every version: the time and a generated id. */
function stamp(): object {
  return { timestamp: new Date().toISOString(), requestId: randomUUID() };
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
