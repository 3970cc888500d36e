import type { CapturedResponse } from "../capture/pair.js";
import { decodeContentEncoding } from "../compare/content-encoding.js";
import { redactJsonText } from "../compare/json-redact.js";
import { DEFAULT_COMPARE_LIMITS } from "../compare/limits.js";
import { MediaTypes } from "../compare/media-type.js";
import { headerValue } from "../compare/status-headers.js";
import { PathMatcher } from "../json-path/matcher.js";

/**
 * Body values never stored or served, whatever the configuration adds (examples.redactBodyPaths):
 * the usual names of credentials, at any depth. Names match exactly, case included.
 */
export const ALWAYS_REDACTED_BODY_PATHS = [
  "$..password",
  "$..passwd",
  "$..secret",
  "$..client_secret",
  "$..token",
  "$..access_token",
  "$..refresh_token",
  "$..id_token",
  "$..api_key",
  "$..apiKey",
  "$..authorization",
  "$..private_key",
] as const;

/** A body as it may be kept: redacted bytes, or nothing and why. */
export type StorableBody = { bytes: Buffer; decoded: boolean } | { withheld: string };

/**
 * What of a response body may be stored and served. JSON bodies are decoded (content-encoding
 * undone) and every value a redaction path names is replaced by "[redacted]"; a body cut at the
 * capture limit keeps what was read of it as JSON, redacted, up to the cut. A JSON body that
 * cannot be decoded, or that is whole but not one JSON value, cannot be redacted, so it is
 * withheld. Other bodies are kept as captured: paths name JSON values only.
 */
export class BodyRedactor {
  private readonly matcher: PathMatcher;
  private readonly mediaTypes = new MediaTypes();

  /** `paths`: examples.redactBodyPaths, added to ALWAYS_REDACTED_BODY_PATHS. */
  constructor(paths: readonly string[]) {
    this.matcher = new PathMatcher([...ALWAYS_REDACTED_BODY_PATHS, ...paths]);
  }

  storable(response: CapturedResponse): StorableBody {
    const { body } = response;
    if (body.length === 0 || this.mediaTypes.bodyKindOf(headerValue(response.headers, "content-type")) !== "json") return { bytes: body, decoded: false };
    const encoding = headerValue(response.headers, "content-encoding");
    const cut = response.truncated;
    const decoded = decodeContentEncoding(body, encoding, DEFAULT_COMPARE_LIMITS.maxDecodedBytes, cut);
    if (!decoded.ok) return { withheld: `the body could not be decoded (${decoded.reason}), so it could not be redacted` };
    const redacted = redactJsonText(decoded.bytes, this.matcher, { prefix: cut });
    if (redacted === null) return { withheld: "the body is not one whole JSON value, so it could not be redacted" };
    return { bytes: redacted, decoded: decoded.bytes !== body };
  }
}
