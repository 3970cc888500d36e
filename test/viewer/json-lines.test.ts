import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { childPath, JsonLayoutError, layoutJson } from "../../viewer/src/json-lines.js";
import { compareFirst, comparator, pair, response } from "../collector/fixtures.js";

const text = (layout: ReturnType<typeof layoutJson>) => layout.lines.map((line) => "  ".repeat(line.depth) + line.tokens.map((t) => t.text).join("")).join("\n");

describe("layoutJson", () => {
  it("pretty-prints with each value's lines under its path, written as the collector writes paths", () => {
    const layout = layoutJson('{"id":42,"a b":{"x":[1,{"y":null}]},"e":[],"o":{}}');
    expect(text(layout)).toBe(
      ['{', '  "id": 42,', '  "a b": {', '    "x": [', "      1,", "      {", '        "y": null', "      }", "    ]", "  },", '  "e": [],', '  "o": {}', "}"].join("\n"),
    );
    expect(Object.fromEntries(layout.spans)).toEqual({
      $: { first: 0, last: 12 },
      "$.id": { first: 1, last: 1 },
      '$["a b"]': { first: 2, last: 9 },
      '$["a b"].x': { first: 3, last: 8 },
      '$["a b"].x[0]': { first: 4, last: 4 },
      '$["a b"].x[1]': { first: 5, last: 7 },
      '$["a b"].x[1].y': { first: 6, last: 6 },
      "$.e": { first: 10, last: 10 },
      "$.o": { first: 11, last: 11 },
    });
  });

  it("keeps numbers and strings exactly as the body wrote them", () => {
    const layout = layoutJson('{"big":12345678901234567890,"f":1.0,"e":1E+2,"s":"caf\\u00e9 \\"q\\""}');
    const values = layout.lines.flatMap((line) => line.tokens.filter((t) => t.kind === "number" || t.kind === "string").map((t) => t.text));
    expect(values).toEqual(["12345678901234567890", "1.0", "1E+2", '"caf\\u00e9 \\"q\\""']);
  });

  it("a duplicate key names its last member, as JSON.parse (and so the collector) reads it", () => {
    const layout = layoutJson('{"a":1,"a":2}');
    expect(layout.spans.get("$.a")).toEqual({ first: 2, last: 2 });
  });

  it("a top-level scalar is the path $", () => {
    expect(Object.fromEntries(layoutJson(' "x" ').spans)).toEqual({ $: { first: 0, last: 0 } });
  });

  it.each([
    ['{"a":1', "not valid JSON: expected \",\" or \"}\" at the end"],
    ['{"a":"cut', "not valid JSON: unterminated string at character 6"],
    ["{a:1}", "not valid JSON: expected a member name in double quotes at character 2"],
    ["[1,]", "not valid JSON: expected a value at character 4"],
    ['"\\x"', "not valid JSON: bad escape in a string at character 2"],
    ['"a\nb"', "not valid JSON: control character in a string at character 3"],
    ["[1] 2", "not valid JSON: unexpected text after the value at character 5"],
    ["NaN", "not valid JSON: expected a value at character 1"],
    ["", "not valid JSON: expected a value at the end"],
  ])("refuses %j: %s", (input, message) => {
    expect(() => layoutJson(input)).toThrow(new JsonLayoutError(message));
  });

  it("refuses nesting past its depth and documents past its value count, instead of overflowing the stack", () => {
    expect(() => layoutJson("[".repeat(100_000) + "]".repeat(100_000))).toThrow(new JsonLayoutError("nested deeper than 200 levels"));
    expect(() => layoutJson(`[${"0,".repeat(100_000)}0]`)).toThrow(new JsonLayoutError("more than 100000 values"));
    expect(layoutJson("[".repeat(200) + "]".repeat(200)).lines).toHaveLength(399);
  });

  it("scans a cut 1 MB string in linear time (no regular-expression backtracking)", () => {
    expect(() => layoutJson(`{"a":"${"x\\n".repeat(500_000)}`)).toThrow(/unterminated string/);
  });

  it("childPath writes segments exactly as the collector's formatPath", () => {
    expect(childPath("$", "a")).toBe("$.a");
    expect(childPath("$", 3)).toBe("$[3]");
    expect(childPath("$.a", "b c")).toBe('$.a["b c"]');
    expect(childPath("$", '"]<script>')).toBe('$["\\"]<script>"]');
  });
});

// Both sides' layouts hold every path the collector reports for that side, for any two documents:
// the page can highlight each difference where it is.
const key = fc.constantFrom("a", "b", "c d", "é", "0", "__proto__", "$x");
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, 1, 2.5, -1e21, "x", "y", ""),
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.dictionary(key, tie("tree"), { maxKeys: 4 }),
  ),
}));

describe("layoutJson and the collector's differences", () => {
  it("every difference's path is laid out on each side that has it", () => {
    const compare = comparator();
    fc.assert(
      fc.property(tree, tree, (p, s) => {
        const primaryText = JSON.stringify(p);
        const shadowText = JSON.stringify(s);
        const comparison = compareFirst(compare, pair(response(primaryText), response(shadowText)));
        const primary = layoutJson(primaryText);
        const shadow = layoutJson(shadowText);
        for (const difference of comparison.body?.differences ?? []) {
          if (difference.kind !== "added") expect(primary.spans.has(difference.path), `${difference.kind} ${difference.path} in ${primaryText}`).toBe(true);
          if (difference.kind !== "removed") expect(shadow.spans.has(difference.path), `${difference.kind} ${difference.path} in ${shadowText}`).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
