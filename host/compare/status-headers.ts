import type { Header } from "../capture/pair.js";

export interface HeaderDifference {
  name: string;
  primary: string | null;
  shadow: string | null;
}

/** The header's value; repeated headers joined with ", " as HTTP allows. */
export function headerValue(headers: readonly Header[], name: string): string | undefined {
  let value: string | undefined;
  for (const header of headers) {
    if (header.name === name) value = value === undefined ? header.value : `${value}, ${header.value}`;
  }
  return value;
}

/** The configured response headers whose values differ (absent on one side counts). */
export function diffHeaders(primary: readonly Header[], shadow: readonly Header[], names: readonly string[]): HeaderDifference[] {
  const differences: HeaderDifference[] = [];
  for (const name of names) {
    const p = headerValue(primary, name);
    const s = headerValue(shadow, name);
    if (p !== s) differences.push({ name, primary: p ?? null, shadow: s ?? null });
  }
  return differences;
}
