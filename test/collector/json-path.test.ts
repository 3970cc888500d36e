import { describe, expect, it } from "vitest";
import { PathMatcher } from "../../host/json-path/matcher.js";
import { formatPath, parseJsonPath, type PathSegment } from "../../host/json-path/syntax.js";

function matches(pattern: string, segments: PathSegment[]): boolean {
  const matcher = new PathMatcher([pattern]);
  let node = matcher.root;
  let matched = matcher.matchesRoot;
  for (const segment of segments) ({ node, matched } = matcher.step(node, segment));
  return matched;
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

  it("keeps one node per set of live steps, however deep a repeated name nests", () => {
    const matcher = new PathMatcher(["$..a..b"]);
    const nodes = new Set<unknown>();
    let node = matcher.root;
    for (let depth = 0; depth < 1000; depth++) {
      node = matcher.step(node, "a").node;
      nodes.add(node);
    }
    expect(nodes.size).toBe(1);
    expect(matcher.step(node, "b").matched).toBe(true);
  });

  it("names the whole body with `$`", () => {
    expect(new PathMatcher(["$"]).matchesRoot).toBe(true);
    expect(new PathMatcher(["$.a", "$..b"]).matchesRoot).toBe(false);
    expect(matches("$", ["a"])).toBe(false);
  });
});
