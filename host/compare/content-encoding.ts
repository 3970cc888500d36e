import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";

export type DecodedBody =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: "too_large" | "undecodable"; detail: string };

/**
 * Undoes `content-encoding` (gzip, deflate, br, identity; a list is undone last to first).
 * Decoded output is capped at `maxBytes`, so a small compressed body cannot expand without bound;
 * an identity body is taken as it came (its size is bounded by the gRPC message size).
 * `acceptCut` decodes what a body cut short holds (a truncated capture) instead of refusing it:
 * for showing a body to a person, never for comparing it.
 */
export function decodeContentEncoding(body: Buffer, contentEncoding: string | undefined, maxBytes: number, acceptCut = false): DecodedBody {
  if (contentEncoding === undefined || contentEncoding === "") return { ok: true, bytes: body };
  let bytes = body;
  const codings = (contentEncoding ?? "")
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity")
    .reverse();
  for (const coding of codings) {
    try {
      bytes = decodeOne(bytes, coding, maxBytes, acceptCut);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ERR_BUFFER_TOO_LARGE") {
        return { ok: false, reason: "too_large", detail: `${coding} body expands past ${maxBytes} bytes` };
      }
      return { ok: false, reason: "undecodable", detail: `${coding}: ${(error as Error).message}` };
    }
  }
  return { ok: true, bytes };
}

function decodeOne(bytes: Buffer, coding: string, maxOutputLength: number, acceptCut: boolean): Buffer {
  const zlib = acceptCut ? { maxOutputLength, finishFlush: constants.Z_SYNC_FLUSH } : { maxOutputLength };
  switch (coding) {
    case "gzip":
    case "x-gzip":
      return gunzipSync(bytes, zlib);
    case "deflate":
      // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
      try {
        return inflateSync(bytes, zlib);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw error;
        return inflateRawSync(bytes, zlib);
      }
    case "br":
      return brotliDecompressSync(bytes, acceptCut ? { maxOutputLength, finishFlush: constants.BROTLI_OPERATION_FLUSH } : { maxOutputLength });
    default:
      throw new Error(`unknown content-encoding "${coding}"`);
  }
}
