// A gRPC call at the HTTP/2 level (node:http2): the request's exact bytes in, the answer's
// headers, body bytes and trailers out, as a client sees them. For comparing what a client gets
// through Envoy with and without the filter, byte for byte, and for sending what a gRPC library
// would refuse to (a corrupt frame).
import { connect, constants, type IncomingHttpHeaders } from "node:http2";

export interface RawGrpcAnswer {
  /** :status, and the other response headers (a trailers-only answer's status is here). */
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Empty for a trailers-only answer. */
  trailers: IncomingHttpHeaders;
}

/** One gRPC message as it travels: the compressed flag, a 4-byte big-endian length, the bytes. */
export function grpcFrame(message: Uint8Array, compressed = false): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** POSTs `body` (length-prefixed messages) to `path` on 127.0.0.1:`port` over cleartext HTTP/2. */
export function rawGrpcCall(port: number, path: string, body: Buffer, metadata: Record<string, string> = {}): Promise<RawGrpcAnswer> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: path,
      "content-type": "application/grpc",
      te: "trailers",
      ...metadata,
    });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (received) => (headers = received));
    stream.on("trailers", (received) => (trailers = received));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", (error) => {
      session.close();
      reject(error);
    });
    stream.on("end", () => {
      session.close();
      resolve({ headers, body: Buffer.concat(chunks), trailers });
    });
    stream.end(body);
  });
}
