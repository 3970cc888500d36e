import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type * as grpc from "@grpc/grpc-js";
import { BearerToken, type TokenCheckResult } from "../auth/bearer-token.js";
import { ConfigError } from "../config/validate.js";

// The shared token that the filter sends with every report (`authorization: Bearer <token>`), for
// intake without Istio. It is read once, at start-up, from the file `grpc.tokenFile` names (a
// mounted Secret, say): a token changed under a running collector would refuse the filter's
// reports until the filter's configuration caught up, so a new token takes a restart. Nothing
// here puts the token, or any part of a file's content, in a message.

/** A token file holds one token and perhaps a line end; anything larger is not one. */
export const TOKEN_FILE_MAX_BYTES = 4096;
export const TOKEN_MIN_CHARS = 16;
/** RFC 6750's b64token: what a Bearer credential may hold. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token in `path`, without its line end; a ConfigError naming where the path came from
 * (`config key "grpc.tokenFile"`, `config key "http.tokenFile"`, a command's flag) and the file otherwise.
 */
export function readTokenFile(path: string, source = 'config key "grpc.tokenFile"'): string {
  const refuse = (rule: string): never => {
    throw new ConfigError([`${source}: the file ${path} ${rule}`]);
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

export type { TokenCheckResult };

/** Checks a call's `authorization` metadata against `Bearer <token>` (auth/bearer-token.ts). */
export class IntakeToken {
  private readonly bearer: BearerToken;

  constructor(token: string) {
    this.bearer = new BearerToken(token);
  }

  check(metadata: grpc.Metadata): TokenCheckResult {
    return this.bearer.check(metadata.get("authorization") as (string | Buffer)[]);
  }
}
