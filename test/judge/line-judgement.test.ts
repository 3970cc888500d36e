import { describe, expect, it } from "vitest";
import { lineBudget } from "../../host/judge/error-budget.js";
import { classifyField, DEFAULT_NOISE_SETTINGS, secondaryPairsToSettle } from "../../host/judge/field-class.js";
import { DEFAULT_THRESHOLDS, judgeLine, type LineEvidence } from "../../host/judge/line-judgement.js";
import { checkThresholds, judge, type EvidenceSource } from "../../host/judge/verdict.js";
import { verdictQuery, verdictSearch } from "../../host/judge/verdict-query.js";

const NO_LATENCY = { secondaryConfigured: false, targetVsPrimary: null, targetVsSecondary: null, secondaryVsPrimary: null };
/** A latency statistic: log ratio, one pair's spread, pairs. */
const latency = (ratio: number, pairs: number, spread = 1) => ({ ...NO_LATENCY, targetVsPrimary: { logRatio: Math.log(ratio), spread, pairs } });

function line(overrides: Partial<LineEvidence> = {}): LineEvidence {
  return {
    route: "/users/{id}",
    target: "v2",
    matched: 0,
    mismatched: 0,
    pending: 0,
    inconclusive: 0,
    noise: { on: false, share: null, secondaryPairs: 0, pendingFields: [] },
    latency: NO_LATENCY,
    proxies: 2,
    ...overrides,
  };
}

describe("a line's judgement", () => {
  it.each([
    ["identical, many pairs: pass", line({ matched: 2000, latency: latency(1, 2000, 0.8) }), "pass", []],
    ["16% mismatching, 50 pairs: fail on the match ratio alone", line({ matched: 42, mismatched: 8 }), "fail", ["match ratio below 99.0%"]],
    ["1.5× slower: fail on latency while the match ratio is still open", line({ matched: 300, latency: latency(1.5, 300, 0.8) }), "fail", ["p95 latency ratio above 1.2"]],
    ["below the floor, however bad: not yet", line({ mismatched: 19 }), "not-yet", ["19 of the 20 pairs the floor asks for"]],
    ["a clean match ratio without latency statistics: not yet", line({ matched: 2000 }), "not-yet", ["latency needs 200 pairs to estimate its p95s"]],
  ] as const)("%s", (_, evidence, outcome, reasons) => {
    const verdict = judgeLine(evidence, DEFAULT_THRESHOLDS, 10, DEFAULT_NOISE_SETTINGS);
    expect(verdict.outcome).toBe(outcome);
    expect(verdict.reasons).toEqual(reasons);
  });

  it("pending pairs count as mismatches against a pass and as matches against a fail", () => {
    // 3 pending in 2,000 against a 0.5% tolerance: a pass stays open until they are settled; as matches, no fail.
    const evidence = line({ matched: 1997, pending: 3, latency: latency(1, 2000, 0.5) });
    const withPending = judgeLine(evidence, { ...DEFAULT_THRESHOLDS, minMatchRatio: 0.995 }, 10, DEFAULT_NOISE_SETTINGS);
    expect(withPending.match.outcome).toBe("not-yet");
    expect(withPending.match.ratio).toBe(1);
    const settled = judgeLine({ ...evidence, matched: 2000, pending: 0 }, { ...DEFAULT_THRESHOLDS, minMatchRatio: 0.995 }, 10, DEFAULT_NOISE_SETTINGS);
    expect(settled.match.outcome).toBe("pass");
  });

  it("states its intervals and, when not decided, about how many more pairs would decide it", () => {
    const verdict = judgeLine(line({ matched: 300, latency: latency(1, 300, 1.2) }), DEFAULT_THRESHOLDS, 10, DEFAULT_NOISE_SETTINGS);
    expect(verdict.outcome).toBe("not-yet");
    expect(verdict.match.lower).toBeLessThan(0.99);
    expect(verdict.match.upper).toBe(1);
    expect(verdict.latency).toMatchObject({ baseline: "primary", estimate: 1, outcome: "not-yet" });
    expect(verdict.morePairs).toBeGreaterThan(0);
    // At that many more pairs, the same rates do decide it.
    const later = 300 + verdict.morePairs!;
    expect(judgeLine(line({ matched: later, latency: latency(1, later, 1.2) }), DEFAULT_THRESHOLDS, 10, DEFAULT_NOISE_SETTINGS).outcome).toBe("pass");
  });

  it("more lines judged together: each line's share of the error rate shrinks, so the same evidence can stay undecided", () => {
    expect(lineBudget(0.95, 10, false).matchPerSide).toBeCloseTo(0.0025, 12);
    expect(lineBudget(0.95, 10, true).matchPerSide).toBeCloseTo(0.00125, 12);
    expect(lineBudget(0.95, 100, false).latencyPerSide).toBeCloseTo(0.00025, 12);
    const evidence = line({ matched: 44, mismatched: 6 });
    const outcomes = [1, 1000].map((lines) => judgeLine(evidence, DEFAULT_THRESHOLDS, lines, DEFAULT_NOISE_SETTINGS).outcome);
    expect(outcomes).toEqual(["fail", "not-yet"]);
  });
});

