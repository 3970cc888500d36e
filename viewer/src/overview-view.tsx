import { fetchVerdict, type Summary } from "./api.js";
import { count, duration, ratioPercent, times } from "./format.js";
import { proxyCountWords } from "../../host/verdict/proxy-count.js";
import { routeHref } from "./hash-route.js";
import { usePoll, type Polled } from "./hooks.js";
import { LiveStatus } from "./live-status.js";
import { PairList } from "./mismatch-table.js";
import { noiseFieldsOf, overviewRows, type Row } from "./overview-rows.js";
import { comparedSides } from "./compared-sides.js";
import { byAttention, latencyText, linesOf, matchText, targetsSentence, whyText, worstOutcome, type LineVerdict, type Outcome, type Verdict } from "./verdicts.js";
import { Card, Empty, KindBadge, VerdictPill } from "./widgets.js";

const NEWEST = 20;
/** Failing routes the banner names per target; the table lists them all. */
const BANNER_ROUTES = 3;

/** `summary`: polled by the page for its header, shown here in full. */
export function OverviewView({ search, summary }: { search: string; summary: Polled<Summary> }) {
  const verdict = usePoll((signal) => fetchVerdict(search, signal), `verdict\u0000${search}`);
  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Routes</h1>
        <LiveStatus polled={summary} />
      </div>
      {summary.data === undefined ? (
        summary.error === undefined && <p class="loading">Loading the summary…</p>
      ) : (
        <Overview summary={summary.data} verdict={verdict.data} />
      )}
      <PairList title="Newest mismatching and inconclusive pairs" targets={summary.data === undefined ? [] : comparedSides(summary.data).targets} limit={NEWEST} />
    </>
  );
}

