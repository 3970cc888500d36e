// A mirrored write in a real Envoy (build/shadowdiff-bodies.wasm with request_bodies) whose shadow
// answers differently: the collector keeps the example with the request body the shadow was sent,
// its credentials redacted, and /api/mismatches/{id} serves it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MismatchListItem, MismatchView } from "../../host/mismatches/mismatch-view.js";
import { sendJson } from "../../support/http-service.js";
import { eventually } from "../../support/eventually.js";
import { bodiesFilterWasmPath } from "../../support/paths.js";
import { getJson } from "../../support/test-collector.js";
import { send } from "./support/client.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { startStack, type Stack } from "./support/stack.js";

const SECRET = "S3CRET-FROM-THE-CLIENT";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    wasmPath: bodiesFilterWasmPath(),
    plugin: { request_bodies: { methods: ["POST"], max_bytes: 4096 }, request_headers: ["content-type"] },
    // v2 refuses the order v1 takes.
    shadow: (request, response) => sendJson(response, 409, { method: request.method, error: "out of stock" }),
  });
});
afterAll(async () => stack?.stop());
printEnvoyLogOnFailure(() => stack);

describe("a mirrored write's example", () => {
  it("carries the request body the shadow got, redacted, at /api/mismatches/{id}", async () => {
    const seen = stack.shadow.received.length;
    const body = Buffer.from(JSON.stringify({ item: "book", qty: 2, password: SECRET, card: { token: SECRET } }));
    const answer = await send(stack.port, "/orders", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(answer.status).toBe(200);
    await eventually(async () => expect(stack.shadow.received.length - seen).toBe(1));
    expect(stack.shadow.received[seen]!.body.equals(body)).toBe(true);

    let post: MismatchListItem | undefined;
    await eventually(async () => {
      const list = (await getJson<{ mismatches: MismatchListItem[] }>(`${stack.collectorUrl}/api/mismatches?limit=100`)).body.mismatches;
      post = list.find((item) => item.method === "POST" && item.path === "/orders");
      expect(post).toBeDefined();
    });
    const served = await fetch(`${stack.collectorUrl}/api/mismatches/${post!.id}`);
    const text = await served.text();
    expect(text).not.toContain(SECRET);
    const view = JSON.parse(text) as MismatchView;
    expect(view.requestHeaders).toEqual([{ name: "content-type", value: "application/json" }]);
    expect(view.requestBody).toMatchObject({ bodyEncoding: "utf8", bodySize: body.length, truncated: false, bodyRedacted: true });
    expect(JSON.parse(view.requestBody!.body)).toEqual({ item: "book", qty: 2, password: "[redacted]", card: { token: "[redacted]" } });
    expect(view.comparison.status).toEqual({ primary: 200, shadow: 409 });
  });
});
