import type { PathMatcher, PathNode } from "../json-path/matcher.js";
import { formatPath, type PathSegment } from "../json-path/syntax.js";
import { preview, REDACTED_PREVIEW, type Difference } from "./difference.js";
import { canonicalJson } from "./json-canonical.js";
import { decimalOfDouble, ExactNumber, sameDecimal, withinTolerance, type Decimal } from "./json-number.js";
import type { WorkBudget } from "./work-budget.js";

export interface JsonDiffOptions {
  ignore: PathMatcher;
  unordered: PathMatcher;
  /** Numbers whose absolute difference is at most this (as the decimal its shortest text spells) are equal. */
  numericTolerance: number;
  /** Differences listed before the walk stops (the pair is a mismatch either way). */
  maxDifferences: number;
  /** Values whose previews read "[redacted]" (examples.redactBodyPaths): they may be secrets. */
  redact?: PathMatcher;
}

export type JsonDiffResult =
  | { complete: true; differences: Difference[]; differencesCapped: boolean }
  | { complete: false };

interface Frame {
  primary: unknown;
  shadow: unknown;
  parent: Frame | null;
  segment: PathSegment;
  ignore: PathNode;
  unordered: PathNode;
  /** An `unordered` pattern names exactly this place. */
  unorderedHere: boolean;
  /** Where redaction patterns stand; null once redacted, or without patterns. */
  redactNode: PathNode | null;
  /** A redaction pattern names this place or one above it. */
  redacted: boolean;
}

type JsonType = "null" | "array" | "object" | "string" | "number" | "boolean";

function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof ExactNumber) return "number";
  return typeof value as JsonType;
}

/** A number's exact value: a double from JSON.parse holds its text's value exactly (see json-number.ts). */
function decimal(value: number | ExactNumber): Decimal | null {
  return typeof value === "number" ? decimalOfDouble(value) : value.decimal;
}

function pathOf(frame: Frame): string {
  const segments: PathSegment[] = [];
  for (let f: Frame | null = frame; f !== null && f.parent !== null; f = f.parent) segments.push(f.segment);
  return formatPath(segments.reverse());
}

class Walk {
  readonly differences: Difference[] = [];
  readonly stack: Frame[] = [];
  private tolerance: Decimal | undefined;

  constructor(
    readonly options: JsonDiffOptions,
    readonly budget: WorkBudget,
  ) {}

  /** The frame for a child, or null when an ignore pattern covers it. */
  child(frame: Frame, segment: PathSegment, primary: unknown, shadow: unknown): Frame | null {
    const ignore = this.options.ignore.step(frame.ignore, segment);
    if (ignore.matched) return null;
    const unordered = this.options.unordered.step(frame.unordered, segment);
    let { redactNode, redacted } = frame;
    if (redactNode !== null) {
      const redact = (this.options.redact as PathMatcher).step(redactNode, segment);
      redacted = redact.matched;
      redactNode = redacted ? null : redact.node;
    }
    return { primary, shadow, parent: frame, segment, ignore: ignore.node, unordered: unordered.node, unorderedHere: unordered.matched, redactNode, redacted };
  }

  /** The ignore place of an element of an unordered array, or null when it is ignored. */
  elementIgnore(frame: Frame, index: number): PathNode | null {
    const ignore = this.options.ignore.step(frame.ignore, index);
    return ignore.matched ? null : ignore.node;
  }

  /** Whether two numbers are equal, exactly or within the tolerance. */
  sameNumber(p: number | ExactNumber, s: number | ExactNumber): boolean {
    if (typeof p === "number" && typeof s === "number" && p === s) return true;
    const a = decimal(p);
    const b = decimal(s);
    // A number too large to work with equals only the same text.
    if (a === null || b === null) return a === null && b === null && (p as ExactNumber).text === (s as ExactNumber).text;
    if (this.options.numericTolerance === 0) return sameDecimal(a, b);
    this.tolerance ??= decimalOfDouble(this.options.numericTolerance);
    return withinTolerance(a, b, this.tolerance);
  }

  /** Records a difference; true when the list is full and the walk should stop. */
  report(frame: Frame, kind: Difference["kind"], primary: unknown, shadow: unknown): boolean {
    const difference: Difference = { path: pathOf(frame), kind };
    if (primary !== undefined) difference.primary = frame.redacted ? REDACTED_PREVIEW : preview(primary);
    if (shadow !== undefined) difference.shadow = frame.redacted ? REDACTED_PREVIEW : preview(shadow);
    this.differences.push(difference);
    return this.differences.length >= this.options.maxDifferences;
  }

  /** Reports a value present on one side only, unless ignored; true when the list is full. */
  oneSided(frame: Frame, segment: PathSegment, primary: unknown, shadow: unknown): boolean {
    const extra = this.child(frame, segment, primary, shadow);
    return extra !== null && this.report(extra, primary === undefined ? "added" : "removed", primary, shadow);
  }
}

type Step = "continue" | "full" | "budget";

/**
 * Structural difference of two parsed JSON values. Iterative (an explicit stack, never recursion
 * on the input's depth) and bounded by `budget`, which is charged for every node before it is
 * stacked: a million-element array exhausts it at once instead of being walked.
 */
