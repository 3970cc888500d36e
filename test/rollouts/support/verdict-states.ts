// A collector in the test's own process whose verdict for the target `canary` is the one a test
// needs: pass (800 matching pairs, a little faster than the primary), fail (40 pairs whose price
// changed) or not yet (10 matching pairs), reached through the real intake and judge.
import { expect } from "vitest";
import type { Outcome } from "../../../host/judge/line-judgement.js";
import { eventually } from "../../../support/eventually.js";
import { ReportClient } from "../../../support/report-client.js";
import { startTestCollector, type TestCollector } from "../../../support/test-collector.js";
import { jsonResponse, multiTargetPair } from "../../../support/wire-pairs.js";

export const TARGET = "canary";

const PAIRS: Record<Outcome, number> = { pass: 800, fail: 40, "not-yet": 10 };

/** Reports the pairs that make the verdict for TARGET `outcome`, and waits until it is (asking with `httpToken` when the collector wants one). */
export async function reachVerdict(collector: TestCollector, outcome: Outcome, from = 0, httpToken?: string): Promise<void> {
  const client = new ReportClient(collector.grpcAddress);
  try {
    const pairs = Array.from({ length: PAIRS[outcome] }, (_, n) => {
      const i = from + n;
      // Latencies spread evenly (the judge estimates p95s from their spacing).
      const millis = 10 + ((i * 7919) % 1000) / 100;
      const price = outcome === "fail" ? 12 : 10;
      return multiTargetPair(`/products/${i}`, jsonResponse({ id: i, price: 10 }, millis), { [TARGET]: jsonResponse({ id: i, price }, millis * 0.95) });
    });
    expect(await client.reportPairs(pairs, 200)).toBe(pairs.length);
  } finally {
    client.close();
  }
  await eventually(async () => {
    const headers: Record<string, string> = httpToken === undefined ? {} : { authorization: `Bearer ${httpToken}` };
    const body = (await (await fetch(`${collector.httpUrl}/api/verdict?target=${TARGET}`, { headers })).json()) as { verdict: Outcome };
    expect(body.verdict).toBe(outcome);
  });
}

export async function collectorWithVerdict(outcome: Outcome): Promise<TestCollector> {
  const collector = await startTestCollector({ routes: { templates: ["/products/{id}"] } });
  try {
    await reachVerdict(collector, outcome);
  } catch (error) {
    await collector.cleanup();
    throw error;
  }
  return collector;
}
