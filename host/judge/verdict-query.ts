// The verdict's settings from a query string (GET /api/verdict, the page's address), named like
// `shadowdiff verdict`'s flags. Every parameter optional, none twice, none unknown: a misspelt
// threshold must not silently become the default.
import { checkThresholds } from "./verdict.js";
import { DEFAULT_THRESHOLDS, type Thresholds } from "./line-judgement.js";

const NUMERIC = {
  confidence: "confidence",
  "min-match-ratio": "minMatchRatio",
  "max-latency-ratio": "maxLatencyRatio",
  "min-pairs": "minPairs",
} as const satisfies Record<string, keyof Thresholds>;

/** As the capture contract names targets. */
export const TARGET_NAME = /^[a-z0-9_-]{1,32}$/;

export interface VerdictQuery {
  thresholds: Thresholds;
  target?: string;
}

/** The settings, or the problems, each naming its parameter and rule. */
export function verdictQuery(search: URLSearchParams): VerdictQuery | { problems: string[] } {
  const problems: string[] = [];
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS };
  let target: string | undefined;
  const seen = new Set<string>();
  for (const [name, value] of search) {
    const shown = JSON.stringify(name.slice(0, 40));
    if (seen.has(name)) {
      problems.push(`${shown} is given more than once`);
      continue;
    }
    seen.add(name);
    if (name === "target") {
      if (TARGET_NAME.test(value)) target = value;
      else problems.push(`target must be a target name: 1 to 32 characters of [a-z0-9_-], got ${JSON.stringify(value.slice(0, 40))}`);
    } else if (name in NUMERIC) {
      // Decimal digits only: Number() would also take "", " 1", "0x10", "1e3" and "Infinity".
      if (!/^[0-9]{1,12}(\.[0-9]{1,12})?$/.test(value)) problems.push(`${name} must be a decimal number, not ${JSON.stringify(value.slice(0, 40))}`);
      else thresholds[NUMERIC[name as keyof typeof NUMERIC]] = Number(value);
    } else {
      problems.push(`${shown} is not a parameter (known: target, ${Object.keys(NUMERIC).join(", ")})`);
    }
  }
  if (problems.length === 0) for (const problem of checkThresholds(thresholds)) problems.push(problem.replace(/^--/, ""));
  if (problems.length > 0) return { problems };
  return { thresholds, ...(target === undefined ? {} : { target }) };
}

/** The query string that asks /api/verdict for these settings (only what differs from the defaults). */
export function verdictSearch(thresholds: Thresholds, target?: string): URLSearchParams {
  const search = new URLSearchParams();
  if (target !== undefined) search.set("target", target);
  for (const [name, key] of Object.entries(NUMERIC)) if (thresholds[key] !== DEFAULT_THRESHOLDS[key]) search.set(name, decimal(thresholds[key]));
  return search;
}

/** Plain decimal digits, as verdictQuery takes them (String() would write 1e-7). */
function decimal(value: number): string {
  return value.toFixed(12).replace(/\.?0+$/, "");
}
