import { ExactNumber } from "./json-number.js";

export type DifferenceKind = "changed" | "added" | "removed" | "type";

/** One differing place in a body. `primary`/`shadow` are short previews of the values there. */
export interface Difference {
  path: string;
  kind: DifferenceKind;
  primary?: string;
  shadow?: string;
}

const PREVIEW_CHARS = 120;
/** The preview of a value a redaction path names. */
export const REDACTED_PREVIEW = "[redacted]";

/** A short, bounded rendering of a JSON value for people reading a difference. */
export function preview(value: unknown): string {
  if (value instanceof ExactNumber) return value.text.length > PREVIEW_CHARS ? `${value.text.slice(0, PREVIEW_CHARS)}… (${value.text.length} chars)` : value.text;
  if (Array.isArray(value)) return `[array of ${value.length}]`;
  if (value !== null && typeof value === "object") return `{object of ${Object.keys(value).length} keys}`;
  if (typeof value === "string" && value.length > PREVIEW_CHARS) {
    return JSON.stringify(value.slice(0, PREVIEW_CHARS)) + `… (${value.length} chars)`;
  }
  return JSON.stringify(value);
}
