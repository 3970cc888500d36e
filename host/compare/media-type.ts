export type BodyKind = "json" | "text" | "binary";

const REMEMBERED_TYPES = 256;

/**
 * How a body is compared, from its content-type: JSON structurally, text exactly, else digest.
 * A service sends a handful of content-types, so each is worked out once (the first 256 kept).
 */
export class MediaTypes {
  private readonly remembered = new Map<string, BodyKind>();

  bodyKindOf(contentType: string | undefined): BodyKind {
    if (contentType === undefined) return "binary";
    let kind = this.remembered.get(contentType);
    if (kind === undefined) {
      kind = classify(contentType);
      if (this.remembered.size < REMEMBERED_TYPES) this.remembered.set(contentType, kind);
    }
    return kind;
  }
}

function classify(contentType: string): BodyKind {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
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
