import type { CollectorConfig } from "../config/schema.js";
import type { CompareSettings } from "./compare-pair.js";
import { compilePaths } from "./json-path.js";
import { DEFAULT_COMPARE_LIMITS, type CompareLimits } from "./limits.js";

export function compareSettingsFrom(compare: CollectorConfig["compare"], limits: CompareLimits = DEFAULT_COMPARE_LIMITS): CompareSettings {
  return {
    headers: compare.headers,
    ignore: compilePaths(compare.ignorePaths),
    unordered: compilePaths(compare.unorderedArrays),
    numericTolerance: compare.numericTolerance,
    limits,
  };
}
