import type { PathMatcher, PathNode } from "../json-path/matcher.js";
import { ExactNumber } from "./json-number.js";
import type { WorkBudget } from "./work-budget.js";

interface Pending {
  value: unknown;
  ignore: PathNode;
}

/**
 * A canonical text for a JSON value (keys sorted, ignored paths left out), used to compare the
 * elements of unordered arrays as a multiset. Iterative; null when the budget runs out.
 */
export function canonicalJson(value: unknown, ignorePaths: PathMatcher, ignore: PathNode, budget: WorkBudget): string | null {
  let out = "";
  // The stack holds values to write and literal text (closing brackets, separators) as strings.
  const stack: Array<Pending | string> = [{ value, ignore }];
  while (stack.length > 0) {
    const item = stack.pop() as Pending | string;
    if (typeof item === "string") {
      out += item;
      continue;
    }
    if (!budget.spend(1)) return null;
    const v = item.value;
    if (Array.isArray(v)) {
      stack.push("]");
      for (let i = v.length - 1; i >= 0; i--) {
        const step = ignorePaths.step(item.ignore, i);
        stack.push(step.matched ? "null" : { value: v[i], ignore: step.node });
        if (i > 0) stack.push(",");
      }
      out += "[";
    } else if (v !== null && typeof v === "object" && !(v instanceof ExactNumber)) {
      const record = v as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      stack.push("}");
      let first = true;
      const parts: Array<Pending | string> = [];
      for (const key of keys) {
        const step = ignorePaths.step(item.ignore, key);
        if (step.matched) continue;
        parts.push((first ? "" : ",") + JSON.stringify(key) + ":", { value: record[key], ignore: step.node });
        first = false;
      }
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i] as Pending | string);
      out += "{";
    } else {
      out += v instanceof ExactNumber ? v.canonical() : JSON.stringify(v);
    }
  }
  return out;
}
