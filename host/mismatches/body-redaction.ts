import { basename } from "node:path";
import type { CapturedBody, CapturedResponse, Header } from "../capture/pair.js";
import { decodeContentEncoding } from "../compare/content-encoding.js";
import { decompressMessage, readFrames } from "../grpc/grpc-frames.js";
import type { GrpcMessages } from "../grpc/grpc-messages.js";
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
  // The same names as proto3 JSON spells them (gRPC messages are kept in that form).
  "$..clientSecret",
  "$..accessToken",
  "$..refreshToken",
  "$..idToken",
  "$..privateKey",
] as const;

/**
 * A body as it may be kept: redacted bytes (`redacted`: a value was replaced; `messageType`: a gRPC
 * message kept as its proto3 JSON form), or nothing and why.
 */
export type StorableBody = { bytes: Buffer; decoded: boolean; redacted: boolean; messageType?: string } | { withheld: string };

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

  /** `paths`: examples.redactBodyPaths, added to ALWAYS_REDACTED_BODY_PATHS; `grpc`: how gRPC messages are read. */
  constructor(paths: readonly string[], private readonly grpc?: GrpcMessages) {
    this.matcher = new PathMatcher([...ALWAYS_REDACTED_BODY_PATHS, ...paths]);
  }

  /** The descriptor sets' file names (without their folders), as grpcurl's -protoset would take them. */
  get descriptorSetNames(): string[] {
    return (this.grpc?.descriptorSets ?? []).map((path) => basename(path));
  }

  /**
   * A gRPC call's message (`input`: the request's; `output`: an answer's): kept as its proto3 JSON
   * form, decoded through the descriptor sets and redacted like a JSON body. A message that cannot
   * be decoded (cut, compressed past reading, not in the descriptor sets, not valid) cannot be
   * redacted, so it is withheld; a body without a message is kept as it is (empty).
   */
  storableGrpc(body: CapturedBody, headers: readonly Header[], path: string, direction: "input" | "output"): StorableBody {
    if (body.body.length === 0) return { bytes: body.body, decoded: false, redacted: false };
    const withheld = (why: string): StorableBody => ({ withheld: `${why}, so it could not be redacted` });
    if (body.truncated) return withheld("the message was cut at the capture limit");
    const frames = readFrames(body.body);
    if (frames.kind === "many") return withheld(`the body holds ${frames.count} messages`);
    if (frames.kind !== "one") return withheld("the body is not one length-prefixed message");
    let message = frames.message;
    if (frames.compressed) {
      const decompressed = decompressMessage(message, headerValue(headers, "grpc-encoding"), DEFAULT_COMPARE_LIMITS.maxDecodedBytes);
      if (!decompressed.ok) return withheld(decompressed.detail);
      message = decompressed.bytes;
    }
    const types = this.grpc?.method(path) ?? { ok: false as const, detail: "no descriptor sets are configured" };
    if (!types.ok) return withheld(`the message could not be decoded (${types.detail})`);
    const decoded = this.grpc!.decode(direction === "input" ? types.input : types.output, message);
    if (!decoded.ok) return withheld(`the message is ${decoded.detail}`);
    const text = Buffer.from(JSON.stringify(decoded.json));
    const redacted = redactJsonText(text, this.matcher, { prefix: false });
    if (redacted === null) return withheld("its JSON form could not be read back");
    return { bytes: redacted, decoded: false, redacted: !redacted.equals(text), messageType: decoded.typeName };
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
