import { useState } from "preact/hooks";
import { fetchMismatches, type MismatchListItem } from "./api.js";
import { clock } from "./format.js";
import { pairHref, routeHref } from "./hash-route.js";
import { usePoll } from "./hooks.js";
import { Card, Empty, OutcomePill } from "./widgets.js";

/**
 * The newest stored examples (of a route, when given), with a filter by target: all of them, or
 * `initialTarget`'s to start with.
 */
export function PairList(props: { title: string; route?: string; targets: readonly string[]; initialTarget?: string | null; limit: number }) {
  const { route, limit } = props;
  const [target, setTarget] = useState<string>(props.initialTarget ?? "");
  const newest = usePoll((signal) => fetchMismatches({ ...(route === undefined ? {} : { route }), ...(target === "" ? {} : { target }), limit }, signal), `newest\u0000${route ?? ""}\u0000${target}`);
  // A target chosen before may not be listed (yet): it stays a choice.
  const targets = [...new Set([...props.targets, ...(target === "" ? [] : [target])])].sort();
  const filter = (
    <label class="target-filter">
      Target{" "}
      <select value={target} onChange={(event) => setTarget((event.target as HTMLSelectElement).value)}>
        <option value="">all targets</option>
        {targets.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <Card title={props.title} actions={filter} class="pair-list">
      {newest.data !== undefined && <MismatchTable items={newest.data} showRoute={route === undefined} />}
    </Card>
  );
}

/** Stored examples, newest first; each row opens its pair. */
export function MismatchTable({ items, showRoute }: { items: MismatchListItem[]; showRoute: boolean }) {
  if (items.length === 0) return <Empty>No mismatching or inconclusive pair is stored.</Empty>;
  return (
    <div class="table-wrap">
      <table class="mismatches">
        <thead>
          <tr>
            <th scope="col" class="col-time">Recorded</th>
            <th scope="col" class="col-outcome">Outcome</th>
            {showRoute && <th scope="col">Route</th>}
            <th scope="col" class="col-target">Target</th>
            <th scope="col">Request</th>
            <th scope="col">What differed</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} data-target={item.target}>
              <td class="num col-time">{clock(item.recordedAt)}</td>
              <td class="col-outcome">
                <OutcomePill outcome={item.outcome} />
              </td>
              {showRoute && (
                <td class="mono wrap">
                  <a href={routeHref(item.route, item.target || null)}>{item.route}</a>
                </td>
              )}
              <td class="mono col-target">{item.target || "–"}</td>
              <td class="mono wrap">
                <a href={pairHref(item.id)} aria-label={`Pair ${item.id}: ${item.method} ${item.path}${item.target ? ` with ${item.target}` : ""}`}>
                  <span class="method">{item.method}</span> {item.path}
                </a>
              </td>
              <td class="wrap summary-cell">{item.summary}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
