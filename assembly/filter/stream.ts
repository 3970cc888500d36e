// One HTTP stream: decide, strip a client's tag, mirror, and copy the primary's answer as it
// passes. Every callback returns Continue; the primary is never paused or changed (but for the
// stripped tag header).
import { HttpContext } from "../abi/context";
import { Action, BufferType, MapType, Status } from "../abi/types";
import { PairsCursor, findPairValue } from "../abi/headers";
import {
  getHeaderPairs, hasHeader, httpCall, monotonicNanos, randomU64, readBufferBytes, readHeaderValue,
  realtimeNanos, releaseReturned, removeHeader, returnedPtr, returnedSize,
} from "../abi/hostcalls";
import { Config } from "./config";
import { count } from "./metrics";
import { Decision, methodAllowed, pathAllowed, pathRulesSet, sampleNeedsBits, sampled } from "./decision";
import { sampleBits } from "./sampling";
import { Pair } from "./pair";
import { selectPairs } from "./redact";
import { shadowRequestPairs } from "./mirror";
import { failureFromCallStatus } from "./shadow_outcome";
import { hex } from "./hashing";
import { ShadowRoot } from "./root";

const EMPTY = new ArrayBuffer(0);
const METHOD = String.UTF8.encode(":method");
const PATH = String.UTF8.encode(":path");
const AUTHORITY = String.UTF8.encode(":authority");
const REQUEST_ID = String.UTF8.encode("x-request-id");
const STATUS = String.UTF8.encode(":status");

/** The :status of a serialized response map, 0 when absent. */
export function statusOf(pairs: ArrayBuffer): u32 {
  const cursor = new PairsCursor(pairs);
  while (cursor.next()) {
    if (cursor.nameIs(STATUS)) return <u32>I32.parseInt(String.UTF8.decodeUnsafe(cursor.valuePtr, cursor.valueSize));
  }
  return 0;
}

export class ShadowStream extends HttpContext {
  private pair: Pair | null = null;

  constructor(id: u32, private shadowRoot: ShadowRoot) {
    super(id, shadowRoot);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): i32 {
    const config = this.shadowRoot.config;
    if (config === null) return Action.Continue;
    const decision = this.decide(config);
    const m = this.shadowRoot.metrics;
    if (decision == Decision.Tagged) count(m.requestsTagged);
    else if (decision == Decision.MethodSkipped) count(m.requestsMethodSkipped);
    else if (decision == Decision.PathSkipped) count(m.requestsPathSkipped);
    else if (decision == Decision.SampledOut) count(m.requestsSampledOut);
    else if (decision == Decision.OverCapacity) count(m.requestsOverCapacity);
    else {
      count(m.requestsMirrored);
      this.mirror(config);
    }
    return Action.Continue;
  }

  /** One header at a time, in the order of the rules, each read in place and released: the
   * whole map is fetched only for a request that is mirrored. */
  private decide(config: Config): Decision {
    if (hasHeader(MapType.HttpRequestHeaders, config.tagHeaderKey)) {
      // Nobody outside may make the primary believe a request is shadow traffic.
      removeHeader(MapType.HttpRequestHeaders, config.tagHeaderKey);
      return Decision.Tagged;
    }
    readHeaderValue(MapType.HttpRequestHeaders, METHOD);
    const methodOk = methodAllowed(config, returnedPtr(), returnedSize());
    releaseReturned();
    if (!methodOk) return Decision.MethodSkipped;
    if (pathRulesSet(config)) {
      readHeaderValue(MapType.HttpRequestHeaders, PATH);
      const pathOk = pathAllowed(config, returnedPtr(), returnedSize());
      releaseReturned();
      if (!pathOk) return Decision.PathSkipped;
    }
    let bits: u64 = 0;
    if (sampleNeedsBits(config)) {
      const present = readHeaderValue(MapType.HttpRequestHeaders, config.sampleHeaderKey);
      bits = present ? sampleBits(returnedPtr(), returnedSize()) : 0;
      releaseReturned();
      if (!present) bits = randomU64();
    }
    if (!sampled(config, bits)) return Decision.SampledOut;
    if (<u32>this.shadowRoot.calls.size >= config.maxInFlight) return Decision.OverCapacity;
    return Decision.Mirror;
  }

  private mirror(config: Config): void {
    const headers = getHeaderPairs(MapType.HttpRequestHeaders);
    const pair = new Pair(<i32>config.maxBodyBytes);
    const requestId = findPairValue(headers, REQUEST_ID);
    pair.id = requestId !== null ? requestId : String.UTF8.encode(hex(randomU64(), 16) + hex(randomU64(), 16));
    const method = findPairValue(headers, METHOD);
    pair.method = method !== null ? method : EMPTY;
    const path = findPairValue(headers, PATH);
    pair.path = path !== null ? path : EMPTY;
    const authority = findPairValue(headers, AUTHORITY);
    pair.authority = authority !== null ? authority : EMPTY;
    pair.requestHeaders = selectPairs(headers, config.requestHeaderKeys, config.redactHeaderKeys);
    pair.startUnixNanos = realtimeNanos();
    pair.startMonotonicNanos = monotonicNanos();
    this.pair = pair;
    const call = httpCall(config.shadowClusterBytes, shadowRequestPairs(config, headers, pair.authority), config.shadowTimeoutMs);
    if (call.status == Status.Ok) this.shadowRoot.shadowSent(call.token, pair);
    else this.shadowRoot.shadowRefused(pair, failureFromCallStatus(call.status));
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): i32 {
    const pair = this.pair;
    const config = this.shadowRoot.config;
    if (pair === null || config === null || pair.primaryDone) return Action.Continue;
    const headers = getHeaderPairs(MapType.HttpResponseHeaders);
    pair.primary.status = statusOf(headers);
    pair.primary.headers = selectPairs(headers, config.responseHeaderKeys, config.redactHeaderKeys);
    if (endOfStream) this.primaryFinished(pair);
    return Action.Continue;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): i32 {
    const pair = this.pair;
    if (pair === null || pair.primaryDone) return Action.Continue;
    // Returning Continue hands each chunk on, so the buffer holds just this chunk.
    const take = pair.primary.body.room(<i32>bodySize);
    if (take > 0) {
      // Copied from the host's buffer straight into the capture.
      readBufferBytes(BufferType.HttpResponseBody, 0, <usize>take);
      pair.primary.body.appendAt(returnedPtr(), <i32>returnedSize(), <u64>bodySize);
      releaseReturned();
    } else {
      pair.primary.body.total += <u64>bodySize;
    }
    if (endOfStream) this.primaryFinished(pair);
    return Action.Continue;
  }

  onResponseTrailers(numTrailers: u32): i32 {
    const pair = this.pair;
    if (pair !== null && !pair.primaryDone) this.primaryFinished(pair);
    return Action.Continue;
  }

  private primaryFinished(pair: Pair): void {
    pair.primary.latencyNanos = monotonicNanos() - pair.startMonotonicNanos;
    pair.primaryDone = true;
    this.shadowRoot.sideFinished(pair);
  }

  onDone(): bool {
    const pair = this.pair;
    if (pair !== null && !pair.primaryDone) this.shadowRoot.primaryReset(pair);
    return true;
  }

  onDelete(): void {
    this.pair = null;
  }
}
