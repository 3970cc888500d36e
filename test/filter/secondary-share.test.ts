// The secondary's share of mirrored requests: drawn from the request id like the sample, so it is
// deterministic, but from bits of its own, so it is independent of the sample: the secondary sees
// an even slice of what is mirrored.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { SECONDARY_CLUSTER, TARGETS_CONFIG, TARGET_CLUSTERS, requestHeaders, startFilter } from "./fixture.js";

const IDS = Array.from({ length: 10_000 }, (_, i) => `7f3c${i.toString(16).padStart(4, "0")}-5e2a-4d1b-9c8e-${(i * 7919).toString(16).padStart(12, "0")}`);

/** [low, high] holding a Binomial(n, p) draw but once in about 1.7 million runs (five standard deviations). */
function binomialBounds(n: number, p: number): [number, number] {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.ceil(mean - 5 * sd), Math.floor(mean + 5 * sd)];
}

/** One target and a secondary; calls are never answered, so the cap is set out of the way. */
function startShares(samplePercent: number, secondaryPercent: number): Promise<ProxyWasmHost> {
  return startFilter(
    {
      targets: [{ name: "v2", cluster: TARGET_CLUSTERS.v2 }],
      secondary: { cluster: SECONDARY_CLUSTER, sample_percent: secondaryPercent },
      sample_percent: samplePercent,
      max_in_flight: 100_000,
    },
    TARGETS_CONFIG,
  );
}

/** For each id: whether it was mirrored, and whether the secondary was asked too. */
function draws(host: ProxyWasmHost, ids: string[]): Array<{ id: string; mirrored: boolean; secondary: boolean }> {
  return ids.map((id) => {
    const before = host.httpCalls.length;
    host.newStream().requestHeaders(requestHeaders("GET", "/items/1", [["x-request-id", id]]), true);
    const clusters = host.httpCalls.slice(before).map((call) => call.cluster);
    return { id, mirrored: clusters.includes(TARGET_CLUSTERS.v2), secondary: clusters.includes(SECONDARY_CLUSTER) };
  });
}

describe("the secondary's share", () => {
  it("is its configured share of 10,000 mirrored requests, within binomial bounds", async () => {
    const taken = draws(await startShares(100, 25), IDS);
    expect(taken.every((draw) => draw.mirrored)).toBe(true);
    const [low, high] = binomialBounds(IDS.length, 0.25);
    const secondary = taken.filter((draw) => draw.secondary).length;
    expect(secondary).toBeGreaterThanOrEqual(low);
    expect(secondary).toBeLessThanOrEqual(high);
  });

  it("is independent of the sample: with both at 10%, a tenth of the mirrored requests, not all of them", async () => {
    const taken = draws(await startShares(10, 10), IDS);
    const mirrored = taken.filter((draw) => draw.mirrored);
    const [sampleLow, sampleHigh] = binomialBounds(IDS.length, 0.1);
    expect(mirrored.length).toBeGreaterThanOrEqual(sampleLow);
    expect(mirrored.length).toBeLessThanOrEqual(sampleHigh);
    // Had the secondary used the sample's bits, every mirrored request would fall in its share too.
    const [low, high] = binomialBounds(mirrored.length, 0.1);
    const secondary = mirrored.filter((draw) => draw.secondary).length;
    expect(secondary).toBeGreaterThanOrEqual(low);
    expect(secondary).toBeLessThanOrEqual(high);
    // And only mirrored requests reach the secondary.
    expect(taken.filter((draw) => draw.secondary && !draw.mirrored)).toEqual([]);
  });

  it("gives the same id the same answer in every VM, and takes none at 0% and all at 100%", async () => {
    const ids = IDS.slice(0, 2000);
    const first = draws(await startShares(50, 30), ids);
    const second = draws(await startShares(50, 30), ids);
    expect(second).toEqual(first);
    expect(first.some((draw) => draw.secondary)).toBe(true);
    expect(draws(await startShares(100, 0), ids.slice(0, 200)).filter((draw) => draw.secondary)).toEqual([]);
    expect(draws(await startShares(100, 100), ids.slice(0, 200)).every((draw) => draw.secondary)).toBe(true);
  });
});