function Overview({ summary, verdict }: { summary: Summary; verdict: Verdict | undefined }) {
  const rows = overviewRows(summary);
  const judged = byAttention(
    rows.map((row) => {
      const lines = linesOf(verdict, row.route, row.target);
      return { ...row, lines, outcome: worstOutcome(lines) };
    }),
  );
  const targets = rows.some((row) => typeof row.target === "string");
  return (
    <>
      {verdict !== undefined && <VerdictBanner verdict={verdict} summary={summary} />}
      <Card title="Per route, what needs attention first">
        {rows.length === 0 ? (
          <Empty>No pair compared yet. Pairs appear here as the filter reports them.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="routes">
              <thead>
                <tr>
                  <th scope="col">Route</th>
                  {targets && <th scope="col">Target</th>}
                  <th scope="col">Verdict</th>
                  <th scope="col" class="num">Pairs</th>
                  <th scope="col" class="num">Match [interval]</th>
                  <th scope="col" class="num">p95 primary</th>
                  <th scope="col" class="num">p95 target</th>
                  <th scope="col" class="num">p95 ratio [interval]</th>
                  <th scope="col">Top differing fields, then noise</th>
                </tr>
              </thead>
              <tbody>
                {judged.map((row) => (
                  <RouteRow key={`${row.target ?? ""}\u0000${row.route}`} row={row} targets={targets} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

function RouteRow({ row, targets }: { row: Row & { lines: LineVerdict[]; outcome: Outcome }; targets: boolean }) {
  // A route row over several targets shows each target's figures, worst first.
  const lines = [...row.lines].sort((a, b) => (a.outcome === b.outcome ? 0 : a.outcome === "fail" ? -1 : b.outcome === "fail" ? 1 : 0));
  const each = (text: (line: LineVerdict) => string) => lines.map((line) => (lines.length > 1 ? `${line.target}: ${text(line)}` : text(line)));
  const noise = noiseFieldsOf(row);
  return (
    <tr class={`route-row row-${row.outcome}`} data-route={row.route} data-target={row.target}>
      <th scope="row" class="mono wrap route-cell">
        <a href={routeHref(row.route, row.target ?? null)}>{row.route}</a>
      </th>
      {targets && <td class="mono">{row.target ?? "–"}</td>}
      <td class="verdict-cell">
        <VerdictPill outcome={row.outcome} />
        {lines.some((line) => whyText(line) !== "") && <div class="reasons">{each(whyText).filter((text) => !text.endsWith(": ") && text !== "").join(" · ")}</div>}
      </td>
      <td class="num">
        {count(row.pairs)}
        {row.inconclusive > 0 && <div class="sub">{count(row.inconclusive)} inconclusive</div>}
      </td>
      <td class="num interval">{lines.length === 0 ? ratioPercent(row.matchRatio) : each(matchText).map((text) => <div key={text}>{text}</div>)}</td>
      <td class="num">{duration(row.primaryLatency.p95)}</td>
      <td class="num">{duration(row.shadowLatency.p95)}</td>
      <td class="num interval">{lines.length === 0 ? times(row.latencyRatioP95) : each(latencyText).map((text) => <div key={text}>{text}</div>)}</td>
      <td class="fields-cell">
        {row.topFields.length === 0 ? (
          noise === 0 && <span class="muted">–</span>
        ) : (
          <ul class="chips">
            {row.topFields.slice(0, 3).map((field) => (
              <li key={`${field.field}\u0000${field.kind}`} class="chip">
                <KindBadge kind={field.kind} />
                <span class="mono chip-field" title={field.field}>
                  {field.field}
                </span>
                <span class="chip-count">×{count(field.count)}</span>
              </li>
            ))}
          </ul>
        )}
        {noise > 0 && (
          <div class="noise-count muted" title="Fields where v1 differs from itself as often: not counted against the target">
            {`${count(noise)} noise ${noise === 1 ? "field" : "fields"}`}
          </div>
        )}
      </td>
    </tr>
  );
}

function VerdictBanner({ verdict, summary }: { verdict: Verdict; summary: Summary }) {
  const failing = verdict.lines.filter((line) => line.outcome === "fail").length;
  const undecided = verdict.lines.filter((line) => line.outcome === "not-yet").length;
  const { minMatchRatio, maxLatencyRatio, minPairs, confidence } = verdict.thresholds;
  // Each failing target, where it fails and why, what needs attention first.
  const why = [...new Set(verdict.lines.filter((line) => line.outcome === "fail").map((line) => line.target))].sort().map((target) => {
    const failingLines = byAttention(verdict.lines.filter((line) => line.target === target && line.outcome === "fail").map((line) => ({ ...line, mismatched: line.match.mismatched })));
    const shown = failingLines.slice(0, BANNER_ROUTES).map((line) => `${line.route} (${whyText(line)})`);
    const more = failingLines.length - shown.length;
    return `${target} fails on ${shown.join(", ")}${more > 0 ? ` and ${more} more ${more === 1 ? "route" : "routes"}` : ""}`;
  });
  const parts = [
    `${verdict.lines.length} ${verdict.lines.length === 1 ? "line" : "lines"} (route × target)`,
    ...(failing > 0 ? [`${failing} failing`] : []),
    ...(undecided > 0 ? [`${undecided} not decided yet`] : []),
    `${count(summary.total.pairs)} pairs compared ${proxyCountWords(summary.total.proxies ?? null, summary.intake)}`,
  ];
  return (
    <section class={`banner banner-${verdict.outcome}`} aria-label="Verdict">
      <div class="banner-main">
        <VerdictPill outcome={verdict.outcome} />
        <span class="banner-headline">
          {verdict.lines.length === 0 ? "No comparisons yet" : targetsSentence(verdict.lines)}
        </span>
      </div>
      {why.length > 0 && (
        <ul class="banner-why">
          {why.map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
      <div class="banner-detail">{parts.join(" · ")}</div>
      <div class="banner-rule">
        A line passes when its match ratio is surely ≥ {ratioPercent(minMatchRatio)} and its p95 latency ratio surely ≤ {maxLatencyRatio}, fails when
        either is surely on the wrong side: intervals at {Math.round(confidence * 1000) / 10}% confidence for all lines together, however often asked, from{" "}
        {count(minPairs)} conclusive pairs (the rule of <code>shadowdiff verdict</code>).
      </div>
    </section>
  );
}
