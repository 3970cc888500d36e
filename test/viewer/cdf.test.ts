import { describe, expect, it } from "vitest";
import { Reservoir } from "../../host/summary/reservoir.js";
import { cdfSeries, percentile } from "../../viewer/src/cdf.js";

describe("the latency chart's series", () => {
  it("both sides' CDFs over every distinct latency, in milliseconds", () => {
    expect(cdfSeries([0.001, 0.002, 0.002, 0.004], [0.003])).toEqual([
      [1, 2, 3, 4],
      [0.25, 0.75, 0.75, 1],
      [0, 0, 1, 1],
    ]);
  });

  it("any number of sides: the primary, the secondary and a target", () => {
    expect(cdfSeries([0.002], [0.001, 0.003], [0.004])).toEqual([
      [1, 2, 3, 4],
      [0, 1, 1, 1],
      [0.5, 0.5, 1, 1],
      [0, 0, 0, 1],
    ]);
  });

  it("an empty side has no line", () => {
    expect(cdfSeries([0.001], [])).toEqual([[1], [1], [null]]);
  });

  it("percentiles are the collector's (nearest rank over the same sample)", () => {
    const reservoir = new Reservoir(1024);
    const values = Array.from({ length: 300 }, (_, i) => ((i * 7919) % 300) / 1000);
    for (const value of values) reservoir.add(value);
    const sorted = Array.from(reservoir.sorted());
    expect(reservoir.quantiles([0.5, 0.95])).toEqual([percentile(sorted, 0.5), percentile(sorted, 0.95)]);
    expect(percentile([], 0.5)).toBeNull();
  });
});
