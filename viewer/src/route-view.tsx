import { ApiError, fetchRoute, fetchVerdict, type RouteDetail } from "./api.js";
import { percentile } from "./cdf.js";
import { count, duration, ratioPercent, times } from "./format.js";
import { overviewHref, routeHref } from "./hash-route.js";
import { usePoll, type Theme } from "./hooks.js";
import { LatencyChart, type ChartRatio, type ChartSide } from "./latency-chart.js";
import { LiveStatus } from "./live-status.js";
import { PairList } from "./mismatch-table.js";
import { CLASS_WORDS, regressionsFirst } from "../../host/noise/noise-words.js";
import { latencyText, linesOf, matchText, whyText, worstOutcome, type LineVerdict, type Verdict } from "./verdicts.js";
import { Card, Empty, KindBadge, Problem, Stat, VerdictPill } from "./widgets.js";

const NEWEST = 25;

/** A route, one target at a time: `target` as the address names it (null: the first by name). */
export function RouteView({ route, target, problems, search, theme }: { route: string; target: string | null; problems: string[]; search: string; theme: Theme }) {
  const detail = usePoll((signal) => fetchRoute(route, signal), `route\u0000${route}`);
  const verdict = usePoll((signal) => fetchVerdict(search, signal), `verdict\u0000${search}`);
  const missing = detail.error instanceof ApiError && detail.error.status === 404;
  const targets = detail.data === undefined ? [] : targetsOf(detail.data);
  const unknown = target !== null && detail.data !== undefined && !targets.includes(target);
  const selected = target !== null && targets.includes(target) ? target : (targets[0] ?? null);
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
      {problems.length > 0 && <Problem title="The address's target was not used:">{`${problems.join("; ")}.`}</Problem>}
      {unknown && <Problem title={`No pairs with target ${target} on this route.`}>{`Targets here: ${targets.join(", ")}.`}</Problem>}
      {missing && (
        <Problem title="No pairs on this route.">The collector has compared none since it started (route labels are per collector and restart from nothing).</Problem>
      )}
      {detail.data !== undefined && selected !== null && (
        <>
          <TargetTabs route={route} targets={targets} selected={selected} verdict={verdict.data} />
          <TargetBody detail={detail.data} target={selected} verdict={verdict.data} theme={theme} />
        </>
      )}
      <PairList key={selected ?? ""} title="Newest mismatching and inconclusive pairs on this route" route={route} targets={targets} initialTarget={selected} limit={NEWEST} />
    </>
  );
}

/** The route's targets, by name. */
function targetsOf(detail: RouteDetail): string[] {
  return (detail.summary.targets ?? []).map((each) => each.target).sort();
}

/** One link per target, with its verdict on the route; the selected one is the page's. */
function TargetTabs({ route, targets, selected, verdict }: { route: string; targets: string[]; selected: string; verdict: Verdict | undefined }) {
  return (
    <nav class="target-tabs" aria-label="Targets on this route">
      {targets.map((name) => (
        <a key={name} href={routeHref(route, name)} class={`target-tab${name === selected ? " target-tab-selected" : ""}`} aria-current={name === selected ? "page" : undefined} data-target={name}>
          {verdict !== undefined && <VerdictPill outcome={worstOutcome(linesOf(verdict, route, name))} />}
          <span class="mono">{name}</span>
        </a>
      ))}
    </nav>
  );
}

