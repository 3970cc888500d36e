import { createHash, timingSafeEqual } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type * as grpc from "@grpc/grpc-js";
import { ConfigError } from "../config/validate.js";

// The shared token that the filter sends with every report (`authorization: Bearer <token>`), for
// intake without Istio. It is read once, at start-up, from the file `grpc.tokenFile` names (a
// mounted Secret, say): a token changed under a running collector would refuse the filter's
// reports until the filter's configuration caught up, so a new token takes a restart. Nothing
// here puts the token, or any part of a file's content, in a message.

const KEY = "grpc.tokenFile";
/** A token file holds one token and perhaps a line end; anything larger is not one. */
export const TOKEN_FILE_MAX_BYTES = 4096;
export const TOKEN_MIN_CHARS = 16;
/** RFC 6750's b64token: what a Bearer credential may hold. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The token in `path`, without its line end; a ConfigError naming the key and the file otherwise. */
export function readTokenFile(path: string): string {
  const refuse = (rule: string): never => {
    throw new ConfigError([`config key "${KEY}": the file ${path} ${rule}`]);
  };
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    if (!fstatSync(fd).isFile()) refuse("is not a regular file");
    const buffer = Buffer.alloc(TOKEN_FILE_MAX_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    bytes = buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    return refuse(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (bytes.length > TOKEN_FILE_MAX_BYTES) refuse(`is over ${TOKEN_FILE_MAX_BYTES} bytes: it must hold one token`);
  const text = bytes.toString("latin1").replace(/\r?\n$/, "");
  if (text === "") refuse("is empty: it must hold one token");
  if (!B64TOKEN.test(text)) refuse("must hold one token on one line: letters, digits and - . _ ~ + / (then = padding), no spaces or control characters");
  if (text.length < TOKEN_MIN_CHARS) refuse(`holds a token of fewer than ${TOKEN_MIN_CHARS} characters: too easy to guess`);
  return text;
}

export type TokenCheckResult = "ok" | "missing" | "wrong";

/**
 * Checks a call's `authorization` metadata against `Bearer <token>`: SHA-256 digests of both, of
 * fixed length, compared in constant time, so the time taken tells nothing about the token.
 */
export class IntakeToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(`Bearer ${token}`);
  }

  check(metadata: grpc.Metadata): TokenCheckResult {
    const values = metadata.get("authorization");
    if (values.length === 0) return "missing";
    // One credential: a repeated header is not a way to try several.
    if (values.length > 1) return "wrong";
    const value = values[0] as string | Buffer;
    return timingSafeEqual(digest(value), this.expected) ? "ok" : "wrong";
  }
}

function digest(value: string | Buffer): Buffer {
  return createHash("sha256").update(value).digest();
}
