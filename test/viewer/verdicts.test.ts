import { describe, expect, it } from "vitest";
import { decide, DEFAULT_THRESHOLDS } from "../../host/verdict/decide.js";
import { measurementOf } from "../../host/verdict/summary-measurement.js";
import { byAttention, overallVerdict, routeVerdict, thresholdsFromQuery } from "../../viewer/src/verdicts.js";

const row = (route: string, matched: number, mismatched: number, latencyRatioP95: number | null = 1) => ({
  route,
  matched,
  mismatched,
  matchRatio: matched + mismatched === 0 ? null : matched / (matched + mismatched),
  latencyRatioP95,
});

describe("the page's verdicts", () => {
  it("are the gate's: same rule, same measurements, same thresholds", () => {
    const rows = [row("/a", 200, 0), row("/b", 90, 10), row("/c", 5, 0), row("/d", 300, 0, 1.5)];
    expect(overallVerdict(rows, DEFAULT_THRESHOLDS)).toEqual(decide(rows.map(measurementOf), DEFAULT_THRESHOLDS));
    expect(rows.map((r) => routeVerdict(r, DEFAULT_THRESHOLDS).outcome)).toEqual(["pass", "fail", "not-yet", "fail"]);
    expect(routeVerdict(rows[1]!, DEFAULT_THRESHOLDS).reasons).toEqual(["match ratio 90.0% < 99.0%"]);
  });

  it("sorts what needs attention first: failing, then undecided, then by mismatches and traffic", () => {
    const judged = [row("/pass", 500, 0), row("/few", 3, 1), row("/fail-small", 90, 10), row("/fail-big", 800, 200)].map((r) => ({
      ...r,
      pairs: r.matched + r.mismatched,
      verdict: routeVerdict(r, DEFAULT_THRESHOLDS),
    }));
    expect(byAttention(judged).map((r) => r.route)).toEqual(["/fail-big", "/fail-small", "/few", "/pass"]);
  });

  it("thresholds come from the address, named like the command's flags", () => {
    expect(thresholdsFromQuery("?min-match-ratio=0.95&max-latency-ratio=1.5&min-pairs=20")).toEqual({
      thresholds: { minMatchRatio: 0.95, maxLatencyRatio: 1.5, minPairs: 20 },
      problems: [],
    });
    expect(thresholdsFromQuery("")).toEqual({ thresholds: DEFAULT_THRESHOLDS, problems: [] });
  });

  it.each([
    ["?min-match-ratio=2", "min-match-ratio must be a number from 0 to 1"],
    ["?min-pairs=1.5", "min-pairs must be an integer of at least 1"],
    ["?min-pairs=0", "min-pairs must be an integer of at least 1"],
    ["?max-latency-ratio=0", "max-latency-ratio must be a number above 0"],
    ["?min-pairs=0x10", 'min-pairs must be a decimal number, not "0x10"'],
    ["?min-pairs=", 'min-pairs must be a decimal number, not ""'],
    ["?max-latency-ratio=1e3", 'max-latency-ratio must be a decimal number, not "1e3"'],
    ["?min-match-ratio=%3Cscript%3E", 'min-match-ratio must be a decimal number, not "<script>"'],
  ])("%s is refused, and the defaults are used: %s", (query, problem) => {
    expect(thresholdsFromQuery(query)).toEqual({ thresholds: DEFAULT_THRESHOLDS, problems: [problem] });
  });
});
