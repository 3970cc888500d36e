import { brotliCompressSync, deflateRawSync, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compareFirst, comparator, gzipped, pair, response, type ComparatorOverrides } from "./fixtures.js";

describe("Comparator.compare", () => {
  const cases: {
    name: string;
    primary: ReturnType<typeof response>;
    shadow: ReturnType<typeof response> | null;
    options?: ComparatorOverrides;
    failure?: "timeout" | "reset" | "no_cluster" | "overflow";
    outcome: "match" | "mismatch" | "inconclusive";
    differences?: [string, string][];
    reason?: string;
  }[] = [
    { name: "identical JSON", primary: response('{"a":1}'), shadow: response('{"a":1}'), outcome: "match" },
    { name: "key order does not matter", primary: response('{"a":1,"b":2}'), shadow: response('{"b":2,"a":1}'), outcome: "match" },
    { name: "whitespace does not matter", primary: response('{"a": [1, 2]}'), shadow: response('{"a":[1,2]}'), outcome: "match" },
    { name: "changed value", primary: response('{"price":10}'), shadow: response('{"price":11}'), outcome: "mismatch", differences: [["$.price", "changed"]] },
    { name: "added key", primary: response('{"a":1}'), shadow: response('{"a":1,"b":2}'), outcome: "mismatch", differences: [["$.b", "added"]] },
    { name: "removed key", primary: response('{"a":1,"b":2}'), shadow: response('{"a":1}'), outcome: "mismatch", differences: [["$.b", "removed"]] },
    { name: "type change", primary: response('{"a":"1"}'), shadow: response('{"a":1}'), outcome: "mismatch", differences: [["$.a", "type"]] },
    { name: "null vs object is a type change", primary: response('{"a":null}'), shadow: response('{"a":{}}'), outcome: "mismatch", differences: [["$.a", "type"]] },
    {
      name: "arrays are ordered by default",
      primary: response('{"tags":["a","b"]}'),
      shadow: response('{"tags":["b","a"]}'),
      outcome: "mismatch",
      differences: [["$.tags[0]", "changed"], ["$.tags[1]", "changed"]],
    },
    { name: "unordered array path", primary: response('{"tags":["a","b","b"]}'), shadow: response('{"tags":["b","a","b"]}'), options: { unordered: ["$.tags"] }, outcome: "match" },
    {
      name: "unordered array with a different element",
      primary: response('{"tags":["a","b"]}'),
      shadow: response('{"tags":["b","c"]}'),
      options: { unordered: ["$.tags"] },
      outcome: "mismatch",
      differences: [["$.tags[0]", "removed"], ["$.tags[1]", "added"]],
    },
    {
      name: "unordered array of objects ignores key order and ignored paths",
      primary: response('{"items":[{"id":1,"at":5},{"id":2,"at":6}]}'),
      shadow: response('{"items":[{"at":9,"id":2},{"id":1,"at":7}]}'),
      options: { unordered: ["$.items"], ignore: ["$.items[*].at"] },
      outcome: "match",
    },
    { name: "longer array", primary: response("[1,2]"), shadow: response("[1,2,3]"), outcome: "mismatch", differences: [["$[2]", "added"]] },
    { name: "ignored top-level path", primary: response('{"a":1,"timestamp":1}'), shadow: response('{"a":1,"timestamp":2}'), options: { ignore: ["$.timestamp"] }, outcome: "match" },
    { name: "ignored key at any depth", primary: response('{"x":{"request_id":"a","y":[{"request_id":"b"}]}}'), shadow: response('{"x":{"request_id":"c","y":[{"request_id":"d"}]}}'), options: { ignore: ["$..request_id"] }, outcome: "match" },
    {
      name: "ignored key in every element",
      primary: response('{"items":[{"k":1,"generated_at":1},{"k":2,"generated_at":2}]}'),
      shadow: response('{"items":[{"k":1,"generated_at":3},{"k":2}]}'),
      options: { ignore: ["$.items[*].generated_at"] },
      outcome: "match",
    },
    { name: "ignored path present on one side only", primary: response('{"a":1}'), shadow: response('{"a":1,"timestamp":2}'), options: { ignore: ["$.timestamp"] }, outcome: "match" },
    { name: "numeric tolerance inside", primary: response('{"p":1.0}'), shadow: response('{"p":1.005}'), options: { numericTolerance: 0.01 }, outcome: "match" },
    { name: "numeric tolerance exceeded", primary: response('{"p":1.0}'), shadow: response('{"p":1.02}'), options: { numericTolerance: 0.01 }, outcome: "mismatch", differences: [["$.p", "changed"]] },
    { name: "1 and 1.0 are the same number", primary: response('{"p":1}'), shadow: response('{"p":1.0}'), outcome: "match" },
    // JSON numbers compare by their exact decimal value, whatever a double makes of them.
    { name: "20-digit integers one apart", primary: response('{"n":12345678901234567890}'), shadow: response('{"n":12345678901234567891}'), outcome: "mismatch", differences: [["$.n", "changed"]] },
    { name: "20-digit integers, key order differing", primary: response('{"a":1,"n":12345678901234567890}'), shadow: response('{"n":12345678901234567890,"a":1}'), outcome: "match" },
    { name: "1, 1.0, 1e0 and 10e-1", primary: response('[1,1.0,1e0,10e-1,100,-0]'), shadow: response('[1e0,10e-1,1,1.00,1E2,0]'), outcome: "match" },
    { name: "decimals past a double's precision", primary: response('{"x":0.10000000000000000001}'), shadow: response('{"x":0.1}'), outcome: "mismatch", differences: [["$.x", "changed"]] },
    { name: "doubles written shortest, 17 digits, keys reordered", primary: response('{"a":1,"x":0.30000000000000004}'), shadow: response('{"x":0.30000000000000004,"a":1}'), outcome: "match" },
    { name: "17 digits, one written past its double's shortest text", primary: response('{"x":0.30000000000000004}'), shadow: response('{"x":0.30000000000000005}'), outcome: "mismatch", differences: [["$.x", "changed"]] },
    { name: "tolerance exactly met by a 17-digit double", primary: response('{"p":0.30000000000000004}'), shadow: response('{"p":0.3}'), options: { numericTolerance: 4e-17 }, outcome: "match" },
    { name: "tolerance just missed by a 17-digit double", primary: response('{"p":0.30000000000000004}'), shadow: response('{"p":0.3}'), options: { numericTolerance: 3e-17 }, outcome: "mismatch", differences: [["$.p", "changed"]] },
    { name: "17 significant digits, equal", primary: response('{"x":0.10000000000000000}'), shadow: response('{"x":1e-1}'), outcome: "match" },
    { name: "an exponent too large to work with equals the same text only", primary: response('[1e99999999999999999999,2]'), shadow: response('[1e99999999999999999999,3]'), outcome: "mismatch", differences: [["$[1]", "changed"]] },
    { name: "exponents too large to work with, one apart", primary: response('[1e99999999999999999999]'), shadow: response('[1e99999999999999999998]'), outcome: "mismatch", differences: [["$[0]", "changed"]] },
    { name: "ignored values differ, a 20-digit number too", primary: response('{"n":12345678901234567890,"t":1}'), shadow: response('{"n":12345678901234567891,"t":2}'), options: { ignore: ["$.t"] }, outcome: "mismatch", differences: [["$.n", "changed"]] },
    { name: "tolerance exactly met (doubles say 1.1 - 1.0 > 0.1)", primary: response('{"p":1.0}'), shadow: response('{"p":1.1}'), options: { numericTolerance: 0.1 }, outcome: "match" },
    { name: "tolerance just exceeded", primary: response('{"p":1.0}'), shadow: response('{"p":1.1000000000000001}'), options: { numericTolerance: 0.1 }, outcome: "mismatch", differences: [["$.p", "changed"]] },
    { name: "tolerance on 20-digit integers", primary: response('{"n":12345678901234567890}'), shadow: response('{"n":12345678901234567891}'), options: { numericTolerance: 1 }, outcome: "match" },
    { name: "tolerance on 20-digit integers, exceeded", primary: response('{"n":12345678901234567890}'), shadow: response('{"n":12345678901234567892}'), options: { numericTolerance: 1 }, outcome: "mismatch", differences: [["$.n", "changed"]] },
    { name: "tolerance across 4000 decimal places", primary: response('{"n":1e-4000}'), shadow: response('{"n":0}'), options: { numericTolerance: 0.5 }, outcome: "match" },
    { name: "unordered arrays of exact numbers", primary: response('{"a":[12345678901234567890,1]}'), shadow: response('{"a":[1,12345678901234567891]}'), options: { unordered: ["$.a"] }, outcome: "mismatch" },
    { name: "unordered arrays, 1.0 and 1", primary: response('{"a":[1.0,12345678901234567890]}'), shadow: response('{"a":[12345678901234567890.0,1]}'), options: { unordered: ["$.a"] }, outcome: "match" },
    { name: "a member named __proto__ in a body read exactly", primary: response('{"__proto__":{"n":1e400}}'), shadow: response('{"__proto__":{"n":1e401}}'), outcome: "mismatch", differences: [['$.__proto__.n', "changed"]] },
    { name: "status differs", primary: response("{}"), shadow: response("{}", { status: 500 }), outcome: "mismatch" },
    {
      name: "configured header differs",
      primary: response("{}"),
      shadow: response("{}", { headers: [{ name: "content-type", value: "application/json" }, { name: "x-version", value: "2" }] }),
      options: { headers: ["content-type", "x-version"] },
      outcome: "mismatch",
    },
    { name: "text compared exactly", primary: response("hello", {}, "text/plain"), shadow: response("hello!", {}, "text/plain"), outcome: "mismatch", differences: [["$", "changed"]] },
    { name: "binary by digest", primary: response(Buffer.from([1, 2, 3]), {}, "image/png"), shadow: response(Buffer.from([1, 2, 4]), {}, "image/png"), outcome: "mismatch", differences: [["$", "changed"]] },
    { name: "binary equal", primary: response(Buffer.from([1, 2, 3]), {}, "image/png"), shadow: response(Buffer.from([1, 2, 3]), {}, "image/png"), outcome: "match" },
    { name: "invalid JSON on one side differs as text", primary: response('{"a":1}'), shadow: response("{oops"), outcome: "mismatch", differences: [["$", "changed"]] },
    {
      name: "gzip on one side, identity on the other",
      primary: response('{"a":1,"b":[1,2]}'),
      shadow: response(gzipped('{"b":[1,2],"a":1}'), { headers: [{ name: "content-type", value: "application/json" }, { name: "content-encoding", value: "gzip" }] }),
      outcome: "match",
    },
    {
      name: "deflate (zlib) and br",
      primary: response(deflateSync('{"a":1}'), { headers: [{ name: "content-type", value: "application/json" }, { name: "content-encoding", value: "deflate" }] }),
      shadow: response(brotliCompressSync('{"a":2}'), { headers: [{ name: "content-type", value: "application/json" }, { name: "content-encoding", value: "br" }] }),
      outcome: "mismatch",
      differences: [["$.a", "changed"]],
    },
    {
      name: "raw deflate",
      primary: response(deflateRawSync('{"a":1}'), { headers: [{ name: "content-type", value: "application/json" }, { name: "content-encoding", value: "deflate" }] }),
      shadow: response('{"a":1}'),
      outcome: "match",
    },
    {
      name: "undecodable gzip",
      primary: response(Buffer.from("not gzip"), { headers: [{ name: "content-type", value: "application/json" }, { name: "content-encoding", value: "gzip" }] }),
      shadow: response('{"a":1}'),
      outcome: "inconclusive",
      reason: "undecodable",
    },
    {
      name: "unknown content-encoding",
      primary: response('{"a":1}', { headers: [{ name: "content-type", value: "application/json" }, { name: "content-encoding", value: "zstd" }] }),
      shadow: response('{"a":1}'),
      outcome: "inconclusive",
      reason: "undecodable",
    },
    { name: "truncated identical bodies are not a match", primary: response('{"a":1', { truncated: true, bodySize: 100 }), shadow: response('{"a":1', { truncated: true, bodySize: 100 }), outcome: "inconclusive", reason: "truncated" },
    { name: "truncated shadow", primary: response('{"a":1}'), shadow: response('{"a"', { truncated: true, bodySize: 7 }), outcome: "inconclusive", reason: "truncated" },
    { name: "truncated but the status differs", primary: response('{"a":1}'), shadow: response('{"a"', { truncated: true, bodySize: 7, status: 503 }), outcome: "mismatch" },
    { name: "shadow timeout", primary: response("{}"), shadow: null, failure: "timeout", outcome: "mismatch" },
    { name: "shadow reset", primary: response("{}"), shadow: null, failure: "reset", outcome: "mismatch" },
    { name: "`$` among the ignore paths: the whole JSON body is ignored", primary: response('{"a":1,"b":[1]}'), shadow: response('{"a":2}'), options: { ignore: ["$"] }, outcome: "match" },
    {
      name: "`$` among the ignore paths still needs JSON on both sides",
      primary: response('{"a":1}'),
      shadow: response('{"a":'),
      options: { ignore: ["$"] },
      outcome: "mismatch",
      differences: [["$", "changed"]],
    },
    {
      name: "`$` as an unordered array, on objects: compared as usual",
      primary: response('{"a":{"b":1}}'),
      shadow: response('{"a":{"b":2}}'),
      options: { unordered: ["$"] },
      outcome: "mismatch",
      differences: [["$.a.b", "changed"]],
    },
  ];

  it.each(cases)("$name", ({ primary, shadow, options, failure, outcome, differences, reason }) => {
    const result = compareFirst(comparator(options), pair(primary, shadow, {}, failure ?? null));
    expect(result.outcome).toBe(outcome);
    if (differences) expect(result.body?.differences.map((d) => [d.path, d.kind])).toEqual(differences);
    if (reason) expect(result.inconclusive?.reason).toBe(reason);
    if (failure) expect(result.shadowFailure).toBe(failure);
  });

  it("reports the status and header differences and the latency ratio", () => {
    const result = compareFirst(
      comparator(),
      pair(response("{}", { latencyNanos: 1_000_000 }), response("{}", { status: 404, latencyNanos: 3_000_000, headers: [{ name: "content-type", value: "text/html" }] })),
    );
    expect(result.status).toEqual({ primary: 200, shadow: 404 });
    expect(result.headers).toEqual([{ name: "content-type", primary: "application/json", shadow: "text/html" }]);
    expect(result.latencyRatio).toBeCloseTo(3);
  });

  it("identical compressed bytes match without being decoded", () => {
    const encoded = { headers: [{ name: "content-type", value: "application/json" }, { name: "content-encoding", value: "gzip" }] };
    const bomb = gzipped("0".repeat(64 * 1024 * 1024));
    expect(compareFirst(comparator(), pair(response(bomb, encoded), response(bomb, encoded))).outcome).toBe("match");
  });

  it("previews the values that differ", () => {
    const result = compareFirst(comparator(), pair(response('{"name":"old"}'), response('{"name":"new"}')));
    expect(result.body?.differences).toEqual([{ path: "$.name", kind: "changed", primary: '"old"', shadow: '"new"' }]);
  });

  it("names keys that are not identifiers in brackets", () => {
    const result = compareFirst(comparator(), pair(response('{"a b":{"c.d":1}}'), response('{"a b":{"c.d":2}}')));
    expect(result.body?.differences.map((d) => d.path)).toEqual(['$["a b"]["c.d"]']);
  });

  it("a gzip bomb is too large, not a stall", () => {
    const encoded = { headers: [{ name: "content-type", value: "application/json" }, { name: "content-encoding", value: "gzip" }] };
    const primary = response(gzipped("0".repeat(64 * 1024 * 1024)), encoded);
    const shadow = response(gzipped("1".repeat(64 * 1024 * 1024)), encoded);
    const started = performance.now();
    const result = compareFirst(comparator(), pair(primary, shadow));
    expect(performance.now() - started).toBeLessThan(200);
    expect(result.outcome).toBe("inconclusive");
    expect(result.inconclusive?.reason).toBe("too_large");
  });
});
