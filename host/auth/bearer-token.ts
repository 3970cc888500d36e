import { createHash, timingSafeEqual } from "node:crypto";

export type TokenCheckResult = "ok" | "missing" | "wrong";

/**
 * `Bearer <token>` as HTTP defines credentials (RFC 9110 §11.4): the scheme in any case, then one
 * or more spaces. Whatever follows is taken whole, so a second credential joined to the first is
 * not the token.
 */
const BEARER_CREDENTIALS = /^bearer +(.*)$/is;

/**
 * Checks `authorization` values against one token, for the gRPC intake and the HTTP port alike:
 * SHA-256 digests of both, of fixed length, compared in constant time, so the time taken tells
 * nothing about the token. The scheme is not secret and is read plainly.
 */
export class BearerToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** `values`: every `authorization` value the call carried. */
  check(values: readonly (string | Buffer)[]): TokenCheckResult {
    if (values.length === 0) return "missing";
    // One credential: a repeated header is not a way to try several.
    if (values.length > 1) return "wrong";
    const value = values[0] as string | Buffer;
    const credentials = BEARER_CREDENTIALS.exec(typeof value === "string" ? value : value.toString("latin1"));
    if (credentials === null) return "wrong";
    return timingSafeEqual(digest(credentials[1] as string), this.expected) ? "ok" : "wrong";
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "latin1").digest();
}
