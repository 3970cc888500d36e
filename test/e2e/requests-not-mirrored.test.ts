// Requests the filter must not mirror, in a real Envoy: a GET with a body (content-length or
// chunked) would reach the shadow without it, so it is counted instead; a client's tag header
// written with underscores (x_shadow_request, which CGI-style servers read as x-shadow-request)
// never reaches the primary. The primary gets each request as it came, the client the primary's
// answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { send } from "./support/client.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { startStack, statsDelta, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.stop());
printEnvoyLogOnFailure(() => stack);

/** Sends a plain GET after the request under test and waits until it is paired: anything the
 * earlier request set off would have reached the shadow first. */
async function pairedAfter(before: Awaited<ReturnType<Stack["settledStats"]>>, mirroredSoFar: number): Promise<void> {
  await send(stack.port, "/items/marker");
  await eventually(async () => {
    const delta = statsDelta(before, await stack.filterStats());
    expect(delta.requests_mirrored).toBe(mirroredSoFar + 1);
    expect(delta.pairs_sent).toBe(mirroredSoFar + 1);
  });
}

describe("requests with a body", () => {
  it.each([
    ["content-length: 5", { "content-length": "5" }],
    ["transfer-encoding: chunked", { "transfer-encoding": "chunked" }],
  ])("are not mirrored, but counted: a GET with %s; the primary gets the body", async (_name, framing) => {
    const before = await stack.settledStats();
    const shadowSeen = stack.shadow.received.length;
    const primarySeen = stack.primary.received.length;
    const response = await send(stack.port, "/items/with-body", { headers: framing, body: "hello" });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toMatchObject({ method: "GET", received_bytes: 5 });
    const atPrimary = stack.primary.received.slice(primarySeen);
    expect(atPrimary.map((request) => request.body.toString())).toEqual(["hello"]);

    await eventually(async () => expect(statsDelta(before, await stack.filterStats()).requests_with_body).toBe(1));
    await pairedAfter(before, 0);
    expect(stack.shadow.received.slice(shadowSeen).map((request) => request.url)).toEqual(["/items/marker"]);
  });

  it("a GET without one is mirrored, and the shadow's copy carries no framing header", async () => {
    const before = await stack.settledStats();
    const shadowSeen = stack.shadow.received.length;
    await send(stack.port, "/items/no-body", { headers: { "content-length": "0" } });
    await eventually(async () => expect(statsDelta(before, await stack.filterStats()).pairs_sent).toBe(1));
    const atShadow = stack.shadow.received.slice(shadowSeen);
    expect(atShadow.map((request) => request.url)).toEqual(["/items/no-body"]);
    expect(atShadow[0]!.headers["content-length"]).toBeUndefined();
    expect(atShadow[0]!.headers["transfer-encoding"]).toBeUndefined();
  });
});

describe("the tag header written with underscores", () => {
  it.each(["x_shadow_request", "x-shadow_request"])("%s never reaches the primary, and the request is not mirrored", async (spelling) => {
    const before = await stack.settledStats();
    const shadowSeen = stack.shadow.received.length;
    const primarySeen = stack.primary.received.length;
    const response = await send(stack.port, "/items/underscored", { headers: { [spelling]: "true", "x-other_header": "kept" } });
    expect(response.status).toBe(200);
    const atPrimary = stack.primary.received.slice(primarySeen);
    expect(atPrimary).toHaveLength(1);
    expect(Object.keys(atPrimary[0]!.headers).filter((name) => name.replaceAll("_", "-") === "x-shadow-request")).toEqual([]);
    expect(atPrimary[0]!.headers["x-other_header"]).toBe("kept");
    await eventually(async () => expect(statsDelta(before, await stack.filterStats()).requests_tagged).toBe(1));
    await pairedAfter(before, 0);
    expect(stack.shadow.received.slice(shadowSeen).map((request) => request.url)).toEqual(["/items/marker"]);
  });
});
