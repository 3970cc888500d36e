// How a proxy_http_call ended, read the way Envoy reports it:
// - the call failed (stream reset, response over the buffer limit): on_http_call_response with
//   0 headers, proxy_get_status = 11 (BrokenConnection) and a message;
// - timeout and connection failure: the router inside Envoy's AsyncClient answers with a local
//   reply, 504 "upstream request timeout" or 503 "upstream connect error or disconnect/reset
//   before headers...", delivered like any response;
// - no such cluster: proxy_http_call itself returns BAD_ARGUMENT.
import { getBufferBytes, getStatus } from "../abi/hostcalls";
import { BufferType, MapType, Status } from "../abi/types";
import { CapturedResponse } from "./capture";
import { Config } from "./config";
import { ShadowFailure } from "./pair";
import { textOf } from "./utf8";
import { lowerAscii } from "./ascii";

// Envoy's local replies are short; a longer body is the shadow's own.
const LOCAL_REPLY_MAX_BYTES: usize = 256;

function contains(haystack: string, needle: string): bool {
  return haystack.indexOf(needle) >= 0;
}

/** After 0 headers: overflow when Envoy's message names the buffer limit, else a reset. */
export function failureFromStatusMessage(message: string): i32 {
  const m = lowerAscii(message);
  if (contains(m, "overflow") || contains(m, "buffer") || contains(m, "exceed") || contains(m, "too large")) {
    return ShadowFailure.Overflow;
  }
  return ShadowFailure.Reset;
}

/** A response that is in fact Envoy's own local reply for a timeout or a connection failure. */
export function failureFromLocalReply(status: u32, bodyStart: string): i32 {
  if (status == 504 && bodyStart == "upstream request timeout") return ShadowFailure.Timeout;
  if (status == 503 && (bodyStart.startsWith("upstream connect error or disconnect/reset before headers") ||
                        bodyStart == "no healthy upstream")) {
    return ShadowFailure.Reset;
  }
  return ShadowFailure.None;
}

/** Envoy answers a gRPC call it could not make (timeout, refused connection) itself, trailers
 * only, with status 200, grpc-status 14 and its local reply's text in grpc-message. */
export function failureFromGrpcLocalReply(grpcMessage: string): i32 {
  if (grpcMessage == "upstream request timeout") return ShadowFailure.Timeout;
  return failureFromLocalReply(503, grpcMessage);
}

/** When proxy_http_call itself refuses. */
export function failureFromCallStatus(status: i32): i32 {
  return status == Status.BadArgument ? ShadowFailure.NoCluster : ShadowFailure.Reset;
}

/** In on_http_call_response: the shadow's answer, captured like the primary's, and how the call
 * ended. */
export function readShadowAnswer(config: Config, shadow: CapturedResponse, numHeaders: u32, bodySize: usize): i32 {
  if (numHeaders == 0) return failureFromStatusMessage(getStatus().message);
  shadow.readHeaders(MapType.HttpCallResponseHeaders, config);
  shadow.body.readChunk(BufferType.HttpCallResponseBody, bodySize);
  // Envoy's local replies for a timeout or a refused connection look like responses.
  if (shadow.status != 503 && shadow.status != 504) return ShadowFailure.None;
  if (bodySize > LOCAL_REPLY_MAX_BYTES) return ShadowFailure.None;
  const body = getBufferBytes(BufferType.HttpCallResponseBody, 0, bodySize);
  return failureFromLocalReply(shadow.status, body !== null ? textOf(body) : "");
}
