// Several targets and a secondary: a mirrored request goes to every target, in configuration
// order, and to the secondary when its share says so, each copy tagged; the pair completes when
// every side has answered or failed, whatever the finishing order; a side that fails, fails alone;
// max_in_flight counts calls, not requests; the counters count calls.
import { describe, expect, it } from "vitest";
import type { HttpStream } from "../wasmhost/stream.js";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { text, type DecodedPair } from "./capture.js";
import { SECONDARY_CLUSTER, TARGETS_CONFIG, TARGET_CLUSTERS, header, metric, reportedPairs, requestHeaders, startFilter } from "./fixture.js";

const startTargets = (overrides: Record<string, unknown> = {}) => startFilter(overrides, TARGETS_CONFIG);

type Side = "primary" | "v2" | "v3" | "v4" | "secondary";
const MIRRORED: Side[] = ["v2", "v3", "v4", "secondary"];
const CLUSTER_OF: Record<Side, string> = { primary: "", ...TARGET_CLUSTERS, secondary: SECONDARY_CLUSTER };
/** Each side answers its own status, so a pair shows which answer went where. */
const STATUS_OF: Record<Side, number> = { primary: 200, v2: 201, v3: 202, v4: 203, secondary: 204 };

/** Every ordering of `items`. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** One mirrored request, and a way to finish each of its sides. */
function mirrored(host: ProxyWasmHost, id: string): { stream: HttpStream; finish: (side: Side) => void } {
  const callsBefore = host.httpCalls.length;
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", `/items/${id}`, [["x-request-id", id]]), true);
  const calls = host.httpCalls.slice(callsBefore);
  expect(calls.map((call) => call.cluster)).toEqual(MIRRORED.map((side) => CLUSTER_OF[side]));
  return {
    stream,
    finish(side) {
      if (side === "primary") {
        stream.responseHeaders([[":status", String(STATUS_OF.primary)]], false);
        stream.responseBody(`primary:${id}`, true);
        stream.complete();
        return;
      }
      const call = calls[MIRRORED.indexOf(side)]!;
      host.respondHttpCall(call.token, { status: STATUS_OF[side], body: `${side}:${id}` });
    },
  };
}

function bodies(pair: DecodedPair): Record<string, string> {
  return Object.fromEntries([
    ["primary", text(pair.primary!.body)],
    ...pair.targets.map((target) => [target.name, text(target.body)]),
    ["secondary", pair.secondary ? text(pair.secondary.body) : "(none)"],
  ]);
}

