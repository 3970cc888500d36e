// The verdict as people read it (a table, one line per route and target) and as machines read it
// (JSON: the same object /api/verdict answers).
import type { LineVerdict, Outcome } from "../judge/line-judgement.js";
import { percent } from "../judge/line-judgement.js";
import type { Verdict } from "../judge/verdict.js";
import { proxyCountWords } from "./proxy-count.js";

export interface VerdictSource {
  kind: "prometheus" | "collector";
  url: string;
}

export const OUTCOME_WORDS: Record<Outcome, string> = { pass: "pass", fail: "FAIL", "not-yet": "not yet" };

/** A target's outcome in a sentence: "v2 fails, v3 passes". */
export const TARGET_OUTCOME_WORDS: Record<Outcome, string> = { pass: "passes", fail: "fails", "not-yet": "is not decided yet" };

const WORST_FIRST: Record<Outcome, number> = { fail: 0, "not-yet": 1, pass: 2 };

/** A set of lines' outcome: as good as its worst line (none: not decided yet). */
export function worstOutcome(lines: readonly { outcome: Outcome }[]): Outcome {
  if (lines.length === 0) return "not-yet";
  return lines.reduce((a, b) => (WORST_FIRST[b.outcome] < WORST_FIRST[a.outcome] ? b : a)).outcome;
}

/** Per target, by name, its outcome over its lines. */
export function targetOutcomes(lines: readonly LineVerdict[]): { target: string; outcome: Outcome }[] {
  const targets = [...new Set(lines.map((line) => line.target))].sort();
  return targets.map((target) => ({ target, outcome: worstOutcome(lines.filter((line) => line.target === target)) }));
}

/** Every target's outcome in one sentence, failing targets first: "v2 fails, v3 passes". */
export function targetsSentence(lines: readonly LineVerdict[]): string {
  return [...targetOutcomes(lines)]
    .sort((a, b) => WORST_FIRST[a.outcome] - WORST_FIRST[b.outcome])
    .map(({ target, outcome }) => `${target} ${TARGET_OUTCOME_WORDS[outcome]}`)
    .join(", ");
}

/** What needs attention first, as the page and the tables list it: failing, then undecided, then by mismatches and traffic, then by name. */
export function attentionOrder(a: AttentionKey, b: AttentionKey): number {
  return (
    WORST_FIRST[a.outcome] - WORST_FIRST[b.outcome] ||
    b.mismatched - a.mismatched ||
    b.pairs - a.pairs ||
    (a.route < b.route ? -1 : a.route > b.route ? 1 : 0) ||
    ((a.target ?? "") < (b.target ?? "") ? -1 : (a.target ?? "") > (b.target ?? "") ? 1 : 0)
  );
}

export interface AttentionKey {
  outcome: Outcome;
  mismatched: number;
  pairs: number;
  route: string;
  target?: string;
}

/** `99.6% [98.9, 99.9]` */
export function matchText(line: LineVerdict): string {
  const { ratio, lower, upper } = line.match;
  if (ratio === null) return "-";
  return `${percent(ratio)} [${(lower * 100).toFixed(1)}, ${(upper * 100).toFixed(1)}]`;
}

/** `1.04 [0.97, 1.12]`, with `vs secondary` when judged against it. */
export function latencyText(line: LineVerdict): string {
  const latency = line.latency;
  if (latency === null) return "-";
  return `${latency.estimate.toFixed(2)} [${latency.lower.toFixed(2)}, ${latency.upper.toFixed(2)}]${latency.baseline === "secondary" ? " vs secondary" : ""}`;
}

/** Why a line is where it is, and for one not decided yet, about how many more pairs would decide it. */
export function whyText(line: LineVerdict): string {
  const more = line.morePairs === null ? [] : [`~${line.morePairs} more pairs at today's rates`];
  return [...line.reasons, ...more].join("; ");
}

export function renderTable(verdict: Verdict, source: VerdictSource): string {
  const header = ["route", "target", "pairs", "match ratio", "p95 latency ratio", "verdict", "why"];
  const ordered = [...verdict.lines].sort((a, b) => attentionOrder({ ...a, mismatched: a.match.mismatched }, { ...b, mismatched: b.match.mismatched }));
  const rows = ordered.map((line) => [line.route, line.target, String(line.pairs), matchText(line), latencyText(line), OUTCOME_WORDS[line.outcome], whyText(line)]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  // Numbers right-aligned, words left-aligned; the last column is not padded.
  const numeric = [false, false, true, true, true, false, false];
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  const { minMatchRatio, maxLatencyRatio, minPairs, confidence } = verdict.thresholds;
  const lines = [
    ...(rows.length > 0 ? [line(header), ...rows.map(line)] : []),
    ...(verdict.note === undefined ? [] : [verdict.note]),
    ...noiseLines(verdict),
    judged(verdict.total),
    ...(verdict.lines.length === 0 ? [] : [`by target: ${targetsSentence(verdict.lines)}`]),
    `verdict: ${OUTCOME_WORDS[verdict.outcome]} (match ratio >= ${percent(minMatchRatio)} and p95 latency ratio <= ${maxLatencyRatio}, ` +
      `each line decided at ${confidence * 100}% confidence for all ${verdict.lines.length} together, from ${minPairs} pairs; from ${source.kind} ${source.url})`,
  ];
  return lines.join("\n") + "\n";
}

/** Per route with a secondary: its sample, the path's latency, and the fields still unsettled. */
export function noiseLines(verdict: Verdict): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const line of verdict.lines) {
    const { route, noise, path } = line;
    if (!noise.on || seen.has(route)) continue;
    seen.add(route);
    const share = noise.share === null ? "" : ` on ${percent(noise.share)} of mirrored requests`;
    const pathText = path === null ? "" : `; v1 through the callout vs the router: p95 ${path.estimate.toFixed(2)} [${path.lower.toFixed(2)}, ${path.upper.toFixed(2)}]`;
    out.push(`noise on ${route}: a secondary${share}, ${noise.secondaryPairs} pairs with one${pathText}`);
  }
  return out;
}

function judged(total: Verdict["total"]): string {
  return `judged ${total.pairs} ${total.pairs === 1 ? "pair" : "pairs"} ${proxyCountWords(total.proxies, total.intake)}`;
}

/** The verdict as JSON: what /api/verdict answers and `shadowdiff verdict --json` prints. */
export function verdictJson(verdict: Verdict, source: VerdictSource): object {
  return {
    verdict: verdict.outcome,
    exitCode: verdict.exitCode,
    source,
    thresholds: verdict.thresholds,
    lines: verdict.lines,
    total: verdict.total,
    ...(verdict.note === undefined ? {} : { note: verdict.note }),
  };
}

export function renderJson(verdict: Verdict, source: VerdictSource): string {
  return JSON.stringify(verdictJson(verdict, source), null, 2) + "\n";
}
