import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffJson } from "../../host/compare/json-diff.js";
import { PathMatcher } from "../../host/json-path/matcher.js";
import { WorkBudget } from "../../host/compare/work-budget.js";
import { compareFirst, comparator, pair, response } from "./fixtures.js";

/** JSON text with every object's keys in reverse order (test inputs are small, so recursion is fine). */
function reversedKeys(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reversedKeys).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).reverse();
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reversedKeys(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function sortedKeys(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedKeys).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedKeys(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// Small key alphabet, so that two random documents share structure and differ in interesting ways.
const key = fc.constantFrom("a", "b", "c", "d");
const { tree: json } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, 1, 2.5, "x", "y"),
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.dictionary(key, tie("tree"), { maxKeys: 4 }),
  ),
}));

const options = (ignore: string[] = []) => ({
  ignore: new PathMatcher(ignore),
  unordered: new PathMatcher([]),
  numericTolerance: 0,
  maxDifferences: 10_000,
});

function diff(a: unknown, b: unknown, ignore: string[] = []) {
  const result = diffJson(a, b, options(ignore), new WorkBudget(1_000_000));
  if (!result.complete) throw new Error("budget exhausted on a small input");
  return result.differences;
}

describe("comparison properties", () => {
  it("a body compared with itself (re-serialised) matches", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const spaced = JSON.stringify(value, null, 2);
        expect(compareFirst(comparator(), pair(response(text), response(spaced))).outcome).toBe("match");
      }),
    );
  });

  it("key order never matters", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(compareFirst(comparator(), pair(response(JSON.stringify(value)), response(reversedKeys(value)))).outcome).toBe("match");
      }),
    );
  });

  const coverage: Record<string, RegExp> = {
    "$..a": /\.a(\.|\[|$)/,
    "$.b": /^\$\.b(\.|\[|$)/,
    "$.b[*].c": /^\$\.b\[\d+\]\.c(\.|\[|$)/,
    "$.*.a": /^\$(\.[a-d]|\[\d+\])\.a(\.|\[|$)/,
  };

  it("ignored paths never appear in a diff", () => {
    fc.assert(
      fc.property(json, json, fc.constantFrom(...Object.keys(coverage)), (a, b, pattern) => {
        for (const difference of diff(a, b, [pattern])) {
          expect(difference.path).not.toMatch(coverage[pattern] as RegExp);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a diff lists the same paths both ways, with added and removed swapped", () => {
    const swap: Record<string, string> = { added: "removed", removed: "added", changed: "changed", type: "type" };
    fc.assert(
      fc.property(json, json, (a, b) => {
        const forward = diff(a, b).map((d) => `${d.path} ${swap[d.kind]}`).sort();
        const backward = diff(b, a).map((d) => `${d.path} ${d.kind}`).sort();
        expect(backward).toEqual(forward);
      }),
      { numRuns: 500 },
    );
  });

  it("two values differ exactly when the diff is non-empty", () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const same = sortedKeys(a) === sortedKeys(b);
        expect(diff(a, b).length === 0).toBe(same);
      }),
      { numRuns: 500 },
    );
  });
});
