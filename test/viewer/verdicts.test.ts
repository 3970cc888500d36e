import { describe, expect, it } from "vitest";
import type { LineVerdict } from "../../host/judge/line-judgement.js";
import type { Verdict } from "../../host/judge/verdict.js";
import { byAttention, linesOf, settingsFromAddress, targetOutcomes, targetsSentence, worstOutcome } from "../../viewer/src/verdicts.js";

const line = (route: string, target: string, outcome: LineVerdict["outcome"]): LineVerdict =>
  ({ route, target, outcome, reasons: [], pairs: 100 }) as unknown as LineVerdict;
const verdict = (lines: LineVerdict[]): Verdict => ({ outcome: worstOutcome(lines), exitCode: 2, thresholds: {} as Verdict["thresholds"], lines, total: { pairs: 0, proxies: null, intake: null } });

describe("the page's verdicts", () => {
  it("are the collector's lines: a route row over several targets is as good as its worst", () => {
    const judged = verdict([line("/p", "v2", "fail"), line("/p", "v3", "pass"), line("/q", "v3", "not-yet")]);
    expect(linesOf(judged, "/p").map((each) => each.target)).toEqual(["v2", "v3"]);
    expect(worstOutcome(linesOf(judged, "/p"))).toBe("fail");
    expect(worstOutcome(linesOf(judged, "/p", "v3"))).toBe("pass");
    expect(worstOutcome(linesOf(judged, "/none"))).toBe("not-yet");
    expect(targetOutcomes(judged)).toEqual([
      { target: "v2", outcome: "fail" },
      { target: "v3", outcome: "not-yet" },
    ]);
  });

  it("say every target's outcome in one sentence, failing targets first, as the banner and the tables do", () => {
    expect(targetsSentence([line("/p", "v3", "pass"), line("/q", "v4", "not-yet"), line("/p", "v2", "pass"), line("/q", "v2", "fail")])).toBe("v2 fails, v4 is not decided yet, v3 passes");
    expect(targetsSentence([line("/p", "shadow", "pass")])).toBe("shadow passes");
    expect(targetsSentence([])).toBe("");
  });

  it("sorts what needs attention first: failing, then undecided, then by mismatches and traffic", () => {
    const rows = [
      { route: "/pass", outcome: "pass", mismatched: 0, pairs: 500 },
      { route: "/few", outcome: "not-yet", mismatched: 1, pairs: 4 },
      { route: "/fail-small", outcome: "fail", mismatched: 10, pairs: 100 },
      { route: "/fail-big", outcome: "fail", mismatched: 200, pairs: 1000 },
    ] as const;
    expect(byAttention(rows).map((r) => r.route)).toEqual(["/fail-big", "/fail-small", "/few", "/pass"]);
  });

  it("the address's settings go on to /api/verdict, named like the command's flags", () => {
    expect(settingsFromAddress("?min-match-ratio=0.95&confidence=0.9&target=v3")).toEqual({ search: "min-match-ratio=0.95&confidence=0.9&target=v3", problems: [] });
    expect(settingsFromAddress("")).toEqual({ search: "", problems: [] });
  });

  it.each([
    ["?min-match-ratio=2", "min-match-ratio must be a number from 0 to 1"],
    ["?min-pairs=1.5", "min-pairs must be a whole number from 1 to 1000000000"],
    ["?confidence=1", "confidence must be a number above 0 and below 1"],
    ["?max-latency-ratio=1e3", 'max-latency-ratio must be a decimal number, not "1e3"'],
    ["?min-match-ratio=%3Cscript%3E", 'min-match-ratio must be a decimal number, not "<script>"'],
    ["?min-pairs=1&min-pairs=2", '"min-pairs" is given more than once'],
  ])("%s is refused, and the defaults are used: %s", (query, problem) => {
    const { search, problems } = settingsFromAddress(query);
    expect(search).toBe("");
    expect(problems.join("; ")).toContain(problem);
  });
});
