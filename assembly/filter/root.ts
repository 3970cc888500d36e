// The plugin's root context: wiring. on_configure builds the configuration, the counters, the
// export and the pairing; each stream gets what it needs of them; the root's callbacks (the tick,
// shadow answers, report answers) are handed to their owner.
import { RootContext, HttpContext } from "../abi/context";
import { getBufferBytes, getProperty, log, monotonicNanos } from "../abi/hostcalls";
import { BufferType, LogLevel } from "../abi/types";
import { PairOrigin } from "./capture-codec";
import { Config, parseConfig } from "./config";
import { Exporter } from "./export";
import { configVersion } from "./ids";
import { Metrics } from "./metrics";
import { Pairing } from "./pairing";
import { readShadowAnswer } from "./shadow-outcome";
import { ShadowStream } from "./stream";
import { textOf } from "./utf8";

/** What a configured plugin runs on. */
class Running {
  constructor(public config: Config, public metrics: Metrics, public exporter: Exporter, public pairing: Pairing) {}
}

export class ShadowRoot extends RootContext {
  private running: Running | null = null;

  onConfigure(size: usize): bool {
    const bytes = getBufferBytes(BufferType.PluginConfiguration, 0, size);
    const configuration = bytes !== null ? bytes : new ArrayBuffer(0);
    const parsed = parseConfig(String.UTF8.decode(configuration));
    const config = parsed.config;
    if (config === null) {
      log(LogLevel.Critical, parsed.error);
      return false;
    }
    const version = configVersion(configuration);
    // Envoy 1.39 keeps the node under xds.node (node.id answers NOT_FOUND).
    const nodeId = getProperty(["xds", "node", "id"]);
    const origin = new PairOrigin(nodeId !== null ? textOf(nodeId) : "", version);
    const metrics = new Metrics();
    const exporter = new Exporter(config, metrics, origin);
    const pairing = new Pairing(config.maxPendingPairs, metrics, exporter);
    this.running = new Running(config, metrics, exporter, pairing);
    log(LogLevel.Info, "shadowdiff: configured, shadow cluster \"" + config.shadowCluster +
      "\", collector cluster \"" + config.collectorCluster + "\", config version " + version);
    return true;
  }

  createHttpContext(id: u32): HttpContext | null {
    const running = this.running;
    return running !== null ? new ShadowStream(id, running.config, running.metrics, running.pairing) : null;
  }

  onTick(): void {
    const running = this.running;
    if (running !== null) running.exporter.flush();
  }

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
    const running = this.running;
    if (running === null) return;
    const pair = running.pairing.shadowAnswered(token);
    if (pair === null) return;
    pair.shadow.latencyNanos = monotonicNanos() - pair.startMonotonicNanos;
    running.pairing.shadowEnded(pair, readShadowAnswer(running.config, pair.shadow, numHeaders, bodySize));
  }

  onGrpcReceive(token: u32, messageSize: usize): void {
    const running = this.running;
    if (running !== null) running.exporter.reportAnswered(token);
  }

  onGrpcClose(token: u32, statusCode: u32): void {
    const running = this.running;
    if (running !== null) running.exporter.reportClosed(token, statusCode);
  }
}

export function createShadowRoot(id: u32): RootContext {
  return new ShadowRoot(id);
}
