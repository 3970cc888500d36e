// A stored example's differences, each classed as regression, noise or not settled: by the pair's
// own secondary, else by the route's counts now, else as it was when the pair arrived.
import { describe, expect, it } from "vitest";
import type { Comparison } from "../../host/compare/comparison.js";
import { comparedFields, differenceClasses } from "../../host/mismatches/difference-classes.js";
import type { RouteNoiseReport } from "../../host/noise/noise-model.js";

const comparison: Comparison = {
  outcome: "mismatch",
  status: { primary: 200, shadow: 503 },
  headers: [{ name: "etag", primary: "a", shadow: "b" }],
  latencyRatio: 1,
  body: {
    kind: "json",
    differencesCapped: false,
    differences: [
      { path: "$.price", kind: "changed" },
      { path: "$.requestId", kind: "changed" },
      { path: "$.tags[0]", kind: "changed" },
      { path: "$.tags[1]", kind: "changed" },
      { path: "$.name", kind: "removed" },
    ],
  },
  noise: {
    cancelled: [
      { field: "$.requestId", kind: "changed", by: "secondary" },
      { field: "$.tags[*]", kind: "changed", by: "counts" },
    ],
    pending: [{ field: "$.name", kind: "removed" }],
  },
};

function report(classes: Record<string, "noise" | "regression" | "pending">): RouteNoiseReport {
  return {
    state: "on",
    secondaryShare: 0.5,
    secondaryPairs: 120,
    fields: Object.entries(classes).map(([field, fieldClass]) => ({
      field,
      kind: field === "$.name" ? "removed" : "changed",
      noise: fieldClass === "noise" ? 60 : 0,
      noiseRate: fieldClass === "noise" ? 0.5 : 0,
      targets: [
        { target: "v2", raw: 100, rawRate: 0.5, class: fieldClass },
        { target: "v3", raw: 0, rawRate: 0, class: null },
      ],
    })),
  };
}

describe("a stored example's differences, classed", () => {
  it("lists each field and kind once, indices folded: status, headers, then the body", () => {
    expect(comparedFields(comparison).map(({ field, kind }) => `${kind} ${field}`)).toEqual(["status status", "header etag", "changed $.price", "changed $.requestId", "changed $.tags[*]", "removed $.name"]);
  });

  it("the pair's own secondary makes noise whatever the counts; the rest takes the route's class now, with both rates", () => {
    // $.name was not settled when the pair arrived; the counts have since made it a regression.
    const classes = differenceClasses(comparison, "v2", report({ "$.requestId": "regression", "$.tags[*]": "noise", "$.name": "regression", "$.price": "regression" }));
    const byField = Object.fromEntries(classes.map((each) => [each.field, each]));
    expect(byField["$.requestId"]).toMatchObject({ class: "noise", by: "secondary", classOnArrival: "noise" });
    expect(byField["$.tags[*]"]).toEqual({ field: "$.tags[*]", kind: "changed", class: "noise", by: "counts", classOnArrival: "noise", noiseRate: 0.5, targetRate: 0.5, secondaryPairs: 120 });
    expect(byField["$.name"]).toMatchObject({ class: "regression", by: null, classOnArrival: "pending" });
    expect(byField["$.price"]).toMatchObject({ class: "regression", by: null, classOnArrival: "regression", noiseRate: 0 });
    // Status and headers the counts do not know keep their class on arrival.
    expect(byField.status).toMatchObject({ class: "regression", classOnArrival: "regression", noiseRate: null, targetRate: null });
  });

  it("after a restart the counts know nothing: each difference keeps its class on arrival", () => {
    const empty: RouteNoiseReport = { state: "off", secondaryShare: null, secondaryPairs: 0, fields: [] };
    expect(differenceClasses(comparison, "v2", empty).map((each) => `${each.class} ${each.by ?? "-"} ${each.field}`)).toEqual([
      "regression - status",
      "regression - etag",
      "regression - $.price",
      "noise secondary $.requestId",
      "noise counts $.tags[*]",
      "pending - $.name",
    ]);
  });

  it("an example kept before the collector said what was pending: its class on arrival only where the outcome tells it", () => {
    const none: RouteNoiseReport = { state: "off", secondaryShare: null, secondaryPairs: 0, fields: [] };
    const waiting: Comparison = { ...comparison, outcome: "inconclusive", inconclusive: { reason: "noise_pending", detail: "" }, noise: { cancelled: [{ field: "$.requestId", kind: "changed" }] } };
    const waited = differenceClasses(waiting, "v2", none);
    expect(waited.find((each) => each.field === "$.requestId")).toMatchObject({ class: "noise", by: "counts", classOnArrival: "noise" });
    // Waiting on the counts: every difference not cancelled was not settled.
    expect(waited.find((each) => each.field === "$.price")).toMatchObject({ class: "pending", classOnArrival: "pending" });
    // A mismatch then may have held regressions and fields not settled alike: unknown, counted as the mismatch it was.
    const mismatched = differenceClasses({ ...waiting, outcome: "mismatch", inconclusive: undefined }, "v2", none);
    expect(mismatched.find((each) => each.field === "$.price")).toMatchObject({ class: "regression", classOnArrival: null });
  });
});
