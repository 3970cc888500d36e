import { useState } from "preact/hooks";
import type { Difference } from "../../host/compare/difference.js";
import { ApiError, fetchPair, type MismatchView } from "./api.js";
import { BodyPanel, RequestBody, type Focus } from "./body-panel.js";
import { CurlBox } from "./curl-box.js";
import { bytes, clock, count, duration } from "./format.js";
import { overviewHref, routeHref } from "./hash-route.js";
import { headerRows } from "./header-rows.js";
import { HeadersDiff, HeaderValue } from "./headers-diff.js";
import { usePoll } from "./hooks.js";
import { Card, Empty, KindBadge, OutcomePill, Problem } from "./widgets.js";

const FAILURES: Record<string, string> = {
  timeout: "The shadow did not answer within the filter's shadow_timeout_ms.",
  reset: "The shadow refused, reset or closed the connection before answering in full.",
  no_cluster: "Envoy has no cluster by the name in shadow_cluster, so nothing was sent.",
  overflow: "The shadow's answer was larger than Envoy would buffer.",
};

const INCONCLUSIVE: Record<string, string> = {
  truncated: "A body was longer than the filter's max_body_bytes: only its start was captured, so the bodies cannot be compared in full.",
  too_large: "A body was too large to compare within the collector's bounds.",
  budget: "The bodies were too large or too deeply nested to compare within the collector's work budget.",
  undecodable: "A body's content-encoding could not be undone.",
};

/** The sides a difference's path exists on. */
const ON_PRIMARY = new Set(["changed", "type", "removed"]);
const ON_SHADOW = new Set(["changed", "type", "added"]);

export function PairView({ id }: { id: number }) {
  const pair = usePoll((signal) => fetchPair(id, signal), `pair\u0000${id}`, 0);
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={overviewHref()}>Routes</a>
        {pair.data !== undefined && (
          <>
            <span aria-hidden="true"> / </span>
            <a class="mono" href={routeHref(pair.data.route)}>
              {pair.data.route}
            </a>
          </>
        )}
        <span aria-hidden="true"> / </span>
        <span>Pair {id}</span>
      </nav>
      {pair.data === undefined ? (
        <>
          <h1 tabIndex={-1}>Pair {id}</h1>
          {pair.error !== undefined && (
            <Problem title={pair.error instanceof ApiError && pair.error.status === 404 ? "Not stored." : "Cannot load this pair."}>
              {pair.error instanceof ApiError && pair.error.status === 404
                ? "The collector keeps a bounded number of examples for a bounded time; this one is gone or never existed."
                : pair.error.message}
            </Problem>
          )}
        </>
      ) : (
        <Pair pair={pair.data} />
      )}
    </>
  );
}

function Pair({ pair }: { pair: MismatchView }) {
  const [focus, setFocus] = useState<Focus | undefined>(undefined);
  const { comparison } = pair;
  const differences = comparison.body?.differences ?? [];
  const highlights = (sides: Set<string>) => new Map(differences.filter((d) => sides.has(d.kind)).map((d) => [d.path, d.kind]));
  const rows = headerRows(pair.primary.headers, pair.shadow?.headers ?? null, comparison.headers);
  const json = comparison.body?.kind === "json";
  return (
    <>
      <h1 tabIndex={-1} class="request-title mono wrap">
        <span class="method">{pair.method}</span> {pair.path}
      </h1>
      <dl class="meta">
        <div>
          <dt>Outcome</dt>
          <dd>
            <OutcomePill outcome={pair.outcome} />
          </dd>
        </div>
        <div>
          <dt>Pair id</dt>
          <dd class="mono wrap">{pair.pairId}</dd>
        </div>
        <div>
          <dt>Recorded</dt>
          <dd>{clock(pair.recordedAt)}</dd>
        </div>
        <div>
          <dt>Authority</dt>
          <dd class="mono wrap">{pair.authority}</dd>
        </div>
        <div>
          <dt>Proxy</dt>
          <dd class="mono wrap">{pair.proxyId}</dd>
        </div>
        <div>
          <dt>Filter config</dt>
          <dd class="mono wrap">{pair.configVersion}</dd>
        </div>
        {pair.traceId !== null && (
          <div>
            <dt>Trace</dt>
            <dd class="mono wrap">
              {pair.traceUrl !== null ? (
                <a href={pair.traceUrl} target="_blank" rel="noopener noreferrer">
                  {pair.traceId}
                </a>
              ) : (
                pair.traceId
              )}
            </dd>
          </div>
        )}
      </dl>

      <Explanations pair={pair} />

      <div class="columns">
        <Card title="Responses">
          <ResponsesTable pair={pair} />
        </Card>
        <Card title={`Differences (${count(differences.length + (comparison.status ? 1 : 0) + comparison.headers.length)}${comparison.body?.differencesCapped ? "+" : ""})`}>
          <DifferenceList pair={pair} onSelect={(path) => setFocus({ path, seq: (focus?.seq ?? 0) + 1 })} />
        </Card>
      </div>

      <Card title="Bodies" class="bodies-card">
        <div class="bodies">
          <BodyPanel side="primary" response={pair.primary} failure={null} highlights={highlights(ON_PRIMARY)} focus={focus} json={json} />
          <BodyPanel side="shadow" response={pair.shadow} failure={pair.shadowFailure && FAILURES[pair.shadowFailure] ? `${pair.shadowFailure}. ${FAILURES[pair.shadowFailure]}` : pair.shadowFailure} highlights={highlights(ON_SHADOW)} focus={focus} json={json} />
        </div>
      </Card>

      <Card title="Response headers">
        <HeadersDiff rows={rows} shadowAnswered={pair.shadow !== null} />
      </Card>

      <Card title="Request">
        <RequestHeaders pair={pair} />
        <RequestBody body={pair.requestBody} contentType={pair.requestHeaders.find((h) => h.name === "content-type")?.value} />
        <CurlBox pair={pair} />
      </Card>
    </>
  );
}

