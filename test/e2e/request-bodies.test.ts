// Request bodies in a real Envoy, with build/shadowdiff-bodies.wasm and request_bodies: a POST, PUT
// or PATCH reaches the shadow with the body the client sent, byte for byte, framed by a
// content-length that matches it and tagged; a body past the cap or cut off by the client is not
// mirrored and is counted; the client and the primary see exactly what they would without the
// filter.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { bodiesFilterWasmPath } from "../../support/paths.js";
import { send } from "./support/client.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { startStack, statsDelta, type Stack } from "./support/stack.js";

const MAX_BYTES = 4096;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    wasmPath: bodiesFilterWasmPath(),
    plugin: { request_bodies: { methods: ["POST", "PUT", "PATCH"], max_bytes: MAX_BYTES } },
  });
});
afterAll(async () => stack?.stop());
printEnvoyLogOnFailure(() => stack);

/** A counter of the module that receives bodies (not among the default module's stats). */
async function bodyCounter(name: string): Promise<number> {
  const stats = await stack.envoy.admin.stats(`^wasmcustom\\.shadowdiff\\.${name}$`);
  return stats.get(`wasmcustom.shadowdiff.${name}`) ?? 0;
}

function bytes(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, index) => (index * 31 + seed) % 256));
}

/** What the shadow received after `seen` requests, once the filter has accounted for them. */
async function mirroredSince(seen: number, count: number) {
  await eventually(async () => expect(stack.shadow.received.length - seen).toBe(count));
  return stack.shadow.received.slice(seen);
}

describe("request bodies through Envoy", () => {
  it.each(["POST", "PUT", "PATCH"])("%s reaches the shadow with the client's exact body, its content-length and the tag", async (method) => {
    const before = await stack.settledStats();
    const seen = stack.shadow.received.length;
    const primarySeen = stack.primary.received.length;
    const body = bytes(3000, method.length);

    const viaEnvoy = await send(stack.port, "/orders/7", { method, body, headers: { "content-type": "application/octet-stream" } });
    const direct = await send(stack.primary.port, "/orders/7", { method, body, headers: { "content-type": "application/octet-stream" } });

    expect(viaEnvoy.status).toBe(direct.status);
    expect(viaEnvoy.body.equals(direct.body)).toBe(true);
    const [copy] = await mirroredSince(seen, 1);
    expect(copy!.method).toBe(method);
    expect(copy!.body.equals(body)).toBe(true);
    expect(copy!.headers["content-length"]).toBe(String(body.length));
    expect(copy!.headers["transfer-encoding"]).toBeUndefined();
    expect(copy!.headers["x-shadow-request"]).toBe("true");
    const [primaryGot] = stack.primary.received.slice(primarySeen, primarySeen + 1);
    expect(primaryGot!.body.equals(body)).toBe(true);
    expect(primaryGot!.headers["x-shadow-request"]).toBeUndefined();
    await eventually(async () => {
      expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 1, shadow_ok: 1, pairs_sent: 1 });
    });
  });

  it("a chunked body goes whole, framed by content-length instead", async () => {
    const seen = stack.shadow.received.length;
    const chunks = [bytes(700, 1), bytes(1, 2), bytes(1500, 3)];
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request({ host: "127.0.0.1", port: stack.port, path: "/orders", method: "POST" }, (incoming) => {
        incoming.resume();
        incoming.on("end", () => resolve(incoming.statusCode ?? 0));
      });
      outgoing.on("error", reject);
      for (const chunk of chunks) outgoing.write(chunk);
      outgoing.end();
    });
    expect(status).toBe(200);
    const [copy] = await mirroredSince(seen, 1);
    expect(copy!.body.equals(Buffer.concat(chunks))).toBe(true);
    expect(copy!.headers["content-length"]).toBe("2201");
    expect(copy!.headers["transfer-encoding"]).toBeUndefined();
  });

  it("goes at the cap; one byte over it is not mirrored, counted, and the primary still gets it all", async () => {
    const before = await stack.settledStats();
    const tooLargeBefore = await bodyCounter("requests_body_too_large");
    const seen = stack.shadow.received.length;
    const primarySeen = stack.primary.received.length;
    await send(stack.port, "/at-cap", { method: "POST", body: bytes(MAX_BYTES, 5) });
    const over = bytes(MAX_BYTES + 1, 6);
    const response = await send(stack.port, "/over-cap", { method: "POST", body: over });
    expect(response.status).toBe(200);
    await eventually(async () => expect(await bodyCounter("requests_body_too_large")).toBe(tooLargeBefore + 1));
    await eventually(async () => expect(statsDelta(before, await stack.settledStats()).requests_mirrored).toBe(1));
    expect(stack.shadow.received.slice(seen).map((r) => [r.url, r.body.length])).toEqual([["/at-cap", MAX_BYTES]]);
    expect(stack.primary.received.slice(primarySeen).find((r) => r.url === "/over-cap")!.body.equals(over)).toBe(true);
  });

  it("an empty POST goes with content-length 0", async () => {
    const seen = stack.shadow.received.length;
    await send(stack.port, "/empty", { method: "POST", headers: { "content-length": "0" } });
    const [copy] = await mirroredSince(seen, 1);
    expect(copy!.body.length).toBe(0);
    expect(copy!.headers["content-length"]).toBe("0");
  });

  it("a body the client cuts off is not mirrored, and is counted", async () => {
    const resetBefore = await bodyCounter("requests_body_reset");
    const before = await stack.settledStats();
    const active = async (): Promise<number> => (await stack.envoy.admin.stats("^http\\.ingress\\.downstream_rq_active$")).get("http.ingress.downstream_rq_active") ?? 0;
    const outgoing = request({ host: "127.0.0.1", port: stack.port, path: "/cut", method: "PUT", headers: { "content-length": "1000" } });
    outgoing.on("error", () => undefined);
    outgoing.write(bytes(400, 7));
    // Envoy has the request (its headers went through the filter) before the client goes away.
    await eventually(async () => expect(await active()).toBeGreaterThanOrEqual(1));
    outgoing.destroy();
    await eventually(async () => expect(await bodyCounter("requests_body_reset")).toBe(resetBefore + 1));
    const delta = statsDelta(before, await stack.settledStats());
    expect(delta.requests_mirrored).toBe(0);
    expect(stack.shadow.received.some((r) => r.url === "/cut")).toBe(false);
  });

  it("a method not listed, and a GET with a body, pass unmirrored", async () => {
    const before = await stack.settledStats();
    // Node frames neither a GET's nor a DELETE's body by itself.
    await send(stack.port, "/items/1", { method: "DELETE", body: "x", headers: { "content-length": "1" } });
    await send(stack.port, "/items/1", { method: "GET", body: "x", headers: { "content-length": "1" } });
    await eventually(async () => {
      expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_method_skipped: 1, requests_with_body: 1, requests_mirrored: 0 });
    });
  });
});
