import { createHash } from "node:crypto";

// The comparison from the shadow-deployment article, ported from its Python: drop a few
// top-level fields, serialise with sorted keys, and compare MD5 hashes of the two texts.
const FIELDS_TO_IGNORE = ["timestamp", "request_id", "generated_at"];

function sortedStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

function normalize(body: string): string {
  try {
    const data: unknown = JSON.parse(body);
    if (data !== null && typeof data === "object" && !Array.isArray(data)) {
      for (const field of FIELDS_TO_IGNORE) delete (data as Record<string, unknown>)[field];
    }
    return sortedStringify(data);
  } catch {
    return body;
  }
}

/** True when the article's approach calls the two bodies a match. */
export function articleBodiesMatch(primary: Buffer, shadow: Buffer): boolean {
  const p = createHash("md5").update(normalize(primary.toString("utf8"))).digest("hex");
  const s = createHash("md5").update(normalize(shadow.toString("utf8"))).digest("hex");
  return p === s;
}
