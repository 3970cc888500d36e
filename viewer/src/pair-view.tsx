import { useState } from "preact/hooks";
import type { Comparison } from "../../host/compare/comparison.js";
import type { Difference } from "../../host/compare/difference.js";
import { foldIndices } from "../../host/metrics/field-labels.js";
import { CLASS_WORDS } from "../../host/noise/noise-words.js";
import { ApiError, fetchPair, type DifferenceClass, type MismatchView, type PairDetail } from "./api.js";
import { BodyPanel, RequestBody, type Focus } from "./body-panel.js";
import { CurlBox } from "./curl-box.js";
import { differenceWhy } from "./difference-words.js";
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
  noise_pending:
    "Its differences are on fields the route's counts have not settled as noise or regression yet: too few pairs with a secondary. The verdict counts it again as they settle; each difference below says where it stands now.",
  streaming: "A gRPC answer held more than one message: a streaming call, which shadowdiff does not compare.",
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
            <a class="mono" href={routeHref(pair.data.route, pair.data.target || null)}>
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

/** The target's name as the page says it: examples kept before targets were named compared "the shadow". */
function targetName(pair: MismatchView): string {
  return pair.target || "shadow";
}

const classKey = (field: string, kind: string) => `${field}\u0000${kind}`;

/** Each difference's class by its field (indices folded) and kind; empty from a collector that does not class them. */
function classesOf(pair: PairDetail): Map<string, DifferenceClass> {
  return new Map((pair.classes ?? []).map((each) => [classKey(each.field, each.kind), each]));
}

/** Where each of a comparison's body differences is highlighted on the side it exists on; noise marked as noise. */
function highlightsOf(comparison: Comparison | null, sides: Set<string>, classes: Map<string, DifferenceClass>, allNoise = false): Map<string, string> {
  const differences = comparison?.body?.differences ?? [];
  return new Map(
    differences
      .filter((d) => sides.has(d.kind))
      .map((d) => [d.path, allNoise || classes.get(classKey(foldIndices(d.path), d.kind))?.class === "noise" ? "noise" : d.kind]),
  );
}

