import { ApiError, fetchMismatches, fetchRoute, fetchVerdict, type RouteDetail } from "./api.js";
import { count, duration, ratioPercent, times } from "./format.js";
import { overviewHref } from "./hash-route.js";
import { usePoll, type Theme } from "./hooks.js";
import { LatencyChart } from "./latency-chart.js";
import { LiveStatus } from "./live-status.js";
import { MismatchTable } from "./mismatch-table.js";
import { latencyText, linesOf, matchText, whyText, type LineVerdict, type Verdict } from "./verdicts.js";
import { Card, Empty, KindBadge, Problem, Stat, VerdictPill } from "./widgets.js";

const NEWEST = 25;

export function RouteView({ route, search, theme }: { route: string; search: string; theme: Theme }) {
  const detail = usePoll((signal) => fetchRoute(route, signal), `route\u0000${route}`);
  const verdict = usePoll((signal) => fetchVerdict(search, signal), `verdict\u0000${search}`);
  const newest = usePoll((signal) => fetchMismatches({ route, limit: NEWEST }, signal), `newest\u0000${route}`);
  const missing = detail.error instanceof ApiError && detail.error.status === 404;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={overviewHref()}>Routes</a>
        <span aria-hidden="true"> / </span>
        <span class="mono">{route}</span>
      </nav>
      <div class="title-row">
        <h1 tabIndex={-1} class="mono wrap route-title">
          {route}
        </h1>
        <LiveStatus polled={detail} />
      </div>
      {missing && (
        <Problem title="No pairs on this route.">The collector has compared none since it started (route labels are per collector and restart from nothing).</Problem>
      )}
      {detail.data !== undefined && <RouteBody detail={detail.data} verdict={verdict.data} theme={theme} />}
      <Card title="Newest mismatching and inconclusive pairs on this route">{newest.data !== undefined && <MismatchTable items={newest.data} showRoute={false} />}</Card>
    </>
  );
}

function RouteBody({ detail, verdict, theme }: { detail: RouteDetail; verdict: Verdict | undefined; theme: Theme }) {
  const row = detail.summary;
  const lines = linesOf(verdict, row.route);
  return (
    <>
      {lines.map((line) => (
        <LineVerdictRow key={line.target} line={line} thresholds={verdict?.thresholds} />
      ))}
      <div class="stats">
        <Stat label="Pairs" value={count(row.pairs)} detail={`${count(row.pending)} pending, ${count(row.inconclusive)} inconclusive`} />
        <Stat label="Matched" value={count(row.matched)} />
        <Stat label="Mismatched" value={count(row.mismatched)} tone={row.mismatched > 0 ? "bad" : undefined} />
        <Stat label="p95 primary" value={duration(row.primaryLatency.p95)} detail={`p50 ${duration(row.primaryLatency.p50)}`} />
        <Stat label="p95 shadow" value={duration(row.shadowLatency.p95)} detail={`p50 ${duration(row.shadowLatency.p50)}`} />
      </div>
      <div class="columns">
        <Card title="Differing fields">
          <FieldTable detail={detail} />
        </Card>
        {row.noise !== undefined && row.noise.state !== "off" && (
          <Card title="Noise: fields where v1 differs from itself">
            <NoiseTable noise={row.noise} />
          </Card>
        )}
        <Card title="Latency distribution">
          {detail.latency.primary.seconds.length === 0 ? <Empty>No latency recorded yet.</Empty> : <LatencyChart latency={detail.latency} theme={theme} />}
        </Card>
      </div>
    </>
  );
}

/** One target's line of the verdict: its outcome, both intervals against their thresholds, and what it waits for. */
function LineVerdictRow({ line, thresholds }: { line: LineVerdict; thresholds: Verdict["thresholds"] | undefined }) {
  const why = whyText(line);
  return (
    <div class={`verdict-line row-${line.outcome}`} data-target={line.target}>
      <VerdictPill outcome={line.outcome} />
      <span class="mono">{line.target}</span>
      <span>
        match {matchText(line)}
        {thresholds && ` (needs ≥ ${ratioPercent(thresholds.minMatchRatio)})`} · p95 ratio {latencyText(line)}
        {thresholds && ` (needs ≤ ${thresholds.maxLatencyRatio})`}
        {line.path !== null && ` · path v1 callout/router ${times(line.path.estimate)}`}
      </span>
      <span class="muted">{why === "" ? "within every threshold" : why}</span>
    </div>
  );
}

const CLASS_WORDS = { noise: "noise", regression: "regression", pending: "not settled" } as const;

/** The route's noise: each field and kind, v1's own rate of differing, each target's rate and what the counts make of it. */
function NoiseTable({ noise }: { noise: RouteDetail["summary"]["noise"] }) {
  const share = noise.secondaryShare === null ? "" : `, a secondary on ${ratioPercent(noise.secondaryShare)} of pairs`;
  return (
    <>
      <p class="muted noise-state">{`${count(noise.secondaryPairs)} pairs with a secondary${share}.`}</p>
      {noise.fields.length === 0 ? (
        <Empty>No field has differed on this route.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="fields noise">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">v1 vs v1</th>
                <th scope="col">Targets</th>
              </tr>
            </thead>
            <tbody>
              {noise.fields.map((field) => (
                <tr key={`${field.field}\u0000${field.kind}`} data-field={field.field}>
                  <td class="mono wrap">{field.field}</td>
                  <td>
                    <KindBadge kind={field.kind} />
                  </td>
                  <td class="num">{ratioPercent(field.noiseRate)}</td>
                  <td class="mono">{field.targets.map((target) => `${target.target} ${ratioPercent(target.rawRate)}${target.class === null ? "" : ` (${CLASS_WORDS[target.class]})`}`).join(", ") || "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function FieldTable({ detail }: { detail: RouteDetail }) {
  const { fields, summary } = detail;
  if (fields.length === 0) return <Empty>No field has differed on this route.</Empty>;
  const decided = summary.matched + summary.mismatched;
  return (
    <div class="table-wrap">
      <table class="fields">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Kind</th>
            <th scope="col" class="num">Pairs</th>
            <th scope="col" class="num">Share</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={`${field.field}\u0000${field.kind}`}>
              <td class="mono wrap">{field.field}</td>
              <td>
                <KindBadge kind={field.kind} />
              </td>
              <td class="num">{count(field.count)}</td>
              <td class="num">
                <span class="share">
                  <span class="share-bar" style={{ width: `${decided === 0 ? 0 : Math.min(100, (field.count / decided) * 100)}%` }} />
                </span>
                {ratioPercent(decided === 0 ? null : field.count / decided)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
