// Whatever the shadow does (refuse, hang, fail, flood), the client gets the primary's answer
// unchanged, and the outcome is counted by kind in Envoy and in the collector.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "./support/client.js";
import { eventually } from "../../support/eventually.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { sampleSum } from "../../support/prometheus-text.js";
import { faultyShadow } from "./support/services.js";
import { startStack, statsDelta, TEST_PLUGIN_DEFAULTS, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ shadow: faultyShadow });
});
afterAll(async () => stack?.stop());
printEnvoyLogOnFailure(() => stack);

const SHADOW_TIMEOUT_MS = TEST_PLUGIN_DEFAULTS.shadow_timeout_ms as number;

/** Send GETs through Envoy and check each answer is byte for byte what the primary says directly. */
async function expectPrimaryAnswers(paths: string[]): Promise<number[]> {
  const elapsed: number[] = [];
  for (const path of paths) {
    const viaEnvoy = await send(stack.port, path);
    const direct = await send(stack.primary.port, path);
    expect(viaEnvoy.status).toBe(direct.status);
    expect(viaEnvoy.body.equals(direct.body)).toBe(true);
    expect(viaEnvoy.headers["content-type"]).toBe(direct.headers["content-type"]);
    elapsed.push(viaEnvoy.elapsedMs);
  }
  return elapsed;
}

async function failuresOfKind(kind: string): Promise<number> {
  return sampleSum(await stack.collectorMetrics(), "shadowdiff_shadow_failures_total", { kind });
}

describe("shadow faults", () => {
  it("a shadow refusing connections: primary's answer, counted as reset", async () => {
    const before = await stack.settledStats();
    const collectorBefore = await failuresOfKind("reset");
    const shadowSeen = stack.shadow.received.length;
    await stack.shadowGate.down();
    try {
      await expectPrimaryAnswers(["/items/r1", "/items/r2", "/items/r3"]);
      await eventually(async () => {
        expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 3, shadow_reset: 3, shadow_ok: 0, pairs_sent: 3 });
        expect((await failuresOfKind("reset")) - collectorBefore).toBe(3);
      });
      expect(stack.shadow.received.length).toBe(shadowSeen);
    } finally {
      await stack.shadowGate.up();
    }
  });

  it("a shadow hanging past the timeout: primary's answer at once, counted as timeout", async () => {
    const before = await stack.settledStats();
    const collectorBefore = await failuresOfKind("timeout");
    const elapsed = await expectPrimaryAnswers(["/hang/1", "/hang/2", "/hang/3"]);
    expect(Math.max(...elapsed)).toBeLessThan(SHADOW_TIMEOUT_MS);
    await eventually(async () => {
      expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 3, shadow_timeout: 3, shadow_ok: 0, pairs_sent: 3 });
      expect((await failuresOfKind("timeout")) - collectorBefore).toBe(3);
    }, { timeoutMs: SHADOW_TIMEOUT_MS + 10_000 });
  });

  it("a shadow answering 500: primary's answer, and a status mismatch", async () => {
    const before = await stack.settledStats();
    const metricsBefore = await stack.collectorMetrics();
    await expectPrimaryAnswers(["/error/1", "/error/2", "/error/3"]);
    await eventually(async () => {
      expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 3, shadow_ok: 3, pairs_sent: 3 });
      const metrics = await stack.collectorMetrics();
      const statusMismatches = (text: string): number => sampleSum(text, "shadowdiff_mismatch_fields_total", { kind: "status" });
      const mismatched = (text: string): number => sampleSum(text, "shadow_comparison_total", { match: "false" });
      expect(statusMismatches(metrics) - statusMismatches(metricsBefore)).toBe(3);
      expect(mismatched(metrics) - mismatched(metricsBefore)).toBe(3);
    });
  });

  it("a shadow answering 10 MiB: primary's answer; Envoy hands the filter the whole body, captured up to the cap", async () => {
    const before = await stack.settledStats();
    const metricsBefore = await stack.collectorMetrics();
    await expectPrimaryAnswers(["/big/1"]);
    await eventually(async () => {
      // Envoy 1.39 sets no buffer limit on proxy_http_call: the answer arrives whole, not as an overflow.
      expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: 1, shadow_ok: 1, shadow_overflow: 0, pairs_sent: 1 });
      const metrics = await stack.collectorMetrics();
      const judged = (text: string): number =>
        sampleSum(text, "shadow_comparison_total", { route: "/big/{id}", match: "false" }) + sampleSum(text, "shadowdiff_inconclusive_total", { route: "/big/{id}" });
      expect(judged(metrics) - judged(metricsBefore)).toBe(1);
      expect(sampleSum(metrics, "shadow_comparison_total", { route: "/big/{id}", match: "true" })).toBe(0);
    }, { timeoutMs: 15_000 });
    // Envoy stays healthy for the next request.
    await expectPrimaryAnswers(["/items/after-big"]);
  });
});
