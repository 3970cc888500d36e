// The demo's sample service, a small product catalog, in two versions. v2 differs from v1 on
// purpose in two ways the collector must notice: on /products/{id} its `price` field changed
// (a new rounding rule), and on /users/{id} it answers about 25 ms slower.
import { setTimeout as sleep } from "node:timers/promises";
import { sendJson, type RequestHandler } from "../support/http-service.js";

export type CatalogVersion = "v1" | "v2";

/** The extra time v2 takes on /users/{id}. */
export const V2_USERS_DELAY_MS = 25;

export function catalogHandler(version: CatalogVersion): RequestHandler {
  return async (request, response) => {
    const path = new URL(request.url, "http://catalog").pathname;
    const product = /^\/products\/(\d+)$/.exec(path);
    if (product !== null) return sendJson(response, 200, productBody(Number(product[1]), version));
    const user = /^\/users\/(\d+)$/.exec(path);
    if (user !== null) {
      if (version === "v2") await sleep(V2_USERS_DELAY_MS);
      return sendJson(response, 200, userBody(Number(user[1])));
    }
    if (path === "/categories") {
      return sendJson(response, 200, { items: ["books", "games", "music"].map((name) => ({ name })), timestamp: now() });
    }
    sendJson(response, 404, { error: "not found", path });
  };
}

function productBody(id: number, version: CatalogVersion): object {
  const cents = 999 + ((id * 37) % 5000);
  // v1 rounds to whole cents; v2 (the deliberate regression) truncates to ten cents.
  const price = version === "v1" ? cents / 100 : Math.floor(cents / 10) / 10;
  return { id, name: `product ${id}`, price, currency: "EUR", tags: ["demo"], timestamp: now() };
}

function userBody(id: number): object {
  return { id, name: `user ${id}`, email: `user${id}@example.com`, timestamp: now() };
}

function now(): string {
  return new Date().toISOString();
}