describe("a field's class", () => {
  const counts = (noiseHits: number, secondaryPairs: number, rawHits: number, targetPairs: number) => ({ noiseHits, secondaryPairs, rawHits, targetPairs });
  const alpha = lineBudget(0.95, 10, true).fieldPerSide;

  it.each([
    ["v1 never removes it in 20 secondaries, v2 in 60 of 60: regression", counts(0, 20, 60, 60), "regression"],
    ["v1 never in 3 secondaries: too few to say", counts(0, 3, 60, 60), "pending"],
    ["v1 stamps it in every one of 100 secondaries, v2 in every pair: noise", counts(100, 100, 1000, 1000), "noise"],
    ["v1 in 10%, v2 in every pair: regression", counts(30, 300, 300, 300), "regression"],
    ["no secondary yet: pending", counts(0, 0, 5, 5), "pending"],
  ] as const)("%s", (_, fieldCounts, expected) => {
    expect(classifyField(fieldCounts, DEFAULT_NOISE_SETTINGS, alpha)).toBe(expected);
  });

  it("a pending field says about how many more pairs with a secondary would settle it", () => {
    const pending = counts(0, 3, 60, 60);
    const more = secondaryPairsToSettle(pending, DEFAULT_NOISE_SETTINGS, alpha, 1)!;
    expect(more).toBeGreaterThan(0);
    expect(classifyField(counts(0, 3 + more, 60 + more, 60 + more), DEFAULT_NOISE_SETTINGS, alpha)).toBe("regression");
  });
});

describe("the verdict's settings", () => {
  it("refuses out-of-range flags, naming the rule", () => {
    for (const confidence of [1, 0, Number.NaN, 1.5, -0.1]) {
      expect(checkThresholds({ ...DEFAULT_THRESHOLDS, confidence })).toEqual(["--confidence must be a number above 0 and below 1 (0.95: no line wrong in 95 verdicts of 100)"]);
    }
    expect(checkThresholds({ ...DEFAULT_THRESHOLDS, minPairs: 0 })).toEqual(["--min-pairs must be a whole number from 1 to 1000000000"]);
    expect(checkThresholds({ ...DEFAULT_THRESHOLDS, minMatchRatio: 1.01, maxLatencyRatio: 0 })).toHaveLength(2);
  });

  it.each([
    ["confidence=1", "confidence must be a number above 0 and below 1"],
    ["confidence=NaN", 'confidence must be a decimal number, not "NaN"'],
    ["confidence=1e-3", 'confidence must be a decimal number, not "1e-3"'],
    ["min-pairs=10&min-pairs=20", '"min-pairs" is given more than once'],
    ["min_match_ratio=0.5", '"min_match_ratio" is not a parameter (known: target, confidence, min-match-ratio, max-latency-ratio, min-pairs)'],
    ["target=v2%22%7D", 'target must be a target name: 1 to 32 characters of [a-z0-9_-], got "v2\\"}"'],
    [`target=${"v".repeat(33)}`, "target must be a target name"],
    ["max-latency-ratio=0", "max-latency-ratio must be a number above 0"],
  ])("hostile query %s is refused", (query, message) => {
    const parsed = verdictQuery(new URLSearchParams(query));
    expect("problems" in parsed && parsed.problems.join("; ")).toContain(message);
  });

  it("round-trips the settings a command sends", () => {
    const thresholds = { minMatchRatio: 0.999, maxLatencyRatio: 1.1, minPairs: 50, confidence: 0.9999999 };
    expect(verdictQuery(verdictSearch(thresholds, "v3"))).toEqual({ thresholds, target: "v3" });
    expect(verdictSearch(DEFAULT_THRESHOLDS).toString()).toBe("");
  });
});

describe("the verdict over every line", () => {
  const source = (lines: LineEvidence[]): EvidenceSource => ({
    lines: () => lines.map(({ route, target }) => ({ route, target })),
    evidence: (route, target) => lines.find((each) => each.route === route && each.target === target)!,
    proxies: 3,
  });

  it("one failing line fails it, one undecided holds it; no line at all is not yet, and says so", () => {
    const pass = line({ matched: 3000, latency: latency(1, 3000, 0.5) });
    const fail = line({ route: "/orders", matched: 40, mismatched: 10 });
    const open = line({ route: "/b", matched: 30 });
    expect(judge(source([pass, fail, open]), DEFAULT_THRESHOLDS)).toMatchObject({ outcome: "fail", exitCode: 1 });
    expect(judge(source([pass, open]), DEFAULT_THRESHOLDS)).toMatchObject({ outcome: "not-yet", exitCode: 2 });
    expect(judge(source([pass]), DEFAULT_THRESHOLDS)).toMatchObject({ outcome: "pass", exitCode: 0, total: { pairs: 3000, proxies: 3 } });
    expect(judge(source([]), DEFAULT_THRESHOLDS)).toMatchObject({ outcome: "not-yet", exitCode: 2, note: "no comparisons yet" });
    expect(judge(source([pass]), DEFAULT_THRESHOLDS, "v9").note).toBe('no comparisons with target "v9" (targets seen: v2)');
  });
});
