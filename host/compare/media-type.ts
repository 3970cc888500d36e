export type BodyKind = "json" | "text" | "binary";

const remembered = new Map<string, BodyKind>();
const REMEMBERED_TYPES = 256;

/** How a body is compared, from its content-type: JSON structurally, text exactly, else digest. */
export function bodyKindOf(contentType: string | undefined): BodyKind {
  if (contentType === undefined) return "binary";
  let kind = remembered.get(contentType);
  if (kind === undefined) {
    kind = classify(contentType);
    if (remembered.size < REMEMBERED_TYPES) remembered.set(contentType, kind);
  }
  return kind;
}

function classify(contentType: string): BodyKind {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json" || type.endsWith("+json")) return "json";
  if (
    type.startsWith("text/") ||
    type === "application/xml" ||
    type.endsWith("+xml") ||
    type === "application/javascript" ||
    type === "application/x-www-form-urlencoded"
  ) {
    return "text";
  }
  return "binary";
}
