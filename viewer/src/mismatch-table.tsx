import { clock } from "./format.js";
import { pairHref, routeHref } from "./hash-route.js";
import type { MismatchListItem } from "./api.js";
import { Empty, OutcomePill } from "./widgets.js";

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
            <th scope="col">Request</th>
            <th scope="col">What differed</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              <td class="num col-time">{clock(item.recordedAt)}</td>
              <td class="col-outcome">
                <OutcomePill outcome={item.outcome} />
              </td>
              {showRoute && (
                <td class="mono wrap">
                  <a href={routeHref(item.route)}>{item.route}</a>
                </td>
              )}
              <td class="mono wrap">
                <a href={pairHref(item.id)} aria-label={`Pair ${item.id}: ${item.method} ${item.path}`}>
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
