import { fetchMismatches, fetchSummary, type Summary } from "./api.js";
import { count, duration, ratioPercent, times } from "./format.js";
import { proxyCountWords } from "../../host/verdict/proxy-count.js";
import { routeHref } from "./hash-route.js";
import { usePoll } from "./hooks.js";
import { LiveStatus } from "./live-status.js";
import { MismatchTable } from "./mismatch-table.js";
import { overviewRows, type Row } from "./overview-rows.js";
import { byAttention, overallVerdict, routeVerdict, type RouteVerdict, type Thresholds, type Verdict } from "./verdicts.js";
import { Card, Empty, KindBadge, VerdictPill } from "./widgets.js";

const NEWEST = 20;

export function OverviewView({ thresholds }: { thresholds: Thresholds }) {
  const summary = usePoll((signal) => fetchSummary(signal), "summary");
  const newest = usePoll((signal) => fetchMismatches({ limit: NEWEST }, signal), "newest");
  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Routes</h1>
        <LiveStatus polled={summary} />
      </div>
      {summary.data === undefined ? (
        summary.error === undefined && <p class="loading">Loading the summary…</p>
      ) : (
        <Overview summary={summary.data} thresholds={thresholds} />
      )}
      <Card title="Newest mismatching and inconclusive pairs">{newest.data !== undefined && <MismatchTable items={newest.data} showRoute />}</Card>
    </>
  );
}

function Overview({ summary, thresholds }: { summary: Summary; thresholds: Thresholds }) {
  const rows = overviewRows(summary);
  const verdict = overallVerdict(rows, thresholds);
  const judged = byAttention(rows.map((row) => ({ ...row, verdict: routeVerdict(row, thresholds) })));
  const targets = rows.some((row) => typeof row.target === "string");
  return (
    <>
      <VerdictBanner verdict={verdict} summary={summary} />
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
                  <th scope="col" class="num">Match</th>
                  <th scope="col" class="num">p95 primary</th>
                  <th scope="col" class="num">p95 shadow</th>
                  <th scope="col" class="num">p95 ratio</th>
                  <th scope="col">Top differing fields</th>
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

function RouteRow({ row, targets }: { row: Row & { verdict: RouteVerdict }; targets: boolean }) {
  return (
    <tr class={`route-row row-${row.verdict.outcome}`} data-route={row.route}>
      <th scope="row" class="mono wrap route-cell">
        <a href={routeHref(row.route)}>{row.route}</a>
      </th>
      {targets && <td class="mono">{row.target ?? "–"}</td>}
      <td class="verdict-cell">
        <VerdictPill outcome={row.verdict.outcome} />
        {row.verdict.reasons.length > 0 && <div class="reasons">{row.verdict.reasons.join("; ")}</div>}
      </td>
      <td class="num">
        {count(row.pairs)}
        {row.inconclusive > 0 && <div class="sub">{count(row.inconclusive)} inconclusive</div>}
      </td>
      <td class="num">{ratioPercent(row.matchRatio)}</td>
      <td class="num">{duration(row.primaryLatency.p95)}</td>
      <td class="num">{duration(row.shadowLatency.p95)}</td>
      <td class="num">{times(row.latencyRatioP95)}</td>
      <td class="fields-cell">
        {row.topFields.length === 0 ? (
          <span class="muted">–</span>
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
      </td>
    </tr>
  );
}

const HEADLINES: Record<Verdict["outcome"], string> = {
  pass: "v2 may go to canary",
  fail: "v2 is not ready for canary",
  "not-yet": "Not decided yet",
};

function VerdictBanner({ verdict, summary }: { verdict: Verdict; summary: Summary }) {
  const failing = verdict.routes.filter((route) => route.outcome === "fail").length;
  const undecided = verdict.routes.filter((route) => route.outcome === "not-yet").length;
  const { minMatchRatio, maxLatencyRatio, minPairs } = verdict.thresholds;
  const parts = [
    `${verdict.routes.length} ${verdict.routes.length === 1 ? "route" : "routes"}`,
    ...(failing > 0 ? [`${failing} failing`] : []),
    ...(undecided > 0 ? [`${undecided} without enough data`] : []),
    `${count(summary.total.pairs)} pairs compared ${proxyCountWords(summary.total.proxies ?? null, summary.intake)}`,
  ];
  return (
    <section class={`banner banner-${verdict.outcome}`} aria-label="Verdict">
      <div class="banner-main">
        <VerdictPill outcome={verdict.outcome} />
        <span class="banner-headline">{HEADLINES[verdict.outcome]}</span>
      </div>
      <div class="banner-detail">{parts.join(" · ")}</div>
      <div class="banner-rule">
        Every route needs a match ratio ≥ {ratioPercent(minMatchRatio)}, a p95 latency ratio ≤ {maxLatencyRatio} and at least {count(minPairs)}{" "}
        conclusive pairs (the rule of <code>shadowdiff verdict</code>).
      </div>
    </section>
  );
}
