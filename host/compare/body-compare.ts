import { createHash } from "node:crypto";
import type { Difference } from "./difference.js";
import { diffJson, type JsonDiffOptions } from "./json-diff.js";
import { parseJsonBody } from "./json-parse.js";
import { jsonTextsEqualOutsideIgnored } from "./json-text-equal.js";
import { CONTAINER_WEIGHT, jsonCostAtMost } from "./json-size.js";
import type { BodyKind } from "./media-type.js";
import type { WorkBudget } from "./work-budget.js";

export type BodyComparison =
  | { conclusive: true; kind: BodyKind; differences: Difference[]; differencesCapped: boolean; primaryDigest?: string; shadowDigest?: string }
  | { conclusive: false; reason: "too_large" | "budget"; detail: string };

export interface BodyCompareOptions extends JsonDiffOptions {
  maxJsonBytes: number;
  maxNodes: number;
}

/** Compares two decoded bodies by kind. Identical bytes are equal whatever the kind. */
export function compareBodies(primary: Buffer, shadow: Buffer, kind: BodyKind, options: BodyCompareOptions, budget: WorkBudget): BodyComparison {
  if (primary.equals(shadow)) return { conclusive: true, kind, differences: [], differencesCapped: false };
  if (kind === "json") return compareJson(primary, shadow, options, budget);
  if (kind === "text") return compareText(primary, shadow);
  return {
    conclusive: true,
    kind,
    differences: [{ path: "$", kind: "changed", primary: `${primary.length} bytes`, shadow: `${shadow.length} bytes` }],
    differencesCapped: false,
    primaryDigest: sha256(primary),
    shadowDigest: sha256(shadow),
  };
}

function compareJson(primary: Buffer, shadow: Buffer, options: BodyCompareOptions, budget: WorkBudget): BodyComparison {
  const largest = Math.max(primary.length, shadow.length);
  if (largest > options.maxJsonBytes) {
    return { conclusive: false, reason: "too_large", detail: `JSON body of ${largest} bytes is over ${options.maxJsonBytes}` };
  }
  // Every value takes at least one byte, so small bodies cannot exceed the budget: skip the scan.
  const small = (primary.length + shadow.length) * CONTAINER_WEIGHT <= options.maxNodes;
  if (!small && jsonCostAtMost(primary, options.maxNodes) + jsonCostAtMost(shadow, options.maxNodes) > options.maxNodes) {
    return { conclusive: false, reason: "budget", detail: `JSON bodies are too large or deep to compare within ${options.maxNodes} steps` };
  }
  // Most differing bodies differ only in ignored values: settled on the texts, without parsing.
  if (jsonTextsEqualOutsideIgnored(primary, shadow, options.ignore)) return { conclusive: true, kind: "json", differences: [], differencesCapped: false };
  const p = parseJsonBody(primary);
  const s = parseJsonBody(shadow);
  if (!p.ok || !s.ok) {
    // Not JSON after all: the bytes differ, so the body differs as text. Text that is not JSON
    // cannot be redacted, so with redaction paths it is not shown either.
    const text = compareText(primary, shadow);
    const redacting = options.redact !== undefined && !options.redact.isEmpty;
    return { ...text, kind: "json", ...(redacting ? { differences: text.differences.map(withheld) } : {}) };
  }
  const result = diffJson(p.value, s.value, options, budget);
  if (!result.complete) return { conclusive: false, reason: "budget", detail: `JSON walk stopped after ${budget.spent} nodes` };
  return { conclusive: true, kind: "json", differences: result.differences, differencesCapped: result.differencesCapped };
}

const TEXT_PREVIEW_BYTES = 80;
const WITHHELD = "[withheld: not valid JSON, so it cannot be redacted]";

function withheld(difference: Difference): Difference {
  return { ...difference, primary: WITHHELD, shadow: WITHHELD };
}

function compareText(primary: Buffer, shadow: Buffer): BodyComparison & { conclusive: true } {
  const offset = firstDifference(primary, shadow);
  const around = (bytes: Buffer) => JSON.stringify(bytes.subarray(offset, offset + TEXT_PREVIEW_BYTES).toString("utf8"));
  return {
    conclusive: true,
    kind: "text",
    differences: [{ path: "$", kind: "changed", primary: `at byte ${offset}: ${around(primary)}`, shadow: `at byte ${offset}: ${around(shadow)}` }],
    differencesCapped: false,
  };
}

/** The first differing byte offset, found by halving with native comparisons (fast on 10 MiB). */
function firstDifference(primary: Buffer, shadow: Buffer): number {
  let low = 0;
  let high = Math.min(primary.length, shadow.length);
  while (high - low > 64) {
    const middle = (low + high) >>> 1;
    if (primary.subarray(low, middle).equals(shadow.subarray(low, middle))) low = middle;
    else high = middle;
  }
  while (low < high && primary[low] === shadow[low]) low++;
  return low;
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
