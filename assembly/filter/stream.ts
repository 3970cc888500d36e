// One HTTP stream: decide, mirror to every target (and the secondary when drawn), and capture the
// primary's answer as it passes. Every callback returns Continue; the primary is never paused or
// changed (but for a client's tag header, which decide() strips). The stream knows the
// configuration, the counters and the pairing, never the root context.
import { HttpContext } from "../abi/context";
import { copyBytes } from "../abi/headers";
import { httpCall, monotonicNanos, realtimeNanos } from "../abi/hostcalls";
import { Action, BufferType, MapType, Status } from "../abi/types";
import { Config } from "./config";
import { Decision, decide } from "./decision";
import { randomPairId } from "./ids";
import { MAX_AUTHORITY_BYTES } from "./limits";
import { Metrics } from "./metrics";
import { shadowRequestPairs } from "./mirror";
import { Pair } from "./pair";
import { Pairing } from "./pairing";
import { redactQuery } from "./query-redaction";
import { selectPairs } from "./redact";
import { RequestHeaders, requestHeaders } from "./request-headers";
import { failureFromCallStatus } from "./shadow-outcome";
import { fitText, lastCut, lastShortened, pairId } from "./text-limits";
import { TraceMode, traceContext } from "./trace-context";

export class ShadowStream extends HttpContext {
  // Read and written by the streams of the module that receives request bodies (body-stream.ts).
  pair: Pair | null = null;

  constructor(id: u32, public config: Config, public metrics: Metrics, public pairing: Pairing) {
    super(id);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): Action {
    const request = requestHeaders;
    request.read(this.config);
    const decision = decide(this.config, request, endOfStream, this.pairing.inFlight);
    this.metrics.decided(decision);
    if (decision >= Decision.Mirror) this.mirror(request, decision == Decision.MirrorWithSecondary);
    request.release();
    return Action.Continue;
  }

  /** Sends each side its copy of the request, and starts the pair. */
  mirror(request: RequestHeaders, withSecondary: bool): void {
    const config = this.config;
    const calls = config.targetCount + (withSecondary ? 1 : 0);
    const pair = new Pair(<i32>config.maxBodyBytes, config.destinations, calls, config.targetCount);
    const authority = request.authority;
    const requestAuthority = authority.found ? copyBytes(authority.ptr, authority.size) : new ArrayBuffer(0);
    startPair(config, request, pair, requestAuthority);
    this.pair = pair;
    // Every target, then the secondary; sides sending the same authority share one copy of the
    // headers, but marked copies, each a span of its own. A call Envoy refuses fails its side alone.
    let headers = new ArrayBuffer(0);
    let headersAuthority: ArrayBuffer | null = null;
    const marked = config.traceContext == TraceMode.Mark;
    for (let i = 0; i < calls; i++) {
      const destination = config.destinations[i];
      const side = pair.mirrored[i];
      const sentAuthority = destination.authority.length > 0 ? destination.authorityBytes : requestAuthority;
      if (headersAuthority !== sentAuthority || marked) {
        headers = shadowRequestPairs(config, request.ptr, request.size, sentAuthority, traceContext);
        headersAuthority = sentAuthority;
      }
      const call = httpCall(destination.clusterBytes, headers, destination.timeoutMs);
      if (call.status == Status.Ok) this.pairing.sent(call.token, pair, side);
      else this.pairing.mirroredEnded(pair, side, failureFromCallStatus(call.status));
    }
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): Action {
    const pair = this.pair;
    if (pair === null || pair.primary.finished) return Action.Continue;
    pair.primary.readHeaders(MapType.HttpResponseHeaders, this.config);
    if (endOfStream) this.primaryFinished(pair);
    return Action.Continue;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): Action {
    const pair = this.pair;
    if (pair === null || pair.primary.finished) return Action.Continue;
    // Returning Continue hands each chunk on, so the buffer holds just this chunk.
    pair.primary.body.readChunk(BufferType.HttpResponseBody, bodySize);
    if (endOfStream) this.primaryFinished(pair);
    return Action.Continue;
  }

  onResponseTrailers(numTrailers: u32): Action {
    const pair = this.pair;
    if (pair !== null && !pair.primary.finished) this.primaryFinished(pair);
    return Action.Continue;
  }

  private primaryFinished(pair: Pair): void {
    pair.primary.latencyNanos = monotonicNanos() - pair.startMonotonicNanos;
    this.pairing.sideFinished(pair, pair.primary);
  }

  onDone(): bool {
    const pair = this.pair;
    if (pair !== null && !pair.primary.finished) this.pairing.primaryReset(pair);
    return true;
  }

  onDelete(): void {
    this.pair = null;
  }
}

/** The request as the pair carries it, and its start. */
export function startPair(config: Config, request: RequestHeaders, pair: Pair, requestAuthority: ArrayBuffer): void {
  const id = request.requestId;
  if (id.found && id.size > 0) {
    pair.id = pairId(id.ptr, id.size);
    pair.idShortened = lastShortened;
  } else {
    pair.id = randomPairId();
  }
  pair.method = copyBytes(request.method.ptr, request.method.size);
  pair.path = capturedPath(config, request);
  pair.pathTruncated = lastCut;
  pair.authority = fitText(changetype<usize>(requestAuthority), requestAuthority.byteLength, MAX_AUTHORITY_BYTES);
  pair.requestHeaders = selectPairs(request.ptr, request.size, config.requestHeaderKeys, config.redactHeaderKeys);
  traceContext.read(request.ptr, request.size);
  pair.traceId = traceContext.traceId();
  pair.startUnixNanos = realtimeNanos();
  pair.startMonotonicNanos = monotonicNanos();
}

/** The path as a pair carries it: secret query values redacted, then cut at max_path_bytes
 * (fitText's lastCut tells whether it was). The shadow gets the request's own path. */
function capturedPath(config: Config, request: RequestHeaders): ArrayBuffer {
  const path = request.path;
  const raw = path.found ? copyBytes(path.ptr, path.size) : new ArrayBuffer(0);
  const redacted = redactQuery(raw, config.redactQueryParamKeys);
  return fitText(changetype<usize>(redacted), redacted.byteLength, <i32>config.maxPathBytes);
}
