import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactJsonText } from "../../host/compare/json-redact.js";
import { PathMatcher } from "../../host/json-path/matcher.js";

const redact = (text: string, paths: string[]) => redactJsonText(Buffer.from(text), new PathMatcher(paths))?.toString() ?? null;

/** What redaction must give: the parsed value with every member named `secret` (at any depth) replaced. */
function expected(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expected);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, key === "secret" ? "[redacted]" : expected(member)]));
  }
  return value;
}

describe("redactJsonText", () => {
  it.each([
    ['{"a":1,"password":"hunter2"}', ["$..password"], '{"a":1,"password":"[redacted]"}'],
    ['{ "user" : { "token" : {"deep": [1, 2]} , "n": 12345678901234567890 } }', ["$..token"], '{ "user" : { "token" : "[redacted]" , "n": 12345678901234567890 } }'],
    ['[{"k":"a"},{"k":"b"}]', ["$[*].k"], '[{"k":"[redacted]"},{"k":"[redacted]"}]'],
    ['{"p\\u0061ssword":"x"}', ["$..password"], '{"p\\u0061ssword":"[redacted]"}'],
    ['{"a":{}, "b":[], "c":"password"}', ["$..password"], '{"a":{}, "b":[], "c":"password"}'],
    ['"whole"', ["$"], '"[redacted]"'],
  ])("%s with %j", (text, paths, result) => {
    expect(redact(text, paths)).toBe(result);
  });

  it.each(['{"password":"cut', '{"a":1', '{"a":1}}', "", "nul", '{"a":1} x'])("is null for %j, which is not one JSON value", (text) => {
    expect(redact(text, ["$..password"])).toBeNull();
  });

  it("keeps any JSON byte for byte where nothing is named, and replaces exactly the named values", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        expect(redact(text, ["$..nothing"])).toBe(text);
        const redacted = redact(text, ["$..secret"]);
        expect(redacted).not.toBeNull();
        expect(JSON.parse(redacted as string)).toEqual(expected(JSON.parse(text)));
      }),
      { numRuns: 500 },
    );
  });

  describe("a text cut short (prefix)", () => {
    const prefix = (text: string, paths: string[]) => redactJsonText(Buffer.from(text), new PathMatcher(paths), { prefix: true })?.toString();

    it.each([
      ['{"password":"cut', '{"password":'],
      ['{"a":1,"password":"hunter2","b":[1,2', '{"a":1,"password":"[redacted]","b":[1,2'],
      ['{"a":1,"passw', '{"a":1,'],
      ['{"password":{"deep":[1,', '{"password":'],
      ['{"a":1} x', '{"a":1}'],
      ["", ""],
    ])("%j keeps %j", (text, kept) => {
      expect(prefix(text, ["$..password"])).toBe(kept);
    });

    it("never keeps a byte of a named value, wherever the text is cut", () => {
      fc.assert(
        fc.property(fc.json({ maxDepth: 6 }), fc.nat(), (json, cutAt) => {
          // Every string in the document becomes a secret's value at some depth.
          const text = JSON.stringify({ secret: "SECRET-VALUE", doc: JSON.parse(json), nested: [{ secret: "SECRET-VALUE" }] });
          const cut = text.slice(0, cutAt % (text.length + 1));
          const kept = prefix(cut, ["$..secret"]) as string;
          expect(kept).not.toContain("SECRET");
          // What is kept is the start of the whole text redacted.
          expect((redact(text, ["$..secret"]) as string).startsWith(kept)).toBe(true);
        }),
      );
    });
  });
});
