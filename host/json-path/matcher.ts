import { parseJsonPath, type PathSegment, type Step } from "./syntax.js";

// Patterns are matched while a body is walked, one segment at a time, so matching never needs the
// whole path string. The matcher is an automaton built as bodies need it: a node is one set of
// live pattern steps, and each node keeps its outgoing edges, so a transition is worked out once
// and then only looked up. Keys that no pattern names all behave alike and share one edge, so
// the automaton stays finite whatever the bodies: at most one node per distinct set of live steps.

/** One place in a body as the patterns see it. */
export class PathNode {
  /** Edges by the names patterns use. */
  readonly named = new Map<string, PathStep>();
  /** The edge for every array index and every key no pattern names. */
  other: PathStep | undefined;

  constructor(
    /** Live steps, sorted and distinct: pattern index × 64 + steps matched so far. */
    readonly live: readonly number[],
  ) {}
}

export interface PathStep {
  /** Where matching stands at the place the segment leads to. */
  readonly node: PathNode;
  /** Some pattern names exactly that place. */
  readonly matched: boolean;
}

interface Name {
  bytes: Buffer;
  name: string;
}

/** A set of compiled JSON path patterns (ignorePaths, unorderedArrays) with its transition table. */
export class PathMatcher {
  readonly root: PathNode;
  /** Some pattern is `$`: it names the whole body. */
  readonly matchesRoot: boolean;
  /** No pattern at all: nothing is ever matched. */
  readonly isEmpty: boolean;
  private readonly patterns: Step[][] = [];
  /** Names that `$..name` patterns match at any depth: a set lookup, not a step kept live everywhere. */
  private readonly anywhere = new Set<string>();
  /** Every name a pattern uses; any other key acts like every other. */
  private readonly names = new Set<string>();
  /** The names as UTF-8 bytes, by byte length, to recognise a key in a body without decoding it. */
  private readonly namesByLength: (Name[] | undefined)[] = [];
  private readonly nodes = new Map<string, PathNode>();

  /** Throws an Error naming the pattern and the rule it breaks. */
  constructor(texts: readonly string[]) {
    this.isEmpty = texts.length === 0;
    let matchesRoot = false;
    for (const text of texts) {
      const steps = parseJsonPath(text);
      if (typeof steps === "string") throw new Error(`${text}: ${steps}`);
      const only = steps[0];
      if (steps.length === 0) matchesRoot = true;
      else if (steps.length === 1 && only?.kind === "deep") this.anywhere.add(only.name);
      else this.patterns.push(steps);
      for (const step of steps) if (step.kind !== "any") this.names.add(step.name);
    }
    this.matchesRoot = matchesRoot;
    for (const name of this.names) {
      const bytes = Buffer.from(name);
      (this.namesByLength[bytes.length] ??= []).push({ bytes, name });
    }
    this.root = this.nodeFor(this.patterns.map((_, index) => index * 64));
  }

  /** Follows one segment (a key or an array index) from `node`. */
  step(node: PathNode, segment: PathSegment): PathStep {
    if (typeof segment === "string" && this.names.has(segment)) return node.named.get(segment) ?? this.follow(node, segment);
    return node.other ?? this.follow(node, undefined);
  }

  /** Follows the key spelled by the UTF-8 bytes [start, end), which must hold no escape. */
  stepBytes(node: PathNode, bytes: Buffer, start: number, end: number): PathStep {
    const name = this.nameAt(bytes, start, end);
    if (name === undefined) return node.other ?? this.follow(node, undefined);
    return node.named.get(name) ?? this.follow(node, name);
  }

  private nameAt(bytes: Buffer, start: number, end: number): string | undefined {
    const candidates = this.namesByLength[end - start];
    if (candidates === undefined) return undefined;
    search: for (const { bytes: nameBytes, name } of candidates) {
      for (let k = 0; k < nameBytes.length; k++) if (nameBytes[k] !== bytes[start + k]) continue search;
      return name;
    }
    return undefined;
  }

  /** Works out and records the edge from `node` for `name` (undefined: any key no pattern names, or an index). */
  private follow(node: PathNode, name: string | undefined): PathStep {
    let matched = name !== undefined && this.anywhere.has(name);
    const live: number[] = [];
    for (const state of node.live) {
      const steps = this.patterns[state >> 6] as Step[];
      const position = state & 63;
      const step = steps[position] as Step;
      if (step.kind === "deep") live.push(state);
      if (step.kind === "any" || (name !== undefined && step.name === name)) {
        if (position + 1 === steps.length) matched = true;
        else live.push(state + 1);
      }
    }
    const edge: PathStep = { node: this.nodeFor(live), matched };
    if (name === undefined) node.other = edge;
    else node.named.set(name, edge);
    return edge;
  }

  private nodeFor(live: number[]): PathNode {
    const distinct = [...new Set(live)].sort((a, b) => a - b);
    const key = distinct.join(",");
    let node = this.nodes.get(key);
    if (node === undefined) {
      node = new PathNode(distinct);
      this.nodes.set(key, node);
    }
    return node;
  }
}
