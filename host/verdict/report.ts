// The verdict as people read it (a per-route table) and as pipelines read it (JSON).
import { percent, type Outcome, type Verdict } from "./decide.js";
import { proxyCountWords } from "./proxy-count.js";

export interface VerdictSource {
  kind: "prometheus" | "collector";
  url: string;
}

const OUTCOME_WORDS: Record<Outcome, string> = { pass: "pass", fail: "FAIL", "not-yet": "not yet" };

export function renderTable(verdict: Verdict, source: VerdictSource): string {
  const header = ["route", "target", "pairs", "proxies", "match ratio", "p95 latency ratio", "verdict", "why"];
  const rows = verdict.routes.map((route) => [
    route.route,
    route.target ?? "-",
    String(route.pairs),
    route.proxies === null ? "-" : String(route.proxies),
    route.matchRatio === null ? "-" : percent(route.matchRatio),
    route.latencyRatioP95 === null ? "-" : `${route.latencyRatioP95.toFixed(2)}x`,
    OUTCOME_WORDS[route.outcome],
    route.reasons.join("; "),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  // Numbers right-aligned, words left-aligned; the last column is not padded.
  const numeric = [false, false, true, true, true, true, false, false];
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  const { minMatchRatio, maxLatencyRatio, minPairs } = verdict.thresholds;
  const lines = [
    ...(rows.length > 0 ? [line(header), ...rows.map(line)] : []),
    ...(verdict.note === undefined ? [] : [verdict.note]),
    ...noiseLines(verdict),
    judged(verdict.total),
    `verdict: ${OUTCOME_WORDS[verdict.outcome]} (match ratio >= ${percent(minMatchRatio)}, p95 latency ratio <= ${maxLatencyRatio}, ` +
      `at least ${minPairs} pairs per route; from ${source.kind} ${source.url})`,
  ];
  return lines.join("\n") + "\n";
}

/** Per route with a secondary: what was cancelled as noise, and why (v1's own rate of differing there). */
export function noiseLines(verdict: Verdict): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const { route, noise } of verdict.routes) {
    if (noise === undefined || seen.has(route)) continue;
    seen.add(route);
    const sample = `${noise.secondaryPairs} pairs with a secondary`;
    if (noise.state === "warmup") {
      lines.push(`noise on ${route}: warming up (${sample}${noise.warmupPairs === null ? "" : ` of ${noise.warmupPairs} needed`}); its differences are not judged yet`);
    } else if (noise.noisyFields.length === 0) {
      lines.push(`noise on ${route}: none (${sample})`);
    } else {
      const fields = noise.noisyFields.map(({ field, noiseRate }) => `${field} (v1 differs from itself in ${percent(noiseRate)})`).join(", ");
      lines.push(`noise on ${route}: cancelled ${fields}; ${sample}`);
    }
  }
  return lines;
}

function judged(total: Verdict["total"]): string {
  return `judged ${total.pairs} ${total.pairs === 1 ? "pair" : "pairs"} ${proxyCountWords(total.proxies, total.intake)}`;
}

export function renderJson(verdict: Verdict, source: VerdictSource): string {
  return (
    JSON.stringify(
      {
        verdict: verdict.outcome,
        exitCode: verdict.exitCode,
        source,
        thresholds: verdict.thresholds,
        routes: verdict.routes,
        total: verdict.total,
        ...(verdict.note === undefined ? {} : { note: verdict.note }),
      },
      null,
      2,
    ) + "\n"
  );
}
