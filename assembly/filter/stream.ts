// One HTTP stream: decide, strip a client's tag, mirror, and copy the primary's answer as it
// passes. Every callback returns Continue; the primary is never paused or changed (but for the
// stripped tag header).
import { HttpContext } from "../abi/context";
import { Action, BufferType, MapType, Status } from "../abi/types";
import { Header, findHeader } from "../abi/headers";
import {
  getBufferBytes, getHeaders, httpCall, monotonicNanos, randomU64, realtimeNanos, removeHeader,
} from "../abi/hostcalls";
import { Config } from "./config";
import { count } from "./metrics";
import { Decision, decide } from "./decision";
import { sampleBits } from "./sampling";
import { Pair } from "./pair";
import { selectHeaders } from "./redact";
import { shadowRequestHeaders } from "./mirror";
import { failureFromCallStatus } from "./shadow_outcome";
import { hex } from "./hashing";
import { textOf } from "./utf8";
import { ShadowRoot } from "./root";

const EMPTY = new ArrayBuffer(0);

function valueOf(headers: Array<Header>, name: string): ArrayBuffer | null {
  const header = findHeader(headers, name);
  return header !== null ? header.value : null;
}

export class ShadowStream extends HttpContext {
  private pair: Pair | null = null;

  constructor(id: u32, private shadowRoot: ShadowRoot) {
    super(id, shadowRoot);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): i32 {
    const config = this.shadowRoot.config;
    if (config === null) return Action.Continue;
    const headers = getHeaders(MapType.HttpRequestHeaders);
    const tagged = findHeader(headers, config.tagHeader) !== null;
    // Nobody outside may make the primary believe a request is shadow traffic.
    if (tagged) removeHeader(MapType.HttpRequestHeaders, config.tagHeader);
    const method = valueOf(headers, ":method");
    const path = valueOf(headers, ":path");
    const methodText = method !== null ? textOf(method) : "";
    const pathText = path !== null ? textOf(path) : "";
    const sampleValue = valueOf(headers, config.sampleHeader);
    const bits = sampleValue !== null ? sampleBits(sampleValue) : randomU64();
    const decision = decide(config, tagged, methodText, pathText, bits, <u32>this.shadowRoot.calls.size);
    const m = this.shadowRoot.metrics;
    if (decision == Decision.Tagged) count(m.requestsTagged);
    else if (decision == Decision.MethodSkipped) count(m.requestsMethodSkipped);
    else if (decision == Decision.PathSkipped) count(m.requestsPathSkipped);
    else if (decision == Decision.SampledOut) count(m.requestsSampledOut);
    else if (decision == Decision.OverCapacity) count(m.requestsOverCapacity);
    else {
      count(m.requestsMirrored);
      this.mirror(config, headers, method, path);
    }
    return Action.Continue;
  }

  private mirror(config: Config, headers: Array<Header>, method: ArrayBuffer | null, path: ArrayBuffer | null): void {
    const pair = new Pair(<i32>config.maxBodyBytes);
    const requestId = valueOf(headers, "x-request-id");
    pair.id = requestId !== null ? requestId : String.UTF8.encode(hex(randomU64(), 16) + hex(randomU64(), 16));
    pair.method = method !== null ? method : EMPTY;
    pair.path = path !== null ? path : EMPTY;
    const authority = valueOf(headers, ":authority");
    pair.authority = authority !== null ? authority : EMPTY;
    pair.requestHeaders = selectHeaders(headers, config.requestHeaders, config.redactHeaders);
    pair.startUnixNanos = realtimeNanos();
    pair.startMonotonicNanos = monotonicNanos();
    this.pair = pair;
    const call = httpCall(config.shadowCluster, shadowRequestHeaders(config, headers, pair.authority), null, config.shadowTimeoutMs);
    if (call.status == Status.Ok) this.shadowRoot.shadowSent(call.token, pair);
    else this.shadowRoot.shadowRefused(pair, failureFromCallStatus(call.status));
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): i32 {
    const pair = this.pair;
    const config = this.shadowRoot.config;
    if (pair === null || config === null || pair.primaryDone) return Action.Continue;
    const headers = getHeaders(MapType.HttpResponseHeaders);
    const status = findHeader(headers, ":status");
    pair.primary.status = status !== null ? <u32>I32.parseInt(status.valueText()) : 0;
    pair.primary.headers = selectHeaders(headers, config.responseHeaders, config.redactHeaders);
    if (endOfStream) this.primaryFinished(pair);
    return Action.Continue;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): i32 {
    const pair = this.pair;
    if (pair === null || pair.primaryDone) return Action.Continue;
    // Returning Continue hands each chunk on, so the buffer holds just this chunk.
    const take = pair.primary.body.room(<i32>bodySize);
    if (take > 0) {
      const chunk = getBufferBytes(BufferType.HttpResponseBody, 0, <usize>take);
      pair.primary.body.append(chunk !== null ? chunk : EMPTY, <u64>bodySize);
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
