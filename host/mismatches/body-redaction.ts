import type { CapturedBody, CapturedResponse, Header } from "../capture/pair.js";
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

/** A body as it may be kept: redacted bytes (`redacted`: a value was replaced), or nothing and why. */
export type StorableBody = { bytes: Buffer; decoded: boolean; redacted: boolean } | { withheld: string };

/** JSON text starts with one of these, after any whitespace. */
const JSON_OPENERS = new Set(["{".charCodeAt(0), "[".charCodeAt(0)]);
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * What of a response's body, or a request's, may be stored and served. JSON bodies are decoded
 * (content-encoding undone) and every value a redaction path names is replaced by "[redacted]"; a
 * body cut at the capture limit keeps what was read of it as JSON, redacted, up to the cut. A JSON body that
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
    return this.redacted(response, response.headers, this.mediaTypes.bodyKindOf(headerValue(response.headers, "content-type")) === "json");
  }

  /**
   * The request body the same way. A request's content-type is captured only when the filter's
   * request_headers names it; without one, a body that opens like JSON text is taken for JSON, so
   * its credentials are redacted (or it is withheld) rather than kept as they came.
   */
  storableRequest(body: CapturedBody, requestHeaders: readonly Header[]): StorableBody {
    const contentType = headerValue(requestHeaders, "content-type");
    const json = contentType === undefined ? opensLikeJson(body.body) : this.mediaTypes.bodyKindOf(contentType) === "json";
    return this.redacted(body, requestHeaders, json);
  }

  private redacted({ body, truncated }: CapturedBody, headers: readonly Header[], json: boolean): StorableBody {
    if (body.length === 0 || !json) return { bytes: body, decoded: false, redacted: false };
    const decoded = decodeContentEncoding(body, headerValue(headers, "content-encoding"), DEFAULT_COMPARE_LIMITS.maxDecodedBytes, truncated);
    if (!decoded.ok) return { withheld: `the body could not be decoded (${decoded.reason}), so it could not be redacted` };
    const redacted = redactJsonText(decoded.bytes, this.matcher, { prefix: truncated });
    if (redacted === null) return { withheld: "the body is not one whole JSON value, so it could not be redacted" };
    // A cut body's redacted text also ends where the JSON was cut: only a replacement changes what comes before.
    return { bytes: redacted, decoded: decoded.bytes !== body, redacted: !redacted.equals(decoded.bytes.subarray(0, redacted.length)) };
  }
}

function opensLikeJson(body: Buffer): boolean {
  for (const byte of body) {
    if (!JSON_WHITESPACE.has(byte)) return JSON_OPENERS.has(byte);
  }
  return false;
}