describe("several targets and a secondary", () => {
  it("sends every target and the secondary a tagged copy, each with its own authority and timeout", async () => {
    const host = await startTargets({
      targets: [
        { name: "v2", cluster: TARGET_CLUSTERS.v2, authority: "api-v2.demo", timeout_ms: 700 },
        { name: "v3", cluster: TARGET_CLUSTERS.v3, timeout_ms: 900 },
        { name: "v4", cluster: TARGET_CLUSTERS.v4 },
      ],
      secondary: { cluster: SECONDARY_CLUSTER, authority: "api-primary.demo:8080", timeout_ms: 300, sample_percent: 100 },
    });
    host.newStream().requestHeaders(requestHeaders("GET", "/items/1?x=1", [["x-request-id", "abc"], ["accept", "application/json"]]), true);
    const calls = host.httpCalls;
    expect(calls.map((call) => call.cluster)).toEqual([TARGET_CLUSTERS.v2, TARGET_CLUSTERS.v3, TARGET_CLUSTERS.v4, SECONDARY_CLUSTER]);
    expect(calls.map((call) => header(call.headers, ":authority"))).toEqual(["api-v2.demo", "api.demo.example", "api.demo.example", "api-primary.demo:8080"]);
    expect(calls.map((call) => call.timeoutMs)).toEqual([700, 900, 5000, 300]);
    for (const call of calls) {
      expect(header(call.headers, "x-shadow-request")).toBe("true");
      expect(header(call.headers, ":path")).toBe("/items/1?x=1");
      expect(header(call.headers, "accept")).toBe("application/json");
    }
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
    expect(metric(host, "shadowdiff.in_flight")).toBe(4);
  });

  it("pairs the five sides whatever order they finish in (all 120 orders)", async () => {
    const host = await startTargets({ max_pending_pairs: 1000 });
    const orders = permutations<Side>(["primary", "v2", "v3", "v4", "secondary"]);
    expect(orders).toHaveLength(120);
    orders.forEach((order, k) => {
      const id = `order-${k}`;
      const request = mirrored(host, id);
      const reported = reportedPairs(host).length;
      order.forEach((side, step) => {
        host.advanceClock(10);
        request.finish(side);
        // Complete when the last side finishes, never before.
        expect(reportedPairs(host).length, `${order.join(",")} after ${side}`).toBe(reported + (step === order.length - 1 ? 1 : 0));
      });
      const pair = reportedPairs(host).at(-1)!;
      expect(pair.id).toBe(id);
      // Targets in configuration order, whatever the order they answered in; the secondary apart.
      expect(pair.targets.map((target) => target.name)).toEqual(["v2", "v3", "v4"]);
      expect(pair.secondary!.name).toBe("");
      expect(bodies(pair)).toEqual({ primary: `primary:${id}`, v2: `v2:${id}`, v3: `v3:${id}`, v4: `v4:${id}`, secondary: `secondary:${id}` });
      const responses: Record<Side, DecodedPair["primary"]> = {
        primary: pair.primary, v2: pair.targets[0], v3: pair.targets[1], v4: pair.targets[2], secondary: pair.secondary,
      };
      for (const side of order) {
        expect(responses[side]!.status).toBe(STATUS_OF[side]);
        expect(responses[side]!.failure).toBe("SHADOW_FAILURE_NONE");
        // Each side's latency is when it finished: 10 ms per step.
        expect(responses[side]!.latencyNanos).toBe((order.indexOf(side) + 1) * 10_000_000);
      }
    });
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(120);
    expect(metric(host, "shadowdiff.shadow_ok")).toBe(360);
    expect(metric(host, "shadowdiff.secondary_ok")).toBe(120);
    expect(metric(host, "shadowdiff.in_flight")).toBe(0);
    expect(metric(host, "shadowdiff.pairs_dropped_pending")).toBe(0);
  });

  const FAILURES: Array<{ how: string; fail: (host: ProxyWasmHost, token: number) => void; failure: string; counter: string }> = [
    { how: "times out", fail: (host, token) => host.timeoutHttpCall(token), failure: "SHADOW_FAILURE_TIMEOUT", counter: "shadow_timeout" },
    { how: "is reset", fail: (host, token) => host.failHttpCall(token, "reset"), failure: "SHADOW_FAILURE_RESET", counter: "shadow_reset" },
    { how: "refuses the connection", fail: (host, token) => host.refuseHttpCall(token), failure: "SHADOW_FAILURE_RESET", counter: "shadow_reset" },
  ];

  it.each(FAILURES)("a target that $how fails alone; the others and the secondary are paired", async ({ fail, failure, counter }) => {
    const host = await startTargets();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/items/7", [["x-request-id", "one-fails"]]), true);
    const [v2, v3, v4, secondary] = host.httpCalls;
    fail(host, v3!.token);
    host.respondHttpCall(v2!.token, { status: 200, body: "v2" });
    stream.responseHeaders([[":status", "200"]], false);
    stream.responseBody("primary", true);
    stream.complete();
    host.respondHttpCall(secondary!.token, { status: 200, body: "secondary" });
    expect(reportedPairs(host)).toHaveLength(0);
    host.respondHttpCall(v4!.token, { status: 200, body: "v4" });
    const [pair] = reportedPairs(host);
    expect(pair!.targets.map((target) => [target.name, target.failure, text(target.body)])).toEqual([
      ["v2", "SHADOW_FAILURE_NONE", "v2"],
      ["v3", failure, ""],
      ["v4", "SHADOW_FAILURE_NONE", "v4"],
    ]);
    expect(text(pair!.secondary!.body)).toBe("secondary");
    expect(metric(host, `shadowdiff.${counter}`)).toBe(1);
    expect(metric(host, "shadowdiff.shadow_ok")).toBe(2);
    expect(metric(host, "shadowdiff.secondary_ok")).toBe(1);
  });

  it("a target Envoy refuses to call (no such cluster) fails alone, at once, and the others are sent", async () => {
    const nowhere = "outbound|80|v9|nowhere.demo.svc.cluster.local";
    const host = await startTargets({
      targets: [
        { name: "v2", cluster: TARGET_CLUSTERS.v2 },
        { name: "v9", cluster: nowhere },
        { name: "v4", cluster: TARGET_CLUSTERS.v4 },
      ],
    });
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/items/8"), true);
    expect(host.httpCalls.map((call) => call.cluster)).toEqual([TARGET_CLUSTERS.v2, TARGET_CLUSTERS.v4, SECONDARY_CLUSTER]);
    expect(metric(host, "shadowdiff.shadow_no_cluster")).toBe(1);
    expect(metric(host, "shadowdiff.in_flight")).toBe(3);
    for (const call of host.httpCalls) host.respondHttpCall(call.token, { status: 200, body: call.cluster });
    stream.responseHeaders([[":status", "200"]], true);
    stream.complete();
    const [pair] = reportedPairs(host);
    expect(pair!.targets.map((target) => [target.name, target.failure])).toEqual([
      ["v2", "SHADOW_FAILURE_NONE"], ["v9", "SHADOW_FAILURE_NO_CLUSTER"], ["v4", "SHADOW_FAILURE_NONE"],
    ]);
    expect(pair!.secondary!.failure).toBe("SHADOW_FAILURE_NONE");
  });

  it("a secondary that fails is counted apart from the targets", async () => {
    const host = await startTargets();
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/items/9"), true);
    const calls = host.httpCalls;
    for (const call of calls.slice(0, 3)) host.respondHttpCall(call.token, { status: 200 });
    host.timeoutHttpCall(calls[3]!.token);
    stream.responseHeaders([[":status", "200"]], true);
    stream.complete();
    expect(reportedPairs(host)[0]!.secondary!.failure).toBe("SHADOW_FAILURE_TIMEOUT");
    expect(metric(host, "shadowdiff.secondary_timeout")).toBe(1);
    expect(metric(host, "shadowdiff.shadow_timeout")).toBe(0);
    expect(metric(host, "shadowdiff.shadow_ok")).toBe(3);
  });

  it("max_in_flight counts calls: with 3 targets and a cap of 5, a second request does not fit", async () => {
    const host = await startTargets({ secondary: undefined, max_in_flight: 5 });
    const first = host.newStream();
    first.requestHeaders(requestHeaders("GET", "/items/1"), true);
    expect(metric(host, "shadowdiff.in_flight")).toBe(3);
    // 3 in flight and 3 more would be 6: not one of them is sent.
    host.newStream().requestHeaders(requestHeaders("GET", "/items/2"), true);
    expect(host.httpCalls).toHaveLength(3);
    expect(metric(host, "shadowdiff.requests_over_capacity")).toBe(1);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
    // One answer leaves room for 3: the next request fits, and fills the cap again.
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200 });
    host.newStream().requestHeaders(requestHeaders("GET", "/items/3"), true);
    expect(metric(host, "shadowdiff.in_flight")).toBe(5);
    host.newStream().requestHeaders(requestHeaders("GET", "/items/4"), true);
    expect(host.httpCalls.map((call) => header(call.headers, ":path"))).toEqual([
      "/items/1", "/items/1", "/items/1", "/items/3", "/items/3", "/items/3",
    ]);
    expect(metric(host, "shadowdiff.requests_over_capacity")).toBe(2);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(2);
  });

  it("max_in_flight counts the secondary's call too, when the request is in its share", async () => {
    const host = await startTargets({ max_in_flight: 7 });
    host.newStream().requestHeaders(requestHeaders("GET", "/items/1"), true);
    expect(metric(host, "shadowdiff.in_flight")).toBe(4);
    host.newStream().requestHeaders(requestHeaders("GET", "/items/2"), true);
    expect(metric(host, "shadowdiff.requests_over_capacity")).toBe(1);
    expect(host.httpCalls).toHaveLength(4);
  });

  it("a pair waiting on several sides counts once against max_pending_pairs", async () => {
    const host = await startTargets({ max_pending_pairs: 1 });
    const first = mirrored(host, "first");
    const second = mirrored(host, "second");
    first.finish("v2");
    first.finish("primary"); // the same pair again: still one waiting
    second.finish("v3"); // a second pair waiting: over the cap, dropped
    expect(metric(host, "shadowdiff.pairs_dropped_pending")).toBe(1);
    for (const side of ["v3", "v4", "secondary"] as const) first.finish(side);
    for (const side of ["primary", "v2", "v4", "secondary"] as const) second.finish(side);
    expect(reportedPairs(host).map((pair) => pair.id)).toEqual(["first"]);
    expect(metric(host, "shadowdiff.in_flight")).toBe(0);
  });

  it("drops the pair when the client resets, and still drains every call", async () => {
    const host = await startTargets();
    const request = mirrored(host, "reset");
    request.finish("v2");
    request.stream.reset();
    for (const side of ["v3", "v4", "secondary"] as const) request.finish(side);
    expect(metric(host, "shadowdiff.pairs_dropped_reset")).toBe(1);
    expect(metric(host, "shadowdiff.in_flight")).toBe(0);
    host.tick();
    expect(reportedPairs(host)).toHaveLength(0);
  });

  it("a pair of several sides at max_body_bytes goes alone when it would take the batch past batch_max_bytes", async () => {
    const host = await startTargets({ batch_max_pairs: 100, batch_max_bytes: 4096, max_body_bytes: 1000 });
    const big = "b".repeat(1000);
    const finishAll = (id: string, body: string) => {
      const stream = host.newStream();
      const before = host.httpCalls.length;
      stream.requestHeaders(requestHeaders("GET", `/items/${id}`, [["x-request-id", id]]), true);
      for (const call of host.httpCalls.slice(before)) host.respondHttpCall(call.token, { status: 200, body });
      stream.responseHeaders([[":status", "200"]], false);
      stream.responseBody(body, true);
      stream.complete();
    };
    finishAll("small", "s");
    expect(host.grpcCalls).toHaveLength(0);
    // Five bodies of 1000 bytes: more than the batch may hold, beside "small" or alone. "small"
    // leaves first, within the bound; then "big", alone.
    finishAll("big", big);
    expect(host.grpcCalls.map((call) => call.message.length > 4096)).toEqual([false, true]);
    expect(reportedPairs(host).map((pair) => pair.id)).toEqual(["small", "big"]);
    const bigPair = reportedPairs(host)[1]!;
    expect([bigPair.primary!, ...bigPair.targets, bigPair.secondary!].map((side) => side.body.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
  });
});
