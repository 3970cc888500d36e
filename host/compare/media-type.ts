export type BodyKind = "json" | "text" | "binary";

const REMEMBERED_TYPES = 256;
/** A content-type longer than this is worked out each time, never remembered: memory stays bounded in bytes. */
const REMEMBERED_TYPE_CHARS = 128;

/**
 * How a body is compared, from its content-type: JSON structurally, text exactly, else digest.
 * A service sends a handful of content-types, so each is worked out once (the first 256 of at most
 * 128 characters kept).
 */
export class MediaTypes {
  private readonly remembered = new Map<string, BodyKind>();

  bodyKindOf(contentType: string | undefined): BodyKind {
    if (contentType === undefined) return "binary";
    let kind = this.remembered.get(contentType);
    if (kind === undefined) {
      kind = classify(contentType);
      if (this.remembered.size < REMEMBERED_TYPES && contentType.length <= REMEMBERED_TYPE_CHARS) this.remembered.set(contentType, kind);
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
