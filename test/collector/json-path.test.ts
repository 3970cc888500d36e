import { describe, expect, it } from "vitest";
import { advance, compilePaths, formatPath, initialStates, parseJsonPath, type PathSegment } from "../../host/compare/json-path.js";

function matches(pattern: string, segments: PathSegment[]): boolean {
  const paths = compilePaths([pattern]);
  let states = initialStates(paths);
  const flag = { matched: false };
  for (const segment of segments) states = advance(paths, states, segment, flag);
  return flag.matched;
}

describe("JSON path patterns", () => {
  it.each([
    ["$.a.b", ["a", "b"], true],
    ["$.a.b", ["a", "c"], false],
    ["$.a.b", ["a"], false],
    ["$..request_id", ["request_id"], true],
    ["$..request_id", ["x", 3, "request_id"], true],
    ["$..request_id", ["x", "request_idx"], false],
    ["$.items[*].generated_at", ["items", 0, "generated_at"], true],
    ["$.items[*].generated_at", ["items", 12, "generated_at"], true],
    ["$.items[*].generated_at", ["items", "generated_at"], false],
    ['$["a b"].c', ["a b", "c"], true],
    ["$['x.y']", ["x.y"], true],
    ["$.*.id", ["anything", "id"], true],
    ["$..a.b", ["z", "a", "b"], true],
    ["$..a.b", ["a", "x", "a", "b"], true],
    ["$.x..id", ["x", 1, "y", "id"], true],
    ["$.x..id", ["y", "id"], false],
  ] as [string, PathSegment[], boolean][])("%s against %j is %s", (pattern, segments, expected) => {
    expect(matches(pattern, segments)).toBe(expected);
  });

  it.each([
    ["a.b", "must be a path like $.a.b, $..key, $.items[*].key or $[\"a b\"] (starting with $)"],
    ["$.", 'must be a path like $.a.b, $..key, $.items[*].key or $["a b"]: expected a name after "." at character 2'],
    ["$..", 'must be a path like $.a.b, $..key, $.items[*].key or $["a b"]: expected a name after ".." at character 3'],
    ["$.a[0]", 'must be a path like $.a.b, $..key, $.items[*].key or $["a b"]: unexpected "[" at character 3'],
    ['$["a', 'must be a path like $.a.b, $..key, $.items[*].key or $["a b"]: unclosed [" at character 1'],
  ])("refuses %s", (pattern, message) => {
    expect(parseJsonPath(pattern)).toBe(message);
  });

  it("formats paths as differences report them", () => {
    expect(formatPath(["items", 3, "price"])).toBe("$.items[3].price");
    expect(formatPath(["a b", "1x"])).toBe('$["a b"]["1x"]');
    expect(formatPath([])).toBe("$");
  });
});
