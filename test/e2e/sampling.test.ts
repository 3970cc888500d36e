// sample_percent 10 in a real Envoy: over 2,000 requests with Envoy's own random request ids, the
// mirrored count is a draw from Binomial(2000, 0.1), and every mirrored request becomes a pair.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendMany } from "./support/client.js";
import { eventually } from "../../support/eventually.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { sampleSum } from "../../support/prometheus-text.js";
import { startStack, statsDelta, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ plugin: { sample_percent: 10 } });
});
afterAll(async () => stack?.stop());
printEnvoyLogOnFailure(() => stack);

const REQUESTS = 2000;
const SHARE = 0.1;

describe("10% sampling", () => {
  it("mirrors a share of 2,000 requests inside the binomial bounds", async () => {
    const before = await stack.settledStats();
    const responses = await sendMany(stack.port, REQUESTS, (index) => `/sampled/${index}`, 16);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(REQUESTS);

    const mean = REQUESTS * SHARE;
    const sd = Math.sqrt(REQUESTS * SHARE * (1 - SHARE));
    // Five standard deviations: a correct filter fails this about once in 1.7 million runs.
    const [low, high] = [Math.ceil(mean - 5 * sd), Math.floor(mean + 5 * sd)];

    const delta = await eventually(async () => {
      const current = statsDelta(before, await stack.filterStats());
      expect(current.requests_mirrored + current.requests_sampled_out).toBe(REQUESTS);
      expect(current.pairs_sent).toBe(current.requests_mirrored);
      return current;
    }, { timeoutMs: 15_000 });
    expect(delta.requests_mirrored).toBeGreaterThanOrEqual(low);
    expect(delta.requests_mirrored).toBeLessThanOrEqual(high);
    expect(stack.shadow.received).toHaveLength(delta.requests_mirrored);
    await eventually(async () => {
      expect(sampleSum(await stack.collectorMetrics(), "shadowdiff_pairs_received_total")).toBe(delta.requests_mirrored);
    });
  });
});