function TargetBody({ detail, target, verdict, theme }: { detail: RouteDetail; target: string; verdict: Verdict | undefined; theme: Theme }) {
  const row = detail.summary;
  const counts = row.targets.find((each) => each.target === target);
  const fields = detail.targets.find((each) => each.target === target);
  const lines = linesOf(verdict, row.route, target);
  const secondary = detail.latency.secondary;
  const sides: ChartSide[] = [
    { name: "primary", colour: "primary", sample: detail.latency.primary },
    ...(secondary.seen > 0 ? [{ name: "secondary", colour: "secondary" as const, sample: secondary }] : []),
    { name: target, colour: "shadow", sample: fields?.shadowLatency ?? { seen: 0, seconds: [] } },
  ];
  const last = sides.length - 1;
  // Against the secondary first when there is one: the same mirror path, the same load.
  const ratios: ChartRatio[] = secondary.seen > 0 ? [{ of: last, over: 1 }, { of: last, over: 0 }] : [{ of: last, over: 0 }];
  return (
    <>
      {lines.map((line) => (
        <LineVerdictRow key={line.target} line={line} thresholds={verdict?.thresholds} />
      ))}
      {counts !== undefined && (
        <div class="stats">
          <Stat label={`Pairs with ${target}`} value={count(counts.pairs)} detail={`${count(counts.pending)} not settled on arrival, ${count(counts.inconclusive)} inconclusive`} />
          <Stat label="Mismatched" value={count(counts.mismatched)} tone={counts.mismatched > 0 ? "bad" : undefined} detail={`match ratio ${ratioPercent(counts.matchRatio)}`} />
          <Stat label="Matched" value={count(counts.matched)} detail={`${count(counts.noiseCancelled)} once noise was cancelled`} />
          <Stat label="p95 primary" value={duration(row.primaryLatency.p95)} detail={`p50 ${duration(row.primaryLatency.p50)}`} />
          {secondary.seen > 0 && <Stat label="p95 secondary" value={duration(percentile(secondary.seconds, 0.95))} detail={`p50 ${duration(percentile(secondary.seconds, 0.5))}`} />}
          <Stat label={`p95 ${target}`} value={duration(counts.shadowLatency.p95)} detail={`p50 ${duration(counts.shadowLatency.p50)}`} />
        </div>
      )}
      <div class="columns">
        <Card title={`Fields ${target} differs on (regressions)`}>
          <FieldTable fields={fields?.fields ?? []} decided={counts === undefined ? 0 : counts.matched + counts.mismatched} />
        </Card>
        <Card title={secondary.seen > 0 ? `Latency: ${target} beside the primary and the secondary` : `Latency: ${target} beside the primary`}>
          {detail.latency.primary.seconds.length === 0 ? <Empty>No latency recorded yet.</Empty> : <LatencyChart sides={sides} ratios={ratios} theme={theme} />}
        </Card>
      </div>
      {row.noise !== undefined && row.noise.state !== "off" && (
        <Card title="Noise on this route: where v1 differs from itself, and what each target's differences are">
          <NoiseTable noise={row.noise} selected={target} />
        </Card>
      )}
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

/** The route's noise: each field and kind, regressions first for the selected target, v1's own rate and each target's rate and class. */
function NoiseTable({ noise, selected }: { noise: RouteDetail["summary"]["noise"]; selected: string }) {
  const share = noise.secondaryShare === null ? "" : `, a secondary on ${ratioPercent(noise.secondaryShare)} of mirrored requests`;
  const targets = [...new Set(noise.fields.flatMap((field) => field.targets.map((each) => each.target)))].sort();
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
                {targets.map((name) => (
                  <th scope="col" key={name} class={`num${name === selected ? " col-selected" : ""}`}>
                    {name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {regressionsFirst(noise.fields, selected).map((field) => (
                <tr key={`${field.field}\u0000${field.kind}`} data-field={field.field}>
                  <td class="mono wrap">{field.field}</td>
                  <td>
                    <KindBadge kind={field.kind} />
                  </td>
                  <td class="num">{ratioPercent(field.noiseRate)}</td>
                  {targets.map((name) => {
                    const each = field.targets.find((entry) => entry.target === name);
                    return (
                      <td key={name} class={`num${name === selected ? " col-selected" : ""}`} data-target={name}>
                        {each === undefined ? "–" : ratioPercent(each.rawRate)}
                        {each?.class != null && <span class={`class class-${each.class}`}>{CLASS_WORDS[each.class]}</span>}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function FieldTable({ fields, decided }: { fields: RouteDetail["fields"]; decided: number }) {
  if (fields.length === 0) return <Empty>No field counted as a regression on this route.</Empty>;
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
