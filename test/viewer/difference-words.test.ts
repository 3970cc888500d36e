import { describe, expect, it } from "vitest";
import type { DifferenceClass } from "../../host/mismatches/difference-classes.js";
import { differenceWhy } from "../../viewer/src/difference-words.js";

const base: DifferenceClass = { field: "$.x", kind: "changed", class: "regression", by: null, classOnArrival: "regression", noiseRate: 0, targetRate: 1, secondaryPairs: 120 };

describe("why a difference is what it is", () => {
  it.each([
    [base, "regression: v1 differs from itself here in 0.0% of 120 pairs with a secondary; v2 in 100.0%"],
    [{ ...base, classOnArrival: "pending" }, "regression: v1 differs from itself here in 0.0% of 120 pairs with a secondary; v2 in 100.0% (not settled when the pair arrived)"],
    [{ ...base, class: "noise", by: "secondary", classOnArrival: "noise", noiseRate: 0.98, targetRate: 0.97 }, "noise: cancelled in this pair by the secondary, which differed here too (v1 differs from itself here in 98.0% of 120 pairs with a secondary; v2 in 97.0%)"],
    [{ ...base, class: "noise", by: "counts", classOnArrival: "noise", noiseRate: 0.48, targetRate: 0.5 }, "noise: cancelled by the route's counts: v1 differs from itself here in 48.0% of 120 pairs with a secondary; v2 in 50.0%"],
    [{ ...base, class: "pending", classOnArrival: "pending", noiseRate: 0.02, targetRate: 0.3, secondaryPairs: 1 }, "not settled: too few pairs with a secondary to tell noise from regression: v1 differs from itself here in 2.0% of 1 pair with a secondary; v2 in 30.0%"],
    [{ ...base, noiseRate: null, targetRate: null, secondaryPairs: 0 }, "regression: no secondary on this route to call it noise"],
    [{ ...base, class: "noise", by: "secondary", noiseRate: null, targetRate: null, classOnArrival: null }, "noise: cancelled in this pair by the secondary, which differed here too"],
  ] as [DifferenceClass, string][])("%#", (each, words) => {
    expect(differenceWhy(each, "v2")).toBe(words);
  });
});
