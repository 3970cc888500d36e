// Three targets and a secondary in a real Envoy with the compiled filter: every mirrored request
// reaches each target and the secondary, tagged; each pair carries every side by name, whatever
// order they finish in (the test chooses the order by holding answers back, not by timing); a
// target refusing connections or hanging fails alone; max_in_flight counts calls; the counters
// count calls. Each wait is on a signal: a counter, a request seen, a pair reported.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import type { RequestHandler } from "../../support/http-service.js";
import type { DecodedPair } from "../filter/capture.js";
import { send } from "./support/client.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { HeldAnswers, servedBy } from "./support/services.js";
import { startStack, statsDelta, type Stack } from "./support/stack.js";

const V3_TIMEOUT_MS = 1000;

/** v3 never answers /hang/ (its calls time out), and answers the rest like the others. */
function v3Answers(): RequestHandler {
  const served = servedBy("v3");
  return async (request, response) => {
    if (request.url.startsWith("/hang/")) return;
    return served(request, response);
  };
}

function servedByOf(body: Uint8Array): string {
  return (JSON.parse(new TextDecoder().decode(body)) as { served_by: string }).served_by;
}

/** Who answered each side of a pair, or how the side failed. */
function sides(pair: DecodedPair): Record<string, string> {
  const of = (side: DecodedPair["targets"][number]) => (side.failure === "SHADOW_FAILURE_NONE" ? servedByOf(side.body) : side.failure);
  return Object.fromEntries([
    ["primary", of(pair.primary!)],
    ...pair.targets.map((target) => [target.name, of(target)]),
    ["secondary", pair.secondary ? of(pair.secondary) : "(none)"],
  ]);
}

const ALL_ANSWERED = { primary: "primary", v2: "v2", v3: "v3", v4: "v4", secondary: "secondary" };

async function pairsOf(stack: Stack, ids: string[]): Promise<DecodedPair[]> {
  return eventually(() => {
    const pairs = ids.map((id) => stack.recorded!.pairs().find((pair) => pair.id === id));
    const missing = ids.filter((_, i) => pairs[i] === undefined);
    if (missing.length > 0) throw new Error(`no pair yet for ${missing.join(", ")}`);
    return pairs as DecodedPair[];
  }, { timeoutMs: 15_000 });
}

