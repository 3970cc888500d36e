import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/** What a gRPC body holds: no message (an error's answer), one, more than one (a stream), or
 * bytes that are not length-prefixed messages. */
export type GrpcFrames =
  | { kind: "none" }
  | { kind: "one"; compressed: boolean; message: Buffer }
  | { kind: "many"; count: number }
  | { kind: "corrupt"; detail: string };

const PREFIX_BYTES = 5;

/** Reads a body as gRPC frames it: each message a compressed flag (0 or 1), a 4-byte big-endian length, then the message. */
export function readFrames(body: Buffer): GrpcFrames {
  if (body.length === 0) return { kind: "none" };
  let at = 0;
  let count = 0;
  let first: { compressed: boolean; message: Buffer } | undefined;
  while (at < body.length) {
    if (body.length - at < PREFIX_BYTES) return { kind: "corrupt", detail: `${body.length - at} bytes at ${at} are too few for a message's 5-byte prefix` };
    const flag = body[at] as number;
    if (flag > 1) return { kind: "corrupt", detail: `the compressed flag at byte ${at} is ${flag}, not 0 or 1` };
    const length = body.readUInt32BE(at + 1);
    const end = at + PREFIX_BYTES + length;
    if (end > body.length) return { kind: "corrupt", detail: `the message at byte ${at} says ${length} bytes, but ${body.length - at - PREFIX_BYTES} follow` };
    first ??= { compressed: flag === 1, message: body.subarray(at + PREFIX_BYTES, end) };
    count++;
    at = end;
  }
  return count === 1 && first !== undefined ? { kind: "one", ...first } : { kind: "many", count };
}

export type Decompressed = { ok: true; bytes: Buffer } | { ok: false; reason: "too_large" | "undecodable"; detail: string };

/**
 * A compressed message, decompressed with the side's grpc-encoding (gzip, deflate; br as well,
 * though gRPC names none), at most `maxBytes` out. Others (snappy, zstd) are said by name.
 */
export function decompressMessage(message: Buffer, encoding: string | undefined, maxBytes: number): Decompressed {
  const name = (encoding ?? "").trim().toLowerCase();
  const options = { maxOutputLength: maxBytes };
  try {
    if (name === "gzip") return { ok: true, bytes: gunzipSync(message, options) };
    if (name === "deflate") return { ok: true, bytes: inflateSync(message, options) };
    if (name === "br") return { ok: true, bytes: brotliDecompressSync(message, options) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      return { ok: false, reason: "too_large", detail: `the ${name} message expands past ${maxBytes} bytes` };
    }
    return { ok: false, reason: "undecodable", detail: `the ${name} message does not decompress: ${(error as Error).message}` };
  }
  return {
    ok: false,
    reason: "undecodable",
    detail: name === "" || name === "identity"
      ? "the message is marked compressed, but its grpc-encoding names no compression"
      : `the message is compressed with ${name}, which the collector does not decompress`,
  };
}
