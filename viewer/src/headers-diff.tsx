import { REDACTED } from "./curl.js";
import type { HeaderRow } from "./header-rows.js";
import { Empty } from "./widgets.js";

/** `target`: the name of the side compared with the primary. */
export function HeadersDiff({ rows, shadowAnswered, target = "Shadow" }: { rows: HeaderRow[]; shadowAnswered: boolean; target?: string }) {
  if (rows.length === 0) return <Empty>No response header was captured.</Empty>;
  return (
    <div class="table-wrap">
      <table class="headers-diff">
        <thead>
          <tr>
            <th scope="col">Header</th>
            <th scope="col">Primary</th>
            <th scope="col">{target}</th>
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
