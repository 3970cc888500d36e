// The collector going down, turning slow and coming back never shows on the client's side: the
// filter counts what it could not report, and pairs flow again once the collector answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendMany, type ClientResponse } from "./support/client.js";
import { eventually } from "../../support/eventually.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { sampleSum } from "../../support/prometheus-text.js";
import { startStack, statsDelta, TEST_PLUGIN_DEFAULTS, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.stop());
printEnvoyLogOnFailure(() => stack);

const BURST = 20;
const COLLECTOR_TIMEOUT_MS = TEST_PLUGIN_DEFAULTS.collector_timeout_ms as number;

async function pairsReceived(): Promise<number> {
  return sampleSum(await stack.collectorMetrics(), "shadowdiff_pairs_received_total");
}

function expectAllAnswered(responses: ClientResponse[], prefix: string): void {
  expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
  responses.forEach((response, index) => {
    expect(JSON.parse(response.body.toString())).toMatchObject({ path: `${prefix}${index}` });
  });
}

describe("collector down, then slow, then back", () => {
  it("down: clients unaffected, every pair counted as dropped with its failed report", async () => {
    const before = await stack.settledStats();
    const receivedBefore = await pairsReceived();
    await stack.collectorGate.down();
    const responses = await sendMany(stack.port, BURST, (index) => `/down/${index}`, 4);
    expectAllAnswered(responses, "/down/");
    await eventually(async () => {
      const delta = statsDelta(before, await stack.filterStats());
      expect(delta).toMatchObject({ requests_mirrored: BURST, pairs_sent: 0, pairs_dropped_report: BURST });
      expect(delta.reports_failed).toBeGreaterThanOrEqual(1);
    });
    expect(await pairsReceived()).toBe(receivedBefore);
  });

  it("slow past collector_timeout_ms: clients unaffected, reports time out and are counted", async () => {
    const collectorDelayMs = COLLECTOR_TIMEOUT_MS * 4;
    await stack.collectorGate.slow(collectorDelayMs);
    const before = await stack.settledStats();
    const responses = await sendMany(stack.port, BURST, (index) => `/slow-collector/${index}`, 4);
    expectAllAnswered(responses, "/slow-collector/");
    // No client waits for the collector: none takes as long as the collector's delay.
    expect(Math.max(...responses.map((response) => response.elapsedMs))).toBeLessThan(collectorDelayMs);
    await eventually(async () => {
      const delta = statsDelta(before, await stack.filterStats());
      expect(delta).toMatchObject({ requests_mirrored: BURST, pairs_sent: 0, pairs_dropped_report: BURST });
      expect(delta.reports_failed).toBeGreaterThanOrEqual(1);
    }, { timeoutMs: 15_000 });
  });

  it("back: pairs reach the collector again", async () => {
    await stack.collectorGate.up();
    const before = await stack.settledStats();
    const receivedBefore = await pairsReceived();
    const responses = await sendMany(stack.port, BURST, (index) => `/back/${index}`, 4);
    expectAllAnswered(responses, "/back/");
    await eventually(async () => {
      expect(statsDelta(before, await stack.filterStats())).toMatchObject({ requests_mirrored: BURST, pairs_sent: BURST });
      expect((await pairsReceived()) - receivedBefore).toBe(BURST);
    }, { timeoutMs: 15_000 });
  });
});