describe("three targets and a secondary", () => {
  let stack: Stack;
  const primaryHeld = new HeldAnswers("/held-primary/", servedBy("primary"));
  const v3Held = new HeldAnswers("/held-v3/", v3Answers());
  const secondaryHeld = new HeldAnswers("/held-secondary/", servedBy("secondary"));
  beforeAll(async () => {
    stack = await startStack({
      primary: primaryHeld.handler,
      targets: [
        { name: "v2", handler: servedBy("v2") },
        { name: "v3", handler: v3Held.handler, timeoutMs: V3_TIMEOUT_MS },
        { name: "v4", handler: servedBy("v4") },
      ],
      secondary: { handler: secondaryHeld.handler, samplePercent: 100 },
      recordPairs: true,
    });
  });
  afterAll(async () => {
    for (const held of [primaryHeld, v3Held, secondaryHeld]) held.releaseAll();
    await stack?.stop();
  });
  printEnvoyLogOnFailure(() => stack);

  it("mirrors each GET to every target and the secondary, tagged, and pairs every answer by name", async () => {
    const before = await stack.settledStats();
    const ids = ["all-1", "all-2", "all-3"];
    for (const id of ids) {
      const response = await send(stack.port, `/items/${id}`, { headers: { "x-request-id": id } });
      expect(servedByOf(response.body)).toBe("primary");
    }
    const pairs = await pairsOf(stack, ids);
    for (const pair of pairs) {
      expect(pair.targets.map((target) => target.name)).toEqual(["v2", "v3", "v4"]);
      expect(sides(pair)).toEqual(ALL_ANSWERED);
    }
    for (const upstream of [...stack.targets.values(), stack.secondary!]) {
      const copies = upstream.service.received.filter((request) => ids.some((id) => request.url === `/items/${id}`));
      expect(copies.map((request) => request.headers["x-shadow-request"])).toEqual(["true", "true", "true"]);
    }
    const delta = statsDelta(before, await stack.settledStats());
    expect(delta).toMatchObject({ requests_mirrored: 3, shadow_ok: 9, secondary_ok: 3, pairs_sent: 3, in_flight: 0 });
  });

  it("pairs a target that finishes last, after the client has its answer", async () => {
    const before = await stack.settledStats();
    const id = "target-last";
    const path = `/held-v3/${id}`;
    const response = await send(stack.port, path, { headers: { "x-request-id": id } });
    expect(servedByOf(response.body)).toBe("primary");
    // Every side but v3 has finished, in the filter's own count; v3 holds its answer.
    await eventually(async () => expect(statsDelta(before, await stack.filterStats())).toMatchObject({ shadow_ok: 2, secondary_ok: 1, in_flight: 1 }));
    expect(stack.recorded!.pairs().some((pair) => pair.id === id)).toBe(false);
    v3Held.release(path);
    const [pair] = await pairsOf(stack, [id]);
    expect(sides(pair!)).toEqual(ALL_ANSWERED);
    expect(pair!.targets[1]!.latencyNanos).toBeGreaterThan(pair!.targets[0]!.latencyNanos);
  });

  it("pairs a primary that finishes last, after every target and the secondary", async () => {
    const before = await stack.settledStats();
    const id = "primary-last";
    const path = `/held-primary/${id}`;
    const answered = send(stack.port, path, { headers: { "x-request-id": id } });
    await eventually(async () => expect(statsDelta(before, await stack.filterStats())).toMatchObject({ shadow_ok: 3, secondary_ok: 1, in_flight: 0 }));
    expect(stack.recorded!.pairs().some((pair) => pair.id === id)).toBe(false);
    primaryHeld.release(path);
    expect(servedByOf((await answered).body)).toBe("primary");
    const [pair] = await pairsOf(stack, [id]);
    expect(sides(pair!)).toEqual(ALL_ANSWERED);
    expect(pair!.primary!.latencyNanos).toBeGreaterThan(Math.max(...pair!.targets.map((target) => target.latencyNanos), pair!.secondary!.latencyNanos));
  });

  it("pairs a secondary that finishes last, after the primary and every target", async () => {
    const before = await stack.settledStats();
    const id = "secondary-last";
    const path = `/held-secondary/${id}`;
    expect(servedByOf((await send(stack.port, path, { headers: { "x-request-id": id } })).body)).toBe("primary");
    await eventually(async () => expect(statsDelta(before, await stack.filterStats())).toMatchObject({ shadow_ok: 3, secondary_ok: 0, in_flight: 1 }));
    expect(stack.recorded!.pairs().some((pair) => pair.id === id)).toBe(false);
    secondaryHeld.release(path);
    const [pair] = await pairsOf(stack, [id]);
    expect(sides(pair!)).toEqual(ALL_ANSWERED);
    expect(statsDelta(before, await stack.settledStats())).toMatchObject({ requests_mirrored: 1, shadow_ok: 3, secondary_ok: 1, pairs_sent: 1 });
  });

  it("a target refusing connections fails alone, as a reset", async () => {
    const before = await stack.settledStats();
    const v4 = stack.targets.get("v4")!;
    await v4.gate.down();
    try {
      const ids = ["refused-1", "refused-2"];
      for (const id of ids) expect((await send(stack.port, `/items/${id}`, { headers: { "x-request-id": id } })).status).toBe(200);
      for (const pair of await pairsOf(stack, ids)) {
        expect(sides(pair)).toEqual({ ...ALL_ANSWERED, v4: "SHADOW_FAILURE_RESET" });
      }
      expect(statsDelta(before, await stack.settledStats())).toMatchObject({ requests_mirrored: 2, shadow_ok: 4, shadow_reset: 2, secondary_ok: 2, pairs_sent: 2 });
    } finally {
      await v4.gate.up();
    }
  });

  it("a target hanging past its timeout fails alone, as a timeout", async () => {
    const before = await stack.settledStats();
    const ids = ["hang-1", "hang-2"];
    for (const id of ids) {
      const response = await send(stack.port, `/hang/${id}`, { headers: { "x-request-id": id } });
      expect(servedByOf(response.body)).toBe("primary");
    }
    for (const pair of await pairsOf(stack, ids)) {
      expect(sides(pair)).toEqual({ ...ALL_ANSWERED, v3: "SHADOW_FAILURE_TIMEOUT" });
    }
    expect(statsDelta(before, await stack.settledStats())).toMatchObject({ requests_mirrored: 2, shadow_ok: 4, shadow_timeout: 2, secondary_ok: 2, pairs_sent: 2 });
  });
});

describe("max_in_flight in Envoy, counting calls", () => {
  let stack: Stack;
  const v3Held = new HeldAnswers("/held-v3/", servedBy("v3"));
  beforeAll(async () => {
    stack = await startStack({
      targets: [{ name: "v2" }, { name: "v3", handler: v3Held.handler }, { name: "v4" }],
      secondary: { samplePercent: 100 },
      // Four calls a request: a second request fits beside one call left in flight, a third does not.
      plugin: { max_in_flight: 5 },
      recordPairs: true,
    });
  });
  afterAll(async () => {
    v3Held.releaseAll();
    await stack?.stop();
  });
  printEnvoyLogOnFailure(() => stack);

  it("mirrors a request only when all its calls fit, and counts the one that does not", async () => {
    const before = await stack.settledStats();
    await send(stack.port, "/held-v3/a", { headers: { "x-request-id": "cap-a" } });
    await eventually(async () => expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 1, in_flight: 1 }));
    await send(stack.port, "/held-v3/b", { headers: { "x-request-id": "cap-b" } });
    await eventually(async () => expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 2, in_flight: 2 }));
    // Two calls in flight and four more would be six.
    await send(stack.port, "/items/c", { headers: { "x-request-id": "cap-c" } });
    await eventually(async () => expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_over_capacity: 1 }));
    expect(stack.targets.get("v2")!.service.received.map((request) => request.url)).not.toContain("/items/c");
    v3Held.releaseAll();
    const pairs = await pairsOf(stack, ["cap-a", "cap-b"]);
    expect(pairs.map((pair) => pair.targets.map((target) => target.failure))).toEqual([
      ["SHADOW_FAILURE_NONE", "SHADOW_FAILURE_NONE", "SHADOW_FAILURE_NONE"],
      ["SHADOW_FAILURE_NONE", "SHADOW_FAILURE_NONE", "SHADOW_FAILURE_NONE"],
    ]);
    expect(statsDelta(before, await stack.settledStats())).toMatchObject({ requests_mirrored: 2, requests_over_capacity: 1, shadow_ok: 6, secondary_ok: 2, pairs_sent: 2 });
  });
});
