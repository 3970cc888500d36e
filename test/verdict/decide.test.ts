// The gate's rule, from a table of measurements and the verdicts they must give.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_THRESHOLDS,
  checkThresholds,
  decide,
  judgeRoute,
  type Outcome,
  type RouteMeasurement,
} from "../../host/verdict/decide.js";

const t = DEFAULT_THRESHOLDS;
const route = (pairs: number, matchRatio: number | null, latencyRatioP95: number | null, name = "/users/{id}"): RouteMeasurement => ({
  route: name,
  pairs,
  proxies: 1,
  matchRatio,
  latencyRatioP95,
});

describe("judgeRoute", () => {
  const cases: [string, RouteMeasurement, Outcome, string[]][] = [
    ["everything within the thresholds", route(500, 1, 1.05), "pass", []],
    ["exactly at both thresholds", route(100, 0.99, 1.2), "pass", []],
    ["at the thresholds give or take float noise", route(100, 0.99 - 1e-12, 1.2 + 1e-12), "pass", []],
    ["match ratio just under", route(500, 0.989, 1), "fail", ["match ratio 98.9% < 99.0%"]],
    ["shadow slower", route(500, 1, 1.33), "fail", ["p95 latency ratio 1.33 > 1.20"]],
    ["both wrong", route(500, 0.5, 3), "fail", ["match ratio 50.0% < 99.0%", "p95 latency ratio 3.00 > 1.20"]],
    ["too few pairs, however good", route(99, 1, 1), "not-yet", ["99 pairs, needs 100"]],
    ["too few pairs, however bad", route(10, 0, 9), "not-yet", ["10 pairs, needs 100"]],
    ["no pairs at all", route(0, null, null), "not-yet", ["0 pairs, needs 100"]],
    ["enough pairs but no latency samples", route(500, 1, null), "not-yet", ["no latency samples"]],
    ["enough pairs but no match ratio", route(500, null, 1), "not-yet", ["no match ratio"]],
    ["a clear failure wins over an unknown", route(500, 0.9, null), "fail", ["match ratio 90.0% < 99.0%"]],
    ["a faster shadow is fine", route(500, 1, 0.4), "pass", []],
  ];

  it.each(cases)("%s", (_name, measurement, outcome, reasons) => {
    const verdict = judgeRoute(measurement, t);
    expect(verdict.outcome).toBe(outcome);
    expect(verdict.reasons).toEqual(reasons);
    expect(verdict.route).toBe(measurement.route);
  });

  it("uses the thresholds it is given", () => {
    const strict = { minMatchRatio: 1, maxLatencyRatio: 1, minPairs: 1000 };
    expect(judgeRoute(route(1000, 0.999, 1), strict).outcome).toBe("fail");
    expect(judgeRoute(route(999, 1, 1), strict).outcome).toBe("not-yet");
    const lenient = { minMatchRatio: 0.5, maxLatencyRatio: 3, minPairs: 1 };
    expect(judgeRoute(route(1, 0.6, 2.9), lenient).outcome).toBe("pass");
  });
});

describe("decide", () => {
  const pass = route(500, 1, 1, "/a");
  const fail = route(500, 0.9, 1, "/b");
  const thin = route(5, 1, 1, "/c");
  const cases: [string, RouteMeasurement[], Outcome, 0 | 1 | 2][] = [
    ["every route passes", [pass, { ...pass, route: "/z" }], "pass", 0],
    ["one route fails", [pass, fail], "fail", 1],
    ["a failing route wins over a thin one", [thin, fail, pass], "fail", 1],
    ["a thin route holds the gate", [pass, thin], "not-yet", 2],
    ["no route at all", [], "not-yet", 2],
  ];

  it.each(cases)("%s", (_name, measurements, outcome, exitCode) => {
    const verdict = decide(measurements, t);
    expect(verdict.outcome).toBe(outcome);
    expect(verdict.exitCode).toBe(exitCode);
    expect(verdict.routes).toHaveLength(measurements.length);
  });

  it("lists routes in order and says so when there is nothing to judge", () => {
    expect(decide([thin, fail, pass], t).routes.map((r) => r.route)).toEqual(["/a", "/b", "/c"]);
    expect(decide([], t).note).toBe("no comparisons yet");
    expect(decide([pass], t).note).toBeUndefined();
  });

  it("passes only when every route passes on its own", () => {
    const measurement = fc.record({
      route: fc.constantFrom("/a", "/b", "/c", "/d"),
      pairs: fc.integer({ min: 0, max: 1000 }),
      proxies: fc.option(fc.nat(100), { nil: null }),
      matchRatio: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
      latencyRatioP95: fc.option(fc.double({ min: 0, max: 5, noNaN: true }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(measurement, { maxLength: 6 }), (measurements) => {
        const verdict = decide(measurements, t);
        const each = measurements.map((m) => judgeRoute(m, t).outcome);
        expect(verdict.outcome === "pass").toBe(each.length > 0 && each.every((o) => o === "pass"));
        expect(verdict.outcome === "fail").toBe(each.includes("fail"));
      }),
    );
  });
});

describe("checkThresholds", () => {
  it.each([
    [{ ...t }, []],
    [{ ...t, minMatchRatio: 1.5 }, ["--min-match-ratio must be a number from 0 to 1"]],
    [{ ...t, minMatchRatio: Number.NaN }, ["--min-match-ratio must be a number from 0 to 1"]],
    [{ ...t, maxLatencyRatio: 0 }, ["--max-latency-ratio must be a number above 0"]],
    [{ ...t, minPairs: 0 }, ["--min-pairs must be an integer of at least 1"]],
    [{ ...t, minPairs: 2.5 }, ["--min-pairs must be an integer of at least 1"]],
  ])("%o → %o", (thresholds, problems) => {
    expect(checkThresholds(thresholds)).toEqual(problems);
  });
});
