// One HTTP stream: decide, mirror, and capture the primary's answer as it passes. Every callback
// returns Continue; the primary is never paused or changed (but for a client's tag header, which
// decide() strips). The stream knows the configuration, the counters and the pairing, never the
// root context.
import { HttpContext } from "../abi/context";
import { findPairValue } from "../abi/headers";
import { getHeaderPairs, httpCall, monotonicNanos, realtimeNanos } from "../abi/hostcalls";
import { Action, BufferType, MapType, Status } from "../abi/types";
import { Config } from "./config";
import { Decision, decide } from "./decision";
import { randomPairId } from "./ids";
import { Metrics } from "./metrics";
import { shadowRequestPairs } from "./mirror";
import { Pair } from "./pair";
import { Pairing } from "./pairing";
import { selectPairs } from "./redact";
import { failureFromCallStatus } from "./shadow-outcome";

const EMPTY = new ArrayBuffer(0);
const METHOD = String.UTF8.encode(":method");
const PATH = String.UTF8.encode(":path");
const AUTHORITY = String.UTF8.encode(":authority");
const REQUEST_ID = String.UTF8.encode("x-request-id");

function valueOr(value: ArrayBuffer | null, otherwise: ArrayBuffer): ArrayBuffer {
  return value !== null ? value : otherwise;
}

export class ShadowStream extends HttpContext {
  private pair: Pair | null = null;

  constructor(id: u32, private config: Config, private metrics: Metrics, private pairing: Pairing) {
    super(id);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): Action {
    const decision = decide(this.config, this.pairing.inFlight);
    this.metrics.decided(decision);
    if (decision == Decision.Mirror) this.mirror();
    return Action.Continue;
  }

  /** Sends the shadow its copy of the request, and starts the pair. */
  private mirror(): void {
    const config = this.config;
    const headers = getHeaderPairs(MapType.HttpRequestHeaders);
    const pair = new Pair(<i32>config.maxBodyBytes, config.shadowNameBytes);
    const requestId = findPairValue(headers, REQUEST_ID);
    pair.id = requestId !== null ? requestId : randomPairId();
    pair.method = valueOr(findPairValue(headers, METHOD), EMPTY);
    pair.path = valueOr(findPairValue(headers, PATH), EMPTY);
    pair.authority = valueOr(findPairValue(headers, AUTHORITY), EMPTY);
    pair.requestHeaders = selectPairs(headers, config.requestHeaderKeys, config.redactHeaderKeys);
    pair.startUnixNanos = realtimeNanos();
    pair.startMonotonicNanos = monotonicNanos();
    this.pair = pair;
    const call = httpCall(config.shadowClusterBytes, shadowRequestPairs(config, headers, pair.authority), config.shadowTimeoutMs);
    if (call.status == Status.Ok) this.pairing.shadowSent(call.token, pair);
    else this.pairing.shadowEnded(pair, failureFromCallStatus(call.status));
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