function Explanations({ pair }: { pair: MismatchView }) {
  const { comparison } = pair;
  const notes: { title: string; text: string }[] = [];
  if (pair.shadowFailure) notes.push({ title: `Shadow failed: ${pair.shadowFailure}.`, text: FAILURES[pair.shadowFailure] ?? "" });
  if (comparison.inconclusive) {
    notes.push({
      title: `Inconclusive: ${comparison.inconclusive.reason}.`,
      text: `${INCONCLUSIVE[comparison.inconclusive.reason] ?? ""} (${comparison.inconclusive.detail})`,
    });
  }
  for (const [side, response] of [
    ["primary", pair.primary],
    ["shadow", pair.shadow],
  ] as const) {
    if (response?.truncated) {
      notes.push({ title: `The ${side}'s body was cut.`, text: `Only the start of its ${bytes(response.bodySize)} was captured (the filter's max_body_bytes).` });
    }
  }
  if (notes.length === 0) return null;
  return (
    <div class="explanations">
      {notes.map((note) => (
        <p class="explanation" key={note.title}>
          <strong>{note.title}</strong> {note.text}
        </p>
      ))}
    </div>
  );
}

function ResponsesTable({ pair }: { pair: MismatchView }) {
  const { primary, shadow, comparison } = pair;
  const cell = (value: string, differs: boolean) => <td class={`num ${differs ? "cell-differs" : ""}`}>{value}</td>;
  return (
    <table class="responses">
      <thead>
        <tr>
          <th scope="col" />
          <th scope="col" class="num">
            Primary
          </th>
          <th scope="col" class="num">
            Shadow
          </th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">Status</th>
          {cell(String(primary.status), comparison.status !== undefined)}
          {cell(shadow ? String(shadow.status) : (pair.shadowFailure ?? "–"), comparison.status !== undefined || shadow === null)}
        </tr>
        <tr>
          <th scope="row">Latency</th>
          {cell(duration(primary.latencySeconds), false)}
          {cell(shadow ? duration(shadow.latencySeconds) : "–", false)}
        </tr>
        <tr>
          <th scope="row">Body</th>
          {cell(`${bytes(primary.bodySize)}${primary.truncated ? " (cut)" : ""}`, false)}
          {cell(shadow ? `${bytes(shadow.bodySize)}${shadow.truncated ? " (cut)" : ""}` : "–", false)}
        </tr>
        {comparison.latencyRatio !== null && (
          <tr>
            <th scope="row">Shadow ÷ primary</th>
            <td />
            <td class="num">{comparison.latencyRatio.toFixed(2)}×</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function DifferenceList({ pair, onSelect }: { pair: MismatchView; onSelect: (path: string) => void }) {
  const { comparison } = pair;
  const differences = comparison.body?.differences ?? [];
  if (!comparison.status && comparison.headers.length === 0 && differences.length === 0) {
    return <Empty>{pair.shadowFailure ? "Nothing to compare: the shadow gave no response." : "No difference was listed."}</Empty>;
  }
  return (
    <ul class="differences">
      {comparison.status && (
        <li class="difference">
          <KindBadge kind="status" />
          <span class="mono">status</span>
          <span class="values mono">
            {comparison.status.primary} → {comparison.status.shadow}
          </span>
        </li>
      )}
      {comparison.headers.map((header) => (
        <li class="difference" key={header.name}>
          <KindBadge kind="header" />
          <span class="mono wrap">{header.name}</span>
          <span class="values mono wrap">
            {header.primary ?? "absent"} → {header.shadow ?? "absent"}
          </span>
        </li>
      ))}
      {differences.map((difference) => (
        <li key={`${difference.path}\u0000${difference.kind}`}>
          <button type="button" class="difference" onClick={() => onSelect(difference.path)} data-path={difference.path}>
            <KindBadge kind={difference.kind} />
            <span class="mono wrap path">{difference.path}</span>
            <Values difference={difference} />
          </button>
        </li>
      ))}
      {comparison.body?.differencesCapped && <li class="muted">The collector lists at most this many differences per pair.</li>}
    </ul>
  );
}

function Values({ difference }: { difference: Difference }) {
  return (
    <span class="values mono wrap">
      {difference.primary ?? "absent"} → {difference.shadow ?? "absent"}
    </span>
  );
}

function RequestHeaders({ pair }: { pair: MismatchView }) {
  if (pair.requestHeaders.length === 0) return <Empty>No request header was captured (the filter's request_headers).</Empty>;
  return (
    <div class="table-wrap">
      <table class="request-headers">
        <tbody>
          {pair.requestHeaders.map((header, index) => (
            <tr key={index}>
              <th scope="row" class="mono wrap">
                {header.name}
              </th>
              <HeaderValue value={header.value} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
