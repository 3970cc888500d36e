import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffJson } from "../../host/compare/json-diff.js";
import { PathMatcher } from "../../host/json-path/matcher.js";
import { jsonTextsEqualOutsideIgnored } from "../../host/compare/json-text-equal.js";
import { WorkBudget } from "../../host/compare/work-budget.js";

const equalOutside = (primary: string, shadow: string, ignore: readonly string[]) =>
  jsonTextsEqualOutsideIgnored(Buffer.from(primary), Buffer.from(shadow), new PathMatcher(ignore));

function differences(a: unknown, b: unknown, ignore: readonly string[]) {
  const options = { ignore: new PathMatcher(ignore), unordered: new PathMatcher([]), numericTolerance: 0, maxDifferences: 10_000 };
  const result = diffJson(a, b, options, new WorkBudget(1_000_000));
  if (!result.complete) throw new Error("budget exhausted on a small input");
  return result.differences;
}

/** `value` with every member named `key`, at any depth, set to `replacement`. */
function replaceMembers(value: unknown, key: string, replacement: unknown): unknown {
  if (Array.isArray(value)) return value.map((element) => replaceMembers(element, key, replacement));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === key ? replacement : replaceMembers(v, key, replacement)]));
  }
  return value;
}

const key = fc.constantFrom("a", "b", "c", "d");
const { tree: json } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, 1, -2.5, 1e21, "x", "y", "é\n\u0001"),
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.dictionary(key, tie("tree"), { maxKeys: 4 }),
  ),
}));
const patterns = fc.constantFrom(["$..a"], ["$.b"], ["$.b[*].c"], ["$.*.a"], ["$..a", "$.b"], ["$.c.d", "$..b"], []);
const layout = fc.constantFrom<(value: unknown) => string>(
  (value) => JSON.stringify(value),
  (value) => JSON.stringify(value, null, 2),
  (value) => JSON.stringify(value, null, "\t"),
);

describe("JSON texts equal outside ignored values", () => {
  it("never calls texts equal when the structural diff finds a difference", () => {
    fc.assert(
      fc.property(json, json, patterns, layout, layout, (a, b, ignore, writeA, writeB) => {
        if (equalOutside(writeA(a), writeB(b), ignore)) expect(differences(a, b, ignore)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it("settles bodies that differ only in an ignored member, whatever its new value and the layout", () => {
    fc.assert(
      fc.property(json, json, layout, layout, (a, replacement, writeA, writeB) => {
        const b = replaceMembers(a, "a", replacement);
        expect(equalOutside(writeA(a), writeB(b), ["$..a"])).toBe(true);
        expect(differences(a, b, ["$..a"])).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves a difference in a member that is not ignored to the structural diff", () => {
    fc.assert(
      fc.property(json, json, (a, replacement) => {
        const b = replaceMembers(a, "b", replacement);
        if (differences(a, b, ["$..a"]).length > 0) expect(equalOutside(JSON.stringify(a), JSON.stringify(b), ["$..a"])).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  const settled: [string, string, string, string[]][] = [
    ["ignored values of other types and lengths", '{"t":1,"x":[1,2]}', '{"t":{"deep":[true,null,"s"]},"x":[1,2]}', ["$.t"]],
    ["whitespace around every token", '{"a":[1,2],"b":"c"}', ' {\n "a" : [ 1 , 2 ] ,\r\n\t"b":"c" } ', []],
    ["a key spelled with an escape still matches its ignore path", '{"time\\u0073tamp":1,"x":2}', '{"time\\u0073tamp":5,"x":2}', ["$.timestamp"]],
    ["ignored elements under [*]", '{"items":[{"id":1,"at":5},{"id":2,"at":6}]}', '{"items":[{"id":1,"at":7},{"id":2,"at":"x"}]}', ["$.items[*].at"]],
    ["non-ASCII keys and strings", '{"prix €":"été","n":1}', '{"prix €":"été","n":2}', ["$.n"]],
  ];
  it.each(settled)("settles %s", (_name, primary, shadow, ignore) => {
    expect(equalOutside(primary, shadow, ignore)).toBe(true);
  });

  const unsettled: [string, string, string, string[]][] = [
    ["a changed value outside the ignored paths", '{"t":1,"x":1}', '{"t":2,"x":2}', ["$.t"]],
    ["another key order", '{"a":1,"b":2}', '{"b":2,"a":1}', []],
    ["the same number written otherwise", '{"a":1}', '{"a":1.0}', []],
    ["a number that continues on one side", "[1]", "[12]", []],
    ["an ignored member present on one side only", '{"t":1,"x":1}', '{"x":1}', ["$.t"]],
    ["an ignored value that is not valid JSON", '{"t":1,"x":1}', '{"t":[1,],"x":1}', ["$.t"]],
    ["invalid JSON on both sides, same outside the ignored value", '{"t":1,"x":01}', '{"t":2,"x":01}', ["$.t"]],
    ["trailing text", '{"t":1} x', '{"t":2} x', ["$.t"]],
    ["a trailing comma", '{"t":1,"x":[1,2,]}', '{"t":2,"x":[1,2,]}', ["$.t"]],
    ["a byte-order mark", '\ufeff{"t":1}', '\ufeff{"t":2}', ["$.t"]],
    ["a control character in a string", '{"t":1,"x":"a\u0001"}', '{"t":2,"x":"a\u0001"}', ["$.t"]],
    ["an unknown escape", '{"t":1,"x":"\\q"}', '{"t":2,"x":"\\q"}', ["$.t"]],
    ["a cut text", '{"t":1,"x":"abc', '{"t":2,"x":"abc', ["$.t"]],
    ["empty bodies", "", "", []],
    ["a literal that goes on", '{"t":1,"x":truex}', '{"t":2,"x":truex}', ["$.t"]],
  ];
  it.each(unsettled)("leaves %s to the structural diff", (_name, primary, shadow, ignore) => {
    expect(equalOutside(primary, shadow, ignore)).toBe(false);
  });
});