function Pair({ pair }: { pair: PairDetail }) {
  const [focus, setFocus] = useState<Focus | undefined>(undefined);
  const { comparison } = pair;
  const differences = comparison.body?.differences ?? [];
  const classes = classesOf(pair);
  const target = targetName(pair);
  const rows = headerRows(pair.primary.headers, pair.shadow?.headers ?? null, comparison.headers);
  const json = comparison.body?.kind === "json";
  const secondary = pair.secondary;
  const grpcCount = (comparison.grpc?.status ? 1 : 0) + (comparison.trailers?.length ?? 0);
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
          <dt>Target</dt>
          <dd class="mono wrap" data-target={pair.target}>
            {target}
          </dd>
        </div>
        <div>
          <dt>Secondary</dt>
          <dd>{secondary === null ? "none in this pair" : secondary.failure !== null ? `asked, failed: ${secondary.failure}` : "asked: its answer is the third column"}</dd>
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
        {pair.grpc !== null && (
          <div>
            <dt>gRPC method</dt>
            <dd class="mono wrap">{pair.path.replace(/^\//, "")}</dd>
          </div>
        )}
      </dl>

      <Explanations pair={pair} />

      <div class="columns">
        <Card title="Responses">
          <ResponsesTable pair={pair} />
        </Card>
        <Card title={`Differences (${count(differences.length + (comparison.status ? 1 : 0) + comparison.headers.length + grpcCount)}${comparison.body?.differencesCapped ? "+" : ""})`}>
          <DifferenceList pair={pair} classes={classes} onSelect={(path) => setFocus({ path, seq: (focus?.seq ?? 0) + 1 })} />
        </Card>
      </div>

      <Card title="Bodies" class="bodies-card">
        <div class={`bodies${secondary === null ? "" : " bodies-3"}`}>
          <BodyPanel side="primary" name="Primary" response={pair.primary} failure={null} highlights={highlightsOf(comparison, ON_PRIMARY, classes)} focus={focus} json={json} />
          <BodyPanel side="shadow" name={`Target ${target}`} response={pair.shadow} failure={pair.shadowFailure && FAILURES[pair.shadowFailure] ? `${pair.shadowFailure}. ${FAILURES[pair.shadowFailure]}` : pair.shadowFailure} highlights={highlightsOf(comparison, ON_SHADOW, classes)} focus={focus} json={json} />
          {secondary !== null && (
            <BodyPanel
              side="secondary"
              name="Secondary"
              response={secondary.response}
              failure={secondary.failure && FAILURES[secondary.failure] ? `${secondary.failure}. ${FAILURES[secondary.failure]}` : secondary.failure}
              highlights={highlightsOf(secondary.comparison, ON_SHADOW, classes, true)}
              focus={undefined}
              json={secondary.comparison?.body?.kind === "json" || json}
            />
          )}
        </div>
      </Card>

      <Card title="Response headers">
        <HeadersDiff rows={rows} shadowAnswered={pair.shadow !== null} target={target} />
      </Card>

      {pair.grpc !== null && (
        <Card title="Response trailers">
          <HeadersDiff rows={headerRows(pair.primary.trailers ?? [], pair.shadow?.trailers ?? null, comparison.trailers ?? [])} shadowAnswered={pair.shadow !== null} />
        </Card>
      )}

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
  const target = targetName(pair);
  const notes: { title: string; text: string }[] = [];
  if (pair.shadowFailure) notes.push({ title: `${target} failed: ${pair.shadowFailure}.`, text: FAILURES[pair.shadowFailure] ?? "" });
  if (comparison.inconclusive) {
    notes.push({
      title: `Inconclusive: ${comparison.inconclusive.reason}.`,
      text: `${INCONCLUSIVE[comparison.inconclusive.reason] ?? ""} (${comparison.inconclusive.detail})`,
    });
  }
  const grpc = comparison.grpc;
  if (grpc?.messages === "bytes" && comparison.body?.differences.length) {
    notes.push({ title: "Messages compared as bytes.", text: `${grpc.detail ?? ""}. Their differences have no field to name.` });
  } else if (grpc?.messages === "decoded" && grpc.messageType !== undefined) {
    notes.push({ title: `Messages compared field by field, as ${grpc.messageType}.`, text: "Both were decoded through the collector's descriptor sets and are shown as proto3 JSON." });
  }
  for (const [side, response] of [
    ["primary", pair.primary],
    [target, pair.shadow],
    ["secondary", pair.secondary?.response ?? null],
  ] as const) {
    if (response?.truncated) {
      notes.push({ title: `${side === "primary" || side === "secondary" ? `The ${side}` : side}'s body was cut.`, text: `Only the start of its ${bytes(response.bodySize)} was captured (the filter's max_body_bytes).` });
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
  const target = targetName(pair);
  const secondary = pair.secondary;
  const other = secondary?.response ?? null;
  const cell = (value: string, differs: boolean) => <td class={`num ${differs ? "cell-differs" : ""}`}>{value}</td>;
  // The secondary's column, when the pair had one: the primary's own version, asked again.
  const third = (value: (response: NonNullable<typeof other>) => string, differs = false) =>
    secondary === null ? null : cell(other === null ? (secondary.failure ?? "–") : value(other), differs || other === null);
  const overSecondary = other !== null && shadow !== null && other.latencySeconds > 0 ? shadow.latencySeconds / other.latencySeconds : null;
  return (
    <table class="responses">
      <thead>
        <tr>
          <th scope="col" />
          <th scope="col" class="num">
            Primary
          </th>
          <th scope="col" class="num mono">
            {target}
          </th>
          {secondary !== null && (
            <th scope="col" class="num">
              Secondary
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">Status</th>
          {cell(String(primary.status), comparison.status !== undefined)}
          {cell(shadow ? String(shadow.status) : (pair.shadowFailure ?? "–"), comparison.status !== undefined || shadow === null)}
          {third((response) => String(response.status), secondary?.comparison?.status !== undefined)}
        </tr>
        <tr>
          <th scope="row">Latency</th>
          {cell(duration(primary.latencySeconds), false)}
          {cell(shadow ? duration(shadow.latencySeconds) : "–", false)}
          {third((response) => duration(response.latencySeconds))}
        </tr>
        <tr>
          <th scope="row">Body</th>
          {cell(`${bytes(primary.bodySize)}${primary.truncated ? " (cut)" : ""}`, false)}
          {cell(shadow ? `${bytes(shadow.bodySize)}${shadow.truncated ? " (cut)" : ""}` : "–", false)}
          {third((response) => `${bytes(response.bodySize)}${response.truncated ? " (cut)" : ""}`)}
        </tr>
        {pair.grpc !== null && (
          <tr>
            <th scope="row">gRPC status</th>
            {cell(grpcStatus(pair.primary.trailers), comparison.grpc?.status !== undefined)}
            {cell(shadow ? grpcStatus(shadow.trailers) : "–", comparison.grpc?.status !== undefined)}
          </tr>
        )}
        {comparison.latencyRatio !== null && (
          <tr>
            <th scope="row">{target} ÷ primary</th>
            <td />
            <td class="num">{comparison.latencyRatio.toFixed(2)}×</td>
            {secondary !== null && <td />}
          </tr>
        )}
        {overSecondary !== null && (
          <tr>
            <th scope="row">{target} ÷ secondary</th>
            <td />
            <td class="num">{overSecondary.toFixed(2)}×</td>
            <td />
          </tr>
        )}
      </tbody>
    </table>
  );
}

/** gRPC's status codes by number, as grpc-status carries them. */
const GRPC_CODES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
];

function grpcCode(code: number | string | null): string {
  if (code === null) return "none";
  return typeof code === "number" && GRPC_CODES[code] !== undefined ? `${code} ${GRPC_CODES[code]}` : String(code);
}

function grpcStatus(trailers: { name: string; value: string }[] | undefined): string {
  const value = trailers?.find((trailer) => trailer.name === "grpc-status")?.value;
  return grpcCode(value === undefined ? null : /^\d{1,2}$/.test(value) ? Number(value) : value);
}

/** One difference as the list shows it: what it is on, its values, and where it is in the bodies (body differences only). */
interface Entry {
  key: string;
  field: string;
  kind: string;
  label: string;
  values: string;
  path?: string;
  difference?: Difference;
}

function entriesOf(comparison: Comparison): Entry[] {
  const entries: Entry[] = [];
  if (comparison.status) entries.push({ key: "status", field: "status", kind: "status", label: "status", values: `${comparison.status.primary} → ${comparison.status.shadow}` });
  const grpcStatusDiffers = comparison.grpc?.status;
  if (grpcStatusDiffers) {
    entries.push({ key: "grpc-status", field: "grpc-status", kind: "status", label: "grpc-status", values: `${grpcCode(grpcStatusDiffers.primary)} → ${grpcCode(grpcStatusDiffers.shadow)}` });
  }
  for (const header of comparison.headers) {
    entries.push({ key: `header\u0000${header.name}`, field: header.name, kind: "header", label: header.name, values: `${header.primary ?? "absent"} → ${header.shadow ?? "absent"}` });
  }
  // Trailers are headers sent last: the same kind, named apart (as the collector counts them).
  for (const trailer of comparison.trailers ?? []) {
    const field = `trailer ${trailer.name}`;
    entries.push({ key: `trailer\u0000${trailer.name}`, field, kind: "header", label: field, values: `${trailer.primary ?? "absent"} → ${trailer.shadow ?? "absent"}` });
  }
  for (const difference of comparison.body?.differences ?? []) {
    entries.push({ key: `${difference.path}\u0000${difference.kind}`, field: foldIndices(difference.path), kind: difference.kind, label: difference.path, values: "", path: difference.path, difference });
  }
  return entries;
}

const RANK = { regression: 0, pending: 1, noise: 2 } as const;

/** Regressions first, then what is not settled; noise folded below them, one click away. */
function DifferenceList({ pair, classes, onSelect }: { pair: MismatchView; classes: Map<string, DifferenceClass>; onSelect: (path: string) => void }) {
  const { comparison } = pair;
  const entries = entriesOf(comparison).map((entry) => ({ entry, class: classes.get(classKey(entry.field, entry.kind)) }));
  if (entries.length === 0) {
    return <Empty>{pair.shadowFailure ? `Nothing to compare: ${targetName(pair)} gave no response.` : "No difference was listed."}</Empty>;
  }
  const rank = (each: (typeof entries)[number]) => RANK[each.class?.class ?? "regression"];
  const standing = entries.filter((each) => each.class?.class !== "noise").sort((a, b) => rank(a) - rank(b));
  const noise = entries.filter((each) => each.class?.class === "noise");
  const item = ({ entry, class: each }: (typeof entries)[number]) => (
    <li key={entry.key} data-class={each?.class}>
      <DifferenceItem entry={entry} each={each} target={targetName(pair)} onSelect={onSelect} />
    </li>
  );
  return (
    <>
      {standing.length > 0 && <ul class="differences">{standing.map(item)}</ul>}
      {noise.length > 0 && (
        <details class="noise-differences">
          <summary>
            {`${count(noise.length)} noise ${noise.length === 1 ? "difference" : "differences"}, cancelled: v1 differs from itself there too`}
          </summary>
          <ul class="differences">{noise.map(item)}</ul>
        </details>
      )}
      {comparison.body?.differencesCapped && <p class="muted">The collector lists at most this many differences per pair.</p>}
    </>
  );
}

function DifferenceItem({ entry, each, target, onSelect }: { entry: Entry; each: DifferenceClass | undefined; target: string; onSelect: (path: string) => void }) {
  const content = (
    <>
      <span class="difference-tags">
        <KindBadge kind={entry.kind} />
        {each !== undefined && <span class={`class class-${each.class}`}>{CLASS_WORDS[each.class]}</span>}
      </span>
      <span class={`mono wrap${entry.path === undefined ? "" : " path"}`}>{entry.label}</span>
      {entry.difference !== undefined ? <Values difference={entry.difference} /> : <span class="values mono wrap">{entry.values}</span>}
      {each !== undefined && <span class="why">{differenceWhy(each, target)}</span>}
    </>
  );
  if (entry.path === undefined) return <div class="difference">{content}</div>;
  const path = entry.path;
  return (
    <button type="button" class="difference" onClick={() => onSelect(path)} data-path={path}>
      {content}
    </button>
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
