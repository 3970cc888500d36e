// The plugin's root context: configuration, the pairing of primary and shadow (keyed by the
// HTTP-call token, since shadow answers arrive here and the stream may be gone), the batch and
// the reports.
import { RootContext, HttpContext } from "../abi/context";
import { BufferType, MapType, LogLevel } from "../abi/types";
import {
  getBufferBytes, getHeaderPairs, getProperty, getStatus, incrementMetric, log, logCritical,
  monotonicNanos, readBufferBytes, releaseReturned, returnedPtr, returnedSize, setTickPeriod,
} from "../abi/hostcalls";
import { Config, parseConfig } from "./config";
import { Metrics, count } from "./metrics";
import { Pair, ShadowFailure, CapturedResponse } from "./pair";
import { Batch } from "./batch";
import { Reporter } from "./report";
import { PairOrigin } from "./capture_codec";
import { fnv1a32, hex } from "./hashing";
import { selectPairs } from "./redact";
import { failureFromLocalReply, failureFromStatusMessage, LOCAL_REPLY_PROBE_BYTES } from "./shadow_outcome";
import { textOf } from "./utf8";
import { ShadowStream, statusOf } from "./stream";

export class ShadowRoot extends RootContext {
  config: Config | null = null;
  metrics: Metrics = new Metrics();
  proxyId: string = "";
  configVersion: string = "";
  /** Shadow calls in flight: token → pair. Its size is what max_in_flight bounds. */
  calls: Map<u32, Pair> = new Map<u32, Pair>();
  /** Pairs with one side finished, waiting for the other (bounded by max_pending_pairs). */
  waiting: u32 = 0;
  private batch: Batch = new Batch();
  private origin: PairOrigin = new PairOrigin("", "");
  private reporter: Reporter | null = null;

  onConfigure(size: usize): bool {
    const bytes = getBufferBytes(BufferType.PluginConfiguration, 0, size);
    const text = bytes !== null ? String.UTF8.decode(bytes) : "";
    const parsed = parseConfig(text);
    const config = parsed.config;
    if (config === null) {
      logCritical(parsed.error);
      return false;
    }
    this.config = config;
    this.configVersion = hex(<u64>fnv1a32(bytes !== null ? bytes : new ArrayBuffer(0)), 8);
    // Envoy 1.39 keeps the node under xds.node (node.id answers NOT_FOUND).
    const nodeId = getProperty(["xds", "node", "id"]);
    this.proxyId = nodeId !== null ? textOf(nodeId) : "";
    this.origin = new PairOrigin(this.proxyId, this.configVersion);
    this.metrics.define();
    this.reporter = new Reporter(config, this.metrics);
    setTickPeriod(config.flushIntervalMs);
    log(LogLevel.Info, "shadowdiff: configured, shadow cluster \"" + config.shadowCluster +
      "\", collector cluster \"" + config.collectorCluster + "\", config version " + this.configVersion);
    return true;
  }

  createHttpContext(id: u32): HttpContext | null {
    return new ShadowStream(id, this);
  }

  onTick(): void {
    const reporter = this.reporter;
    if (reporter !== null) reporter.send(this.batch);
  }

  /** A shadow call was sent: its answer will come back here under `token`. */
  shadowSent(token: u32, pair: Pair): void {
    this.calls.set(token, pair);
    incrementMetric(this.metrics.inFlight, 1);
  }

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
    if (!this.calls.has(token)) return;
    const pair = this.calls.get(token);
    this.calls.delete(token);
    incrementMetric(this.metrics.inFlight, -1);
    const config = this.config;
    if (config === null) return;
    pair.shadow.latencyNanos = monotonicNanos() - pair.startMonotonicNanos;
    if (numHeaders == 0) {
      pair.shadowFailure = failureFromStatusMessage(getStatus().message);
    } else {
      this.captureShadow(config, pair.shadow, <i32>bodySize);
      pair.shadowFailure = this.localReplyFailure(pair.shadow, <i32>bodySize);
    }
    this.countShadowOutcome(pair.shadowFailure);
    pair.shadowDone = true;
    this.sideFinished(pair);
  }

  private captureShadow(config: Config, shadow: CapturedResponse, bodySize: i32): void {
    const headers = getHeaderPairs(MapType.HttpCallResponseHeaders);
    shadow.status = statusOf(headers);
    shadow.headers = selectPairs(headers, config.responseHeaderKeys, config.redactHeaderKeys);
    const take = shadow.body.room(bodySize);
    if (take > 0) {
      if (readBufferBytes(BufferType.HttpCallResponseBody, 0, <usize>take)) {
        shadow.body.appendAt(returnedPtr(), <i32>returnedSize(), 0);
      }
      releaseReturned();
    }
    shadow.body.total = <u64>bodySize;
  }

  /** Envoy's local replies for a timeout or a refused connection look like responses. */
  private localReplyFailure(shadow: CapturedResponse, bodySize: i32): i32 {
    if (shadow.status != 503 && shadow.status != 504) return ShadowFailure.None;
    if (bodySize > LOCAL_REPLY_PROBE_BYTES * 2) return ShadowFailure.None;
    const body = getBufferBytes(BufferType.HttpCallResponseBody, 0, <usize>bodySize);
    return failureFromLocalReply(shadow.status, body !== null ? textOf(body) : "");
  }

  private countShadowOutcome(failure: i32): void {
    const m = this.metrics;
    if (failure == ShadowFailure.None) count(m.shadowOk);
    else if (failure == ShadowFailure.Timeout) count(m.shadowTimeout);
    else if (failure == ShadowFailure.Reset) count(m.shadowReset);
    else if (failure == ShadowFailure.NoCluster) count(m.shadowNoCluster);
    else count(m.shadowOverflow);
  }

  /** proxy_http_call refused at once: the pair still goes out, with the failure kind. */
  shadowRefused(pair: Pair, failure: i32): void {
    pair.shadowFailure = failure;
    this.countShadowOutcome(failure);
    pair.shadowDone = true;
    this.sideFinished(pair);
  }

  /** Either side finished: send the pair when both have, else hold it within the pending cap. */
  sideFinished(pair: Pair): void {
    if (pair.dropped) return;
    const config = this.config;
    if (config === null) return;
    if (pair.primaryDone && pair.shadowDone) {
      if (pair.waiting) {
        pair.waiting = false;
        this.waiting--;
      }
      this.complete(config, pair);
      return;
    }
    if (pair.waiting) return;
    if (this.waiting >= config.maxPendingPairs) {
      pair.dropped = true;
      count(this.metrics.pairsDroppedPending);
      return;
    }
    pair.waiting = true;
    this.waiting++;
  }

  /** The client reset the primary stream before its response was complete. */
  primaryReset(pair: Pair): void {
    if (pair.dropped) return;
    if (pair.waiting) {
      pair.waiting = false;
      this.waiting--;
    }
    pair.dropped = true;
    count(this.metrics.pairsDroppedReset);
  }

  private complete(config: Config, pair: Pair): void {
    this.batch.add(pair, this.origin);
    if (this.batch.full(config.batchMaxPairs, config.batchMaxBytes)) {
      const reporter = this.reporter;
      if (reporter !== null) reporter.send(this.batch);
    }
  }

  onGrpcReceive(token: u32, messageSize: usize): void {
    const reporter = this.reporter;
    if (reporter !== null) reporter.received(token);
  }

  onGrpcClose(token: u32, statusCode: u32): void {
    const reporter = this.reporter;
    if (reporter !== null) reporter.closed(token, statusCode);
  }
}

export function createShadowRoot(id: u32): RootContext {
  return new ShadowRoot(id);
}
