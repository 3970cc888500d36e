import { describe, expect, it } from "vitest";
import type { Comparison } from "../../host/compare/comparison.js";
import { DistinctCount, hashString } from "../../host/summary/distinct-count.js";
import { SummaryBook } from "../../host/summary/summary.js";

function count(values: Iterable<string>): number {
  const counter = new DistinctCount();
  for (const value of values) counter.addHash(hashString(value));
  return counter.estimate();
}

const proxies = (n: number, prefix = "sidecar~10.0.") => Array.from({ length: n }, (_, i) => `${prefix}${i >> 8}.${i & 255}~api-primary-${i}.shop~shop.svc.cluster.local`);

describe("distinct proxies", () => {
  it("are counted exactly up to 64, however often each is seen", () => {
    expect(count([])).toBe(0);
    expect(count(Array.from({ length: 6000 }, () => "forger"))).toBe(1);
    for (const n of [1, 2, 3, 10, 64]) expect(count([...proxies(n), ...proxies(n)])).toBe(n);
  });

  it("are estimated within a few percent beyond, in a fixed 1 KiB", () => {
    for (const n of [65, 200, 1000, 10_000, 100_000]) {
      const estimate = count(proxies(n));
      expect(Math.abs(estimate - n) / n, `${n} proxies counted as ${estimate}`).toBeLessThan(0.08);
      expect(estimate).toBeGreaterThan(64);
    }
  });

  it("per route and in total in the summary", () => {
    const book = new SummaryBook();
    const match: Comparison = { outcome: "match", headers: [], latencyRatio: 1 };
    const latencies = { primary: 0.001, shadow: 0.001, secondary: null };
    for (const proxy of ["a", "b", "c"]) book.record("/users/{id}", "v2", match, latencies, [], proxy);
    book.record("/orders/{id}", "v2", match, latencies, [], "a");
    const summary = book.summarize();
    expect(summary.routes.map((route) => [route.route, route.proxies])).toEqual([
      ["/orders/{id}", 1],
      ["/users/{id}", 3],
    ]);
    expect(summary.total.proxies).toBe(3);
    expect(book.proxies()).toEqual({ byRoute: [["/users/{id}", 3], ["/orders/{id}", 1]], total: 3 });
  });
});
