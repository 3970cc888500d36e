// The filter's first promise in a real Envoy: GETs are mirrored, paired and compared while the
// client gets exactly the primary's answer; other methods pass untouched; the tag marks shadow
// traffic and never reaches the primary from outside; a slower shadow costs the client nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send, sendMany } from "./support/client.js";
import { eventually } from "../../support/eventually.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { sampleSum } from "../../support/prometheus-text.js";
import { faultyShadow, SHADOW_SLOW_MS } from "./support/services.js";
import { startStack, statsDelta, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ shadow: faultyShadow });
});
afterAll(async () => stack?.stop());
printEnvoyLogOnFailure(() => stack);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe("shadowdiff in Envoy", () => {
  it("mirrors a GET, pairs and compares it, and gives the client the primary's bytes", async () => {
    const before = await stack.settledStats();
    const metricsBefore = await stack.collectorMetrics();
    const shadowSeen = stack.shadow.received.length;

    const viaEnvoy = await send(stack.port, "/items/1");
    const direct = await send(stack.primary.port, "/items/1");

    expect(viaEnvoy.status).toBe(200);
    expect(viaEnvoy.body.equals(direct.body)).toBe(true);
    expect(viaEnvoy.headers["content-type"]).toBe(direct.headers["content-type"]);
    expect(viaEnvoy.headers["content-length"]).toBe(direct.headers["content-length"]);

    await eventually(async () => {
      const delta = statsDelta(before, await stack.filterStats());
      expect(delta).toMatchObject({ requests_mirrored: 1, shadow_ok: 1, pairs_sent: 1 });
      expect(delta.reports_sent).toBeGreaterThanOrEqual(1);
      expect(delta.reports_failed).toBe(0);
    });
    expect(stack.shadow.received.slice(shadowSeen).map((request) => request.url)).toEqual(["/items/1"]);

    await eventually(async () => {
      const metrics = await stack.collectorMetrics();
      const matched = (text: string): number => sampleSum(text, "shadow_comparison_total", { match: "true" });
      expect(matched(metrics) - matched(metricsBefore)).toBe(1);
      expect(sampleSum(metrics, "shadowdiff_pairs_received_total") - sampleSum(metricsBefore, "shadowdiff_pairs_received_total")).toBe(1);
    });
  });

  it("passes a POST through unmirrored with its body intact", async () => {
    const before = await stack.settledStats();
    const shadowSeen = stack.shadow.received.length;
    const primarySeen = stack.primary.received.length;
    const body = Buffer.from(Array.from({ length: 200_000 }, (_, index) => (index * 31) % 256));

    const response = await send(stack.port, "/orders", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body,
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toMatchObject({ method: "POST", received_bytes: body.length });
    const atPrimary = stack.primary.received.slice(primarySeen);
    expect(atPrimary).toHaveLength(1);
    expect(atPrimary[0]!.body.equals(body)).toBe(true);

    // The filter decides once, on the request's headers: this counter moving is that decision.
    const delta = await eventually(async () => {
      const decided = statsDelta(before, await stack.filterStats());
      expect(decided.requests_method_skipped).toBe(1);
      return decided;
    });
    expect(delta).toMatchObject({ requests_mirrored: 0, pairs_sent: 0 });
    // A GET sent after it and seen through to the collector: had the POST gone anywhere, it would have got there first.
    await send(stack.port, "/orders/after-the-post");
    await eventually(async () => expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 1, pairs_sent: 1 }));
    expect(stack.shadow.received.slice(shadowSeen).map((request) => request.url)).toEqual(["/orders/after-the-post"]);
  });

  it("tags the shadow's copy, and strips a client's tag before the primary sees it", async () => {
    const before = await stack.settledStats();
    const shadowSeen = stack.shadow.received.length;
    const primarySeen = stack.primary.received.length;

    const tagged = await send(stack.port, "/items/tagged-by-client", { headers: { "x-shadow-request": "true" } });
    const plain = await send(stack.port, "/items/plain");
    expect([tagged.status, plain.status]).toEqual([200, 200]);

    const atPrimary = stack.primary.received.slice(primarySeen);
    expect(atPrimary.map((request) => request.url)).toEqual(["/items/tagged-by-client", "/items/plain"]);
    for (const request of stack.primary.received) expect(request.headers["x-shadow-request"]).toBeUndefined();

    await eventually(async () => expect(stack.shadow.received.length).toBe(shadowSeen + 1));
    const atShadow = stack.shadow.received[shadowSeen]!;
    expect(atShadow.url).toBe("/items/plain");
    expect(atShadow.headers["x-shadow-request"]).toBe("true");
    // The client-tagged request is treated as shadow traffic already: never mirrored again.
    expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_tagged: 1, requests_mirrored: 1 });
  });

  it("pairs a shadow 300 ms slower than the primary, and the client does not wait for it", async () => {
    const before = await stack.settledStats();
    const metricsBefore = await stack.collectorMetrics();
    const baseline = await sendMany(stack.port, 10, (index) => `/items/fast-${index}`, 1);
    const slow = await sendMany(stack.port, 10, (index) => `/slow/${index}`, 1);

    expect(slow.every((response) => response.status === 200)).toBe(true);
    // Had the filter waited for the shadow, all ten would take 300 ms or more; a busy machine may slow one or two.
    expect(slow.filter((response) => response.elapsedMs >= SHADOW_SLOW_MS).length).toBeLessThanOrEqual(2);
    expect(median(slow.map((response) => response.elapsedMs))).toBeLessThan(median(baseline.map((response) => response.elapsedMs)) + 50);

    await eventually(async () => {
      expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 20, shadow_ok: 20, pairs_sent: 20 });
      const metrics = await stack.collectorMetrics();
      const count = (text: string): number => sampleSum(text, "shadow_latency_seconds_count");
      const sum = (text: string): number => sampleSum(text, "shadow_latency_seconds_sum");
      const matched = (text: string): number => sampleSum(text, "shadow_comparison_total", { match: "true" });
      expect(count(metrics) - count(metricsBefore)).toBe(20);
      expect(sum(metrics) - sum(metricsBefore)).toBeGreaterThanOrEqual((10 * SHADOW_SLOW_MS) / 1000);
      expect(matched(metrics) - matched(metricsBefore)).toBe(20);
    }, { timeoutMs: 15_000 });
  });

  it("names its counters shadowdiff_* at /stats/prometheus, with the values /stats shows", async () => {
    const stats = await stack.filterStats();
    const exposition = await stack.envoy.admin.prometheus();
    for (const name of ["requests_mirrored", "shadow_ok", "pairs_sent", "reports_sent", "requests_method_skipped"] as const) {
      expect(exposition).toMatch(new RegExp(`^# TYPE shadowdiff_${name} counter$`, "m"));
      expect(sampleSum(exposition, `shadowdiff_${name}`)).toBe(stats[name]);
    }
    expect(exposition).toMatch(/^# TYPE shadowdiff_in_flight gauge$/m);
    expect(exposition).not.toMatch(/envoy_(wasmcustom_)?shadowdiff_requests_mirrored/);
    expect(stats.requests_mirrored).toBeGreaterThan(0);
  });
});
