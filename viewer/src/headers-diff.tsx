import type { Header } from "../../host/capture/pair.js";
import type { HeaderDifference } from "../../host/compare/status-headers.js";
import { REDACTED } from "./curl.js";
import { Empty } from "./widgets.js";

interface HeaderRow {
  name: string;
  primary: string | null;
  shadow: string | null;
  /** The collector compares this header and found it different. */
  compared: boolean;
}

/** One row per header name (lower case), repeated headers joined with ", " as HTTP allows. */
export function headerRows(primary: Header[], shadow: Header[] | null, differences: HeaderDifference[]): HeaderRow[] {
  const rows = new Map<string, HeaderRow>();
  const add = (headers: Header[], side: "primary" | "shadow") => {
    for (const { name, value } of headers) {
      const key = name.toLowerCase();
      const row = rows.get(key) ?? { name: key, primary: null, shadow: null, compared: false };
      row[side] = row[side] === null ? value : `${row[side]}, ${value}`;
      rows.set(key, row);
    }
  };
  add(primary, "primary");
  add(shadow ?? [], "shadow");
  for (const difference of differences) {
    const key = difference.name.toLowerCase();
    const row = rows.get(key) ?? { name: key, primary: difference.primary, shadow: difference.shadow, compared: true };
    row.compared = true;
    rows.set(key, row);
  }
  return [...rows.values()];
}

export function HeadersDiff({ rows, shadowAnswered }: { rows: HeaderRow[]; shadowAnswered: boolean }) {
  if (rows.length === 0) return <Empty>No response header was captured.</Empty>;
  return (
    <div class="table-wrap">
      <table class="headers-diff">
        <thead>
          <tr>
            <th scope="col">Header</th>
            <th scope="col">Primary</th>
            <th scope="col">Shadow</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const differs = shadowAnswered && row.primary !== row.shadow;
            return (
              <tr key={row.name} class={differs ? (row.compared ? "header-compared" : "header-differs") : undefined}>
                <th scope="row" class="mono wrap">
                  {row.name}
                  {row.compared && <span class="tag">compared</span>}
                </th>
                <HeaderValue value={row.primary} />
                <HeaderValue value={shadowAnswered ? row.shadow : null} />
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function HeaderValue({ value }: { value: string | null }) {
  if (value === null) return <td class="muted">absent</td>;
  if (value === REDACTED) return <td><span class="tag tag-redacted">redacted</span></td>;
  return <td class="mono wrap">{value}</td>;
}
