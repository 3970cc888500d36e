// Both sides' response headers as one table: a row per header name.
import type { Header } from "../../host/capture/pair.js";
import type { HeaderDifference } from "../../host/compare/status-headers.js";

export interface HeaderRow {
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