export function diffJson(primary: unknown, shadow: unknown, options: JsonDiffOptions, budget: WorkBudget): JsonDiffResult {
  // `$` among the ignore paths: nothing in the body is compared.
  if (options.ignore.matchesRoot) return { complete: true, differences: [], differencesCapped: false };
  const walk = new Walk(options, budget);
  const root: Frame = {
    primary,
    shadow,
    parent: null,
    segment: "",
    ignore: options.ignore.root,
    unordered: options.unordered.root,
    unorderedHere: options.unordered.matchesRoot,
    redactNode: options.redact === undefined || options.redact.isEmpty || options.redact.matchesRoot ? null : options.redact.root,
    redacted: options.redact?.matchesRoot ?? false,
  };
  if (!budget.spend(1)) return { complete: false };
  walk.stack.push(root);
  while (walk.stack.length > 0) {
    const step = visit(walk, walk.stack.pop() as Frame);
    if (step === "budget") return { complete: false };
    if (step === "full") break;
  }
  const full = walk.differences.length >= options.maxDifferences;
  walk.differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { complete: true, differences: walk.differences, differencesCapped: full };
}

function visit(walk: Walk, frame: Frame): Step {
  const p = frame.primary;
  const s = frame.shadow;
  const pType = jsonType(p);
  if (pType !== jsonType(s)) return walk.report(frame, "type", p, s) ? "full" : "continue";
  if (pType === "number") {
    return !walk.sameNumber(p as number | ExactNumber, s as number | ExactNumber) && walk.report(frame, "changed", p, s) ? "full" : "continue";
  }
  if (pType === "array") {
    return frame.unorderedHere
      ? visitUnordered(walk, frame, p as unknown[], s as unknown[])
      : visitArray(walk, frame, p as unknown[], s as unknown[]);
  }
  if (pType === "object") return visitObject(walk, frame, p as Record<string, unknown>, s as Record<string, unknown>);
  return p !== s && walk.report(frame, "changed", p, s) ? "full" : "continue";
}

function visitArray(walk: Walk, frame: Frame, primary: unknown[], shadow: unknown[]): Step {
  const common = Math.min(primary.length, shadow.length);
  if (!walk.budget.spend(Math.max(primary.length, shadow.length))) return "budget";
  for (let i = common; i < primary.length; i++) if (walk.oneSided(frame, i, primary[i], undefined)) return "full";
  for (let i = common; i < shadow.length; i++) if (walk.oneSided(frame, i, undefined, shadow[i])) return "full";
  for (let i = common - 1; i >= 0; i--) {
    const p = primary[i];
    const s = shadow[i];
    if (p === s && (p === null || typeof p !== "object")) continue; // equal leaf: nothing below it
    const next = walk.child(frame, i, p, s);
    if (next) walk.stack.push(next);
  }
  return "continue";
}

function visitObject(walk: Walk, frame: Frame, primary: Record<string, unknown>, shadow: Record<string, unknown>): Step {
  const primaryKeys = Object.keys(primary);
  const shadowKeys = Object.keys(shadow);
  if (!walk.budget.spend(Math.max(primaryKeys.length, shadowKeys.length))) return "budget";
  for (const key of shadowKeys) {
    if (!Object.hasOwn(primary, key) && walk.oneSided(frame, key, undefined, shadow[key])) return "full";
  }
  for (let i = primaryKeys.length - 1; i >= 0; i--) {
    const key = primaryKeys[i] as string;
    if (!Object.hasOwn(shadow, key)) {
      if (walk.oneSided(frame, key, primary[key], undefined)) return "full";
      continue;
    }
    const p = primary[key];
    const s = shadow[key];
    if (p === s && (p === null || typeof p !== "object")) continue; // equal leaf: nothing below it
    const next = walk.child(frame, key, p, s);
    if (next) walk.stack.push(next);
  }
  return "continue";
}

/** Compares two arrays as multisets of canonical element forms; leftovers are removed/added. */
function visitUnordered(walk: Walk, frame: Frame, primary: unknown[], shadow: unknown[]): Step {
  const { options, budget } = walk;
  const unmatched = new Map<string, { indices: number[]; used: number }>();
  for (let i = 0; i < primary.length; i++) {
    const ignore = walk.elementIgnore(frame, i);
    if (ignore === null) continue;
    const key = canonicalJson(primary[i], options.ignore, ignore, budget);
    if (key === null) return "budget";
    const entry = unmatched.get(key);
    if (entry) entry.indices.push(i);
    else unmatched.set(key, { indices: [i], used: 0 });
  }
  const added: number[] = [];
  for (let i = 0; i < shadow.length; i++) {
    const ignore = walk.elementIgnore(frame, i);
    if (ignore === null) continue;
    const key = canonicalJson(shadow[i], options.ignore, ignore, budget);
    if (key === null) return "budget";
    const entry = unmatched.get(key);
    if (entry && entry.used < entry.indices.length) entry.used++;
    else added.push(i);
  }
  for (const entry of unmatched.values()) {
    for (const i of entry.indices.slice(entry.used)) if (walk.oneSided(frame, i, primary[i], undefined)) return "full";
  }
  for (const i of added) if (walk.oneSided(frame, i, undefined, shadow[i])) return "full";
  return "continue";
}
