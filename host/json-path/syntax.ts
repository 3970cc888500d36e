// A small JSONPath subset for naming parts of a JSON body in the configuration:
//   $.a.b           a child by name          $["a b"]   the same, for any key
//   $..key          `key` at any depth       $.items[*].key   any element (or any member)
// This file is the language: what a pattern may say, and how a path is written in a difference.
// matcher.ts runs patterns against bodies.

export type PathSegment = string | number;

/** One step of a pattern: a child by name, any child, or a name at any depth below. */
export type Step = { kind: "child"; name: string } | { kind: "any" } | { kind: "deep"; name: string };

const MAX_STEPS = 63;
export const PATH_SYNTAX = "a path like $.a.b, $..key, $.items[*].key or $[\"a b\"]";

/** Parses one pattern, or returns an error message naming the rule it breaks. */
export function parseJsonPath(text: string): Step[] | string {
  if (!text.startsWith("$")) return `must be ${PATH_SYNTAX} (starting with $)`;
  const steps: Step[] = [];
  let i = 1;
  const name = /^[A-Za-z0-9_\-$@]+/;
  while (i < text.length) {
    const rest = text.slice(i);
    if (rest.startsWith("..")) {
      const match = name.exec(rest.slice(2));
      if (!match) return `must be ${PATH_SYNTAX}: expected a name after ".." at character ${i + 2}`;
      steps.push({ kind: "deep", name: match[0] });
      i += 2 + match[0].length;
    } else if (rest.startsWith(".*")) {
      steps.push({ kind: "any" });
      i += 2;
    } else if (rest.startsWith(".")) {
      const match = name.exec(rest.slice(1));
      if (!match) return `must be ${PATH_SYNTAX}: expected a name after "." at character ${i + 1}`;
      steps.push({ kind: "child", name: match[0] });
      i += 1 + match[0].length;
    } else if (rest.startsWith("[*]")) {
      steps.push({ kind: "any" });
      i += 3;
    } else if (rest.startsWith('["') || rest.startsWith("['")) {
      const quote = rest[1] as string;
      const close = rest.indexOf(quote + "]", 2);
      if (close < 0) return `must be ${PATH_SYNTAX}: unclosed [${quote} at character ${i}`;
      steps.push({ kind: "child", name: rest.slice(2, close) });
      i += close + 2;
    } else {
      return `must be ${PATH_SYNTAX}: unexpected "${rest[0]}" at character ${i}`;
    }
  }
  if (steps.length > MAX_STEPS) return `must have at most ${MAX_STEPS} steps`;
  return steps;
}

/** Formats a path the way differences report it: `$.a.b`, `$.items[3]`, `$["a b"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = "$";
  for (const segment of segments) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (/^[A-Za-z_$@][A-Za-z0-9_\-$@]*$/.test(segment)) text += `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
