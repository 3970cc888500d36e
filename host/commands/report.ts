import { parseArgs } from "node:util";
import { DEFAULT_THRESHOLDS, type Outcome } from "../judge/line-judgement.js";
import type { Verdict } from "../judge/verdict.js";
import type { RouteNoiseReport } from "../noise/noise-model.js";
import { CLASS_WORDS, regressionsFirst } from "../noise/noise-words.js";
import type { ComparisonCounts, Summary } from "../summary/summary.js";
import { readTokenFile } from "../intake/intake-token.js";
import { verdictFromCollector } from "../verdict/collector-source.js";
import { proxyCountWords, type IntakeState } from "../verdict/proxy-count.js";
import { attentionOrder, OUTCOME_WORDS, renderTable } from "../verdict/report.js";

/** /api/summary: the summary, and what the collector says of its intake (absent from older collectors). */
type CollectorSummary = Summary & { intake?: IntakeState };

export const USAGE = `usage: shadowdiff report --collector URL [--json] [--token-file FILE]
Prints the comparison table of a running collector, one row per route and target (its /api/summary,
since it started) with its line's outcome, what needs attention first as the collector's page
lists it; each route's noise (the fields where v1 differs from itself, and how often, regressions
first); and the verdict line by line with its intervals (its /api/verdict; --json prints the summary alone),
e.g. --collector http://127.0.0.1:9464 after \`kubectl -n shadowdiff port-forward svc/shadowdiff-collector 9464\`.
--token-file names a file holding the collector's HTTP token (its http.tokenFile).
`;

/** `shadowdiff report --collector URL [--json]`: the per-route and per-target table from /api/summary. */
export async function run(args: string[]): Promise<number> {
  let collectorUrl: string;
  let json: boolean;
  let token: string | undefined;
  try {
    const { values } = parseArgs({
      args,
      options: { collector: { type: "string" }, json: { type: "boolean", default: false }, "token-file": { type: "string" } },
      strict: true,
    });
    if (values.collector === undefined) throw new Error("--collector URL is required");
    collectorUrl = values.collector;
    json = values.json ?? false;
    token = values["token-file"] === undefined ? undefined : readTokenFile(values["token-file"], "--token-file");
  } catch (error) {
    process.stderr.write(`shadowdiff report: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const url = new URL("/api/summary", collectorUrl);
  let summary: CollectorSummary;
  try {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000), headers });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    summary = (await response.json()) as CollectorSummary;
  } catch (error) {
    process.stderr.write(`shadowdiff report: cannot read ${url.href}: ${(error as Error).message}\n`);
    return 1;
  }
  if (json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    return 0;
  }
  let verdict: Verdict;
  try {
    verdict = await verdictFromCollector(collectorUrl, DEFAULT_THRESHOLDS, undefined, 10_000, token);
  } catch (error) {
    process.stderr.write(`shadowdiff report: cannot read the verdict: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`${formatSummaryTable(summary, verdict)}\nthe verdict, line by line (as shadowdiff verdict --collector says it):\n${renderTable(verdict, { kind: "collector", url: collectorUrl })}`);
  return 0;
}

/** Regressions first, noise after them: `noise` counts the matches whose every difference was noise. */
const COUNT_COLUMNS = ["pairs", "mismatched", "pending", "matched", "noise", "inconclusive", "match ratio", "primary p95", "target p95", "latency ratio", "top regression"];

/**
 * A plain-text table, one row per route and target and a total row, then each route's noise. With
 * the collector's verdict, each row's outcome, in the order of what needs attention first (as the
 * page and `shadowdiff verdict` order them).
 */
export function formatSummaryTable(summary: CollectorSummary, judged?: Verdict): string {
  const outcomes = new Map((judged?.lines ?? []).map((line) => [`${line.route}\u0000${line.target}`, line.outcome]));
  const columns = ["route", "target", ...(judged === undefined ? [] : ["verdict"]), ...COUNT_COLUMNS];
  // A collector from before targets were named has no per-target rows: its route row stands alone.
  const entries = summary.routes.flatMap((route) =>
    route.targets === undefined ? [{ route: route.route, target: "-", counts: route as ComparisonCounts }] : route.targets.map((target) => ({ route: route.route, target: target.target, counts: target as ComparisonCounts })),
  );
  const outcomeOf = (route: string, target: string): Outcome => outcomes.get(`${route}\u0000${target}`) ?? "not-yet";
  if (judged !== undefined) entries.sort((a, b) => attentionOrder({ ...a, ...a.counts, outcome: outcomeOf(a.route, a.target) }, { ...b, ...b.counts, outcome: outcomeOf(b.route, b.target) }));
  const verdictCell = (route: string, target: string): string[] => (judged === undefined ? [] : [OUTCOME_WORDS[outcomeOf(route, target)]]);
  const rows = [
    ...entries.map(({ route, target, counts }) => [route, target, ...verdictCell(route, target), ...row(counts)]),
    [summary.total.route, "*", ...(judged === undefined ? [] : [OUTCOME_WORDS[judged.outcome]]), ...row(summary.total)],
  ];
  const words = new Set([0, 1, ...(judged === undefined ? [] : [2]), columns.length - 1]);
  const widths = columns.map((title, i) => Math.max(title.length, ...rows.map((cells) => (cells[i] as string).length)));
  const line = (cells: string[]) => cells.map((cell, i) => (words.has(i) ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join("  ").trimEnd();
  const noise = summary.routes.flatMap((route) => (route.noise ? noiseLines(route.route, route.noise) : []));
  const proxies = `${summary.total.pairs} ${summary.total.pairs === 1 ? "pair" : "pairs"} ${proxyCountWords(summary.total.proxies ?? null, summary.intake)}`;
  return [line(columns), ...rows.map(line), ...noise, proxies].join("\n") + "\n";
}

/**
 * The route's noise: its secondary, then each field and kind the targets or v1 differ on,
 * regressions first: v1's own rate and each target's rate and class.
 */
export function noiseLines(route: string, noise: RouteNoiseReport): string[] {
  if (noise.state === "off") return [];
  const share = noise.secondaryShare === null ? "" : `, a secondary on ${percent(noise.secondaryShare)} of mirrored requests`;
  return [
    `noise on ${route}: ${noise.secondaryPairs} pairs with a secondary${share}`,
    ...regressionsFirst(noise.fields).map((field) => {
      const targets = field.targets.map((target) => `${target.target} ${percent(target.rawRate)}${target.class === null ? "" : ` (${CLASS_WORDS[target.class]})`}`).join(", ");
      return `  ${field.field} ${field.kind}: v1 differs from itself in ${percent(field.noiseRate)}; targets differ in ${targets || "-"}`;
    }),
  ];
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function row(counts: ComparisonCounts): string[] {
  const top = counts.topFields[0];
  return [
    String(counts.pairs),
    String(counts.mismatched),
    String(counts.pending ?? 0),
    String(counts.matched),
    String(counts.noiseCancelled ?? 0),
    String(counts.inconclusive),
    counts.matchRatio === null ? "-" : counts.matchRatio.toFixed(4),
    seconds(counts.primaryLatency.p95),
    seconds(counts.shadowLatency.p95),
    counts.latencyRatioP95 === null ? "-" : counts.latencyRatioP95.toFixed(2),
    top ? `${top.field} (${top.kind}) ×${top.count}` : "-",
  ];
}

function seconds(value: number | null): string {
  if (value === null) return "-";
  return value < 1 ? `${(value * 1000).toFixed(1)}ms` : `${value.toFixed(2)}s`;
}
