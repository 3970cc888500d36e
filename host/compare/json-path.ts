// A small JSONPath subset for naming parts of a JSON body in the configuration:
//   $.a.b           a child by name          $["a b"]   the same, for any key
//   $..key          `key` at any depth       $.items[*].key   any element (or any member)
// Paths are matched incrementally while a body is walked, one segment at a time, so matching never
// needs the whole path string and costs nothing for bodies where no pattern applies.

export type PathSegment = string | number;

type Step = { kind: "child"; name: string } | { kind: "any" } | { kind: "deep"; name: string };

export interface CompiledPaths {
  readonly patterns: readonly Step[][];
  /**
   * Keys named by `$..key` patterns, matched by a set lookup at every depth instead of through
   * the state machine (where such a pattern would stay active on every node of every body).
   */
  readonly anywhere: ReadonlySet<string>;
}

/** A pattern's progress: pattern index × 64 + steps matched so far. */
export type PathStates = readonly number[];

/** Set by `advance`: whether the segment completed a pattern. Reused to avoid an allocation per node. */
export interface MatchFlag {
  matched: boolean;
}

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

export function compilePaths(texts: readonly string[]): CompiledPaths {
  const patterns: Step[][] = [];
  const anywhere = new Set<string>();
  for (const text of texts) {
    const steps = parseJsonPath(text);
    if (typeof steps === "string") throw new Error(`${text}: ${steps}`);
    const only = steps[0];
    if (steps.length === 1 && only?.kind === "deep") anywhere.add(only.name);
    else patterns.push(steps);
  }
  return { patterns, anywhere };
}

const NO_STATES: PathStates = [];

export function initialStates(paths: CompiledPaths): PathStates {
  return paths.patterns.length === 0 ? NO_STATES : paths.patterns.map((_, index) => index * 64);
}

/**
 * The states after one more segment; `flag.matched` tells whether some pattern now matches the
 * path in full. Returns the same array when nothing changed, so quiet subtrees allocate nothing.
 */
export function advance(paths: CompiledPaths, states: PathStates, segment: PathSegment, flag: MatchFlag): PathStates {
  flag.matched = typeof segment === "string" && paths.anywhere.size > 0 && paths.anywhere.has(segment);
  if (states.length === 0) return NO_STATES;
  let next: number[] | undefined;
  for (let i = 0; i < states.length; i++) {
    const state = states[i] as number;
    const steps = paths.patterns[state >> 6] as Step[];
    const position = state & 63;
    const step = steps[position] as Step;
    const hit = step.kind === "any" || (typeof segment === "string" && step.name === segment);
    const stays = step.kind === "deep";
    if (hit && position + 1 === steps.length) flag.matched = true;
    const advanced = hit && position + 1 < steps.length;
    if (next === undefined && stays && !advanced) continue; // unchanged so far
    if (next === undefined) next = states.slice(0, i) as number[];
    if (stays) next.push(state);
    if (advanced) next.push(state + 1);
  }
  if (next === undefined) return states;
  return next.length === 0 ? NO_STATES : next;
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
