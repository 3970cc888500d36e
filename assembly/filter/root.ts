// The plugin's root context: wiring. on_configure builds the configuration, the counters, the
// export and the pairing; each stream gets what it needs of them; the root's callbacks (the tick,
// mirrored sides' answers, report answers) are handed to their owner.
//
// A configuration change retires the root (Envoy calls on_done once its last stream has ended)
// while its shadow calls and reports may still be in flight; the root is deleted, and those
// answers lost, unless on_done answers false. So it answers false while anything is in flight,
// sends every pair as it completes, and calls proxy_done when nothing is left. The wait is bounded
// by the calls' own timeouts (shadow_timeout_ms, then collector_timeout_ms), which Envoy enforces.
import { RootContext, HttpContext } from "../abi/context";
import { done, getBufferBytes, getProperty, log, monotonicNanos } from "../abi/hostcalls";
import { BufferType, LogLevel } from "../abi/types";
import { PairOrigin } from "./capture-codec";
import { Config, parseConfig } from "./config";
import { Exporter } from "./export";
import { configVersion } from "./ids";
import { MAX_CONFIG_BYTES, MAX_PROXY_ID_BYTES } from "./limits";
import { Metrics } from "./metrics";
import { Pairing } from "./pairing";
import { readShadowAnswer } from "./shadow-outcome";
import { ShadowStream } from "./stream";
import { fitText } from "./text-limits";
import { seedSpanIds } from "./trace-context";

/** What a configured plugin runs on. */
export class Running {
  constructor(public config: Config, public metrics: Metrics, public exporter: Exporter, public pairing: Pairing) {}

  /** Nothing in flight and nothing waiting to be sent. */
  get idle(): bool {
    return this.pairing.inFlight == 0 && this.exporter.inFlight == 0 && !this.exporter.holdsPairs;
  }
}

export class ShadowRoot extends RootContext {
  /** Read by the root of the module that receives request bodies (request-bodies.ts), as configure. */
  running: Running | null = null;

  onConfigure(size: usize): bool {
    return this.configure(size, new Config());
  }

  /** on_configure, with the Config parseConfig fills: this one, or one that reads keys of its own
   * (request-bodies.ts). */
  configure(size: usize, blank: Config): bool {
    // Only the first MAX_CONFIG_BYTES are read: enough to name the key of a value past the
    // reader's limits, and all a configuration may hold.
    const tooLarge = size > <usize>MAX_CONFIG_BYTES;
    const bytes = getBufferBytes(BufferType.PluginConfiguration, 0, tooLarge ? <usize>MAX_CONFIG_BYTES : size);
    const text = String.UTF8.decode(bytes !== null ? bytes : new ArrayBuffer(0));
    const parsed = parseConfig(text, blank);
    const config = parsed.config;
    if (config === null || tooLarge) {
      log(LogLevel.Critical, config === null && (parsed.overLimit || !tooLarge) ? parsed.error
        : "shadowdiff: configuration is larger than " + MAX_CONFIG_BYTES.toString() + " bytes");
      return false;
    }
    const version = configVersion(text, parsed.tokenStart, parsed.tokenEnd);
    seedSpanIds();
    // Envoy 1.39 keeps the node under xds.node (node.id answers NOT_FOUND).
    const nodeId = getProperty("xds\0node\0id");
    const proxyId = nodeId !== null ? fitText(changetype<usize>(nodeId), nodeId.byteLength, MAX_PROXY_ID_BYTES) : new ArrayBuffer(0);
    const origin = new PairOrigin(proxyId, String.UTF8.encode(version), config.secondaryPpm());
    const metrics = new Metrics();
    const exporter = new Exporter(config, metrics, origin);
    const pairing = new Pairing(config.maxPendingPairs, metrics, exporter);
    this.running = new Running(config, metrics, exporter, pairing);
    // Never the token.
    log(LogLevel.Info, "shadowdiff: configured, " + config.destinations.length.toString() + " sides, collector \"" + config.collectorCluster +
      "\", version " + version + (config.collectorToken.length > 0 ? ", reports carry a token" : ""));
    return true;
  }

  createHttpContext(id: u32): HttpContext | null {
    const running = this.running;
    return running !== null ? new ShadowStream(id, running.config, running.metrics, running.pairing) : null;
  }

  onTick(): void {
    const running = this.running;
    if (running === null) return;
    running.exporter.flush();
    running.metrics.flush();
    this.finishIfRetired(running);
  }

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
    const running = this.running;
    if (running === null) return;
    const callout = running.pairing.answered(token);
    if (callout !== null) {
      const side = callout.side;
      side.latencyNanos = monotonicNanos() - callout.pair.startMonotonicNanos;
      running.pairing.mirroredEnded(callout.pair, side, readShadowAnswer(running.config, side, numHeaders, bodySize));
    }
    this.finishIfRetired(running);
  }

  onGrpcReceive(token: u32, messageSize: usize): void {
    const running = this.running;
    if (running === null) return;
    running.exporter.reportAnswered(token);
    this.finishIfRetired(running);
  }

  onGrpcClose(token: u32, statusCode: u32): void {
    const running = this.running;
    if (running === null) return;
    running.exporter.reportClosed(token, statusCode);
    this.finishIfRetired(running);
  }

  /** Retired: send what is held; done now when nothing is in flight, else at its last answer. */
  onDone(): bool {
    const running = this.running;
    if (running === null) return true;
    running.exporter.closing = true;
    running.exporter.flush();
    running.metrics.flush();
    return running.idle;
  }

  /** Also the root of the module that receives request bodies, after a gRPC side's answer. */
  finishIfRetired(running: Running): void {
    if (running.exporter.closing && running.idle) {
      // No tick comes after proxy_done: the last counts go now.
      running.metrics.flush();
      this.running = null;
      done();
    }
  }
}

export function createShadowRoot(id: u32): RootContext {
  return new ShadowRoot(id);
}
