import { afterEach, describe, expect, it, vi } from "vitest";
import { diffJson } from "../../host/compare/json-diff.js";
import { PathMatcher } from "../../host/json-path/matcher.js";
import { WorkBudget } from "../../host/compare/work-budget.js";
import { compareFirst, comparator, pair, response } from "./fixtures.js";

// The collector's promise for hostile bodies: no stack overflow, and a bound on the work one pair
// may cost, counted in work (nodes, bytes), never in time, so the outcomes below are the same on
// any machine. What that work costs in time is measured by the benchmarks, not asserted here.

const nested = (depth: number, leaf: string) => '{"a":'.repeat(depth) + leaf + "}".repeat(depth);
const diffOptions = { ignore: new PathMatcher(["$..ignored"]), unordered: new PathMatcher([]), numericTolerance: 0, maxDifferences: 10 };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("hostile bodies", () => {
  it("a comparison takes no account of time: the same pair gets the same outcome when the clock races ahead", () => {
    const p = pair(response(nested(10_000, "1")), response(nested(10_000, '"1"')));
    let now = 0;
    // Every reading of the clock a second later than the last: a machine as slow as can be.
    vi.spyOn(performance, "now").mockImplementation(() => (now += 1000));
    const result = compareFirst(comparator(), p);
    expect(result.outcome).toBe("mismatch");
    expect(result.body?.differences[0]?.kind).toBe("type");
  });

  it("JSON nested 100,000 levels: JSON.parse copes, the diff walks it without recursion", () => {
    const text = nested(100_000, "1");
    // V8's JSON.parse is iterative; were it not, this would throw RangeError and the pair would be
    // inconclusive (parse failures are caught), so the assertion records which holds here.
    const primary: unknown = JSON.parse(text);
    const shadow: unknown = JSON.parse(nested(100_000, "2"));
    const result = diffJson(primary, shadow, diffOptions, new WorkBudget(Number.POSITIVE_INFINITY));
    expect(result.complete).toBe(true);
    if (!result.complete) return;
    expect(result.differences).toHaveLength(1);
    expect(result.differences[0]?.kind).toBe("changed");
    expect(result.differences[0]?.path).toBe("$" + ".a".repeat(100_000));
  });

  it("JSON nested 100,000 levels through the comparator: inconclusive (budget)", () => {
    const p = pair(response(nested(100_000, "1")), response(nested(100_000, "2")));
    const result = compareFirst(comparator(), p);
    expect(result.outcome).toBe("inconclusive");
    expect(result.inconclusive?.reason).toBe("budget");
  });

  it("arrays nested 100,000 levels through the comparator: inconclusive (budget)", () => {
    const deep = (leaf: string) => "[".repeat(100_000) + leaf + "]".repeat(100_000);
    const p = pair(response(deep("1")), response(deep("2")));
    const result = compareFirst(comparator(), p);
    expect(result.outcome).toBe("inconclusive");
  });

  it("JSON nested 20,000 levels, over the budget, is inconclusive", () => {
    const p = pair(response(nested(20_000, "1")), response(nested(20_000, '"1"')));
    const result = compareFirst(comparator(), p);
    expect(result.inconclusive?.reason).toBe("budget");
  });

  it("JSON nested 10,000 levels, within the budget, is compared in full", () => {
    const p = pair(response(nested(10_000, "1")), response(nested(10_000, '"1"')));
    const result = compareFirst(comparator(), p);
    expect(result.outcome).toBe("mismatch");
    expect(result.body?.differences[0]?.kind).toBe("type");
  });

  it("an array of a million elements: inconclusive (budget), never walked", () => {
    const big = "[" + new Array(1_000_000).fill("1").join(",") + "]";
    const other = "[" + new Array(1_000_000).fill("2").join(",") + "]";
    const p = pair(response(big), response(other));
    const result = compareFirst(comparator({ unordered: ["$"] }), p);
    expect(result.outcome).toBe("inconclusive");
    expect(result.inconclusive?.reason).toBe("too_large");
  });

  it("a million-element array already parsed exhausts the diff budget before any element is stacked", () => {
    const primary = new Array<number>(1_000_000).fill(1);
    const shadow = new Array<number>(1_000_000).fill(2);
    const result = diffJson(primary, shadow, diffOptions, new WorkBudget(100_000));
    expect(result.complete).toBe(false);
  });

  it("a 300,000-element array within the byte cap: inconclusive (budget)", () => {
    const body = (n: number) => "[" + new Array(300_000).fill(String(n)).join(",") + "]";
    const p = pair(response(body(1)), response(body(2)));
    const result = compareFirst(comparator(), p);
    expect(result.outcome).toBe("inconclusive");
    expect(result.inconclusive?.reason).toBe("budget");
  });

  it("10 MiB strings, identical: a match", () => {
    const body = JSON.stringify({ blob: "x".repeat(10 * 1024 * 1024) });
    const p = pair(response(body), response(Buffer.from(body)));
    const result = compareFirst(comparator(), p);
    expect(result.outcome).toBe("match");
  });

  it("10 MiB strings, differing in the last character: inconclusive (too_large)", () => {
    const a = JSON.stringify({ blob: "x".repeat(10 * 1024 * 1024) + "a" });
    const b = JSON.stringify({ blob: "x".repeat(10 * 1024 * 1024) + "b" });
    const p = pair(response(a), response(b));
    const result = compareFirst(comparator(), p);
    expect(result.outcome).toBe("inconclusive");
    expect(result.inconclusive?.reason).toBe("too_large");
  });

  it("10 MiB strings as text: a mismatch found", () => {
    const a = "x".repeat(10 * 1024 * 1024) + "a";
    const b = "x".repeat(10 * 1024 * 1024) + "b";
    const p = pair(response(a, {}, "text/plain"), response(b, {}, "text/plain"));
    const result = compareFirst(comparator(), p);
    expect(result.outcome).toBe("mismatch");
    expect(result.body?.differences[0]?.primary).toMatch(/^at byte 10485760: "a"/);
  });

  it("10 MiB strings already parsed: the diff reports them with a bounded preview", () => {
    const primary = { blob: "x".repeat(10 * 1024 * 1024) + "a" };
    const shadow = { blob: "x".repeat(10 * 1024 * 1024) + "b" };
    const result = diffJson(primary, shadow, diffOptions, new WorkBudget(100_000));
    expect(result.complete).toBe(true);
    if (!result.complete) return;
    expect(result.differences[0]?.path).toBe("$.blob");
    expect(result.differences[0]?.primary?.length).toBeLessThan(200);
  });

  it("a million differing elements in a small-enough array list at most maxDifferences", () => {
    const primary = new Array<number>(50_000).fill(1);
    const shadow = new Array<number>(50_000).fill(2);
    const result = diffJson(primary, shadow, diffOptions, new WorkBudget(1_000_000));
    expect(result.complete && result.differencesCapped).toBe(true);
    if (result.complete) expect(result.differences).toHaveLength(10);
  });
});
