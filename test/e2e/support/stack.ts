// One shadowdiff deployment on 127.0.0.1: primary and shadow services, the collector, and Envoy
// with the compiled filter in front of the primary. The shadow and the collector sit behind TCP
// gates so a test can make them refuse connections, slow down and come back.
import { renderBootstrap, type PluginConfiguration } from "../../../host/envoy/bootstrap.js";
import { FILTER_STAT_NAMES, type FilterStats } from "../../../support/envoy-admin.js";
import { startEnvoy, type EnvoyProcess } from "../../../support/envoy-process.js";
import { eventually } from "../../../support/eventually.js";
import { startHttpService, type HttpService, type RequestHandler } from "../../../support/http-service.js";
import { filterWasmPath } from "../../../support/paths.js";
import { startTestCollector } from "../../../support/test-collector.js";
import type { GateOptions } from "../../../host/envoy/gate.js";
import { sameAnswer } from "./services.js";
import { TcpGate } from "./tcp-gate.js";

export interface StackOptions {
  plugin?: PluginConfiguration;
  primary?: RequestHandler;
  shadow?: RequestHandler;
  concurrency?: number;
  /** Put the filter behind the native gate. */
  gate?: GateOptions;
}

export interface Stack {
  readonly envoy: EnvoyProcess;
  /** Envoy's listener: where clients send requests. */
  readonly port: number;
  readonly primary: HttpService;
  readonly shadow: HttpService;
  readonly shadowGate: TcpGate;
  readonly collectorGate: TcpGate;
  readonly collectorUrl: string;
  /** The filter's stats once they count every request that reached it (they reach Envoy on the filter's tick). */
  filterStats(): Promise<FilterStats>;
  /** The filter's stats once every mirrored request is accounted for (sent or dropped): a clean "before". */
  settledStats(): Promise<FilterStats>;
  collectorMetrics(): Promise<string>;
  stop(): Promise<void>;
}

/** Quick flushes and short timeouts, so tests see pairs and failures within a second or two. */
export const TEST_PLUGIN_DEFAULTS: PluginConfiguration = {
  flush_interval_ms: 100,
  shadow_timeout_ms: 1000,
  collector_timeout_ms: 500,
};


export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
  };
  try {
    const primary = await startHttpService(options.primary ?? sameAnswer);
    stoppers.push(() => primary.close());
    const shadow = await startHttpService(options.shadow ?? sameAnswer);
    stoppers.push(() => shadow.close());
    const shadowGate = new TcpGate(shadow.port);
    await shadowGate.open();
    stoppers.push(() => shadowGate.close());

    const collector = await startTestCollector({
      grpc: { maxMessageBytes: 16 * 1024 * 1024 },
      compare: { headers: ["content-type"] },
      examples: { path: ":memory:", maxCount: 100 },
    });
    stoppers.push(() => collector.cleanup());
    const collectorGate = new TcpGate(collector.grpcPort);
    await collectorGate.open();
    stoppers.push(() => collectorGate.close());
    const collectorUrl = `http://127.0.0.1:${collector.httpPort}`;

    const entry = options.gate === undefined ? "listener" : "gate";
    const envoy = await startEnvoy(
      renderBootstrap({
        primary: { port: primary.port },
        mode: {
          kind: "filter",
          shadow: { port: shadowGate.port },
          collector: { port: collectorGate.port },
          wasmPath: filterWasmPath(),
          plugin: { ...TEST_PLUGIN_DEFAULTS, ...options.plugin },
          gate: options.gate,
        },
      }),
      { concurrency: options.concurrency ?? 1 },
    );
    stoppers.push(() => envoy.stop());

    return {
      envoy,
      port: envoy.listenerPort,
      primary,
      shadow,
      shadowGate,
      collectorGate,
      collectorUrl,
      filterStats: () => envoy.admin.countedFilterStats(entry),
      settledStats: () => eventually(async () => settled(await envoy.admin.countedFilterStats(entry)), { timeoutMs: 15_000 }),
      collectorMetrics: async () => (await fetch(`${collectorUrl}/metrics`)).text(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function settled(stats: FilterStats): FilterStats {
  const accounted = stats.pairs_sent + stats.pairs_dropped_pending + stats.pairs_dropped_reset + stats.pairs_dropped_report;
  if (stats.in_flight !== 0 || accounted !== stats.requests_mirrored) {
    throw new Error(`shadowdiff: ${stats.requests_mirrored - accounted} mirrored requests not yet sent or dropped`);
  }
  return stats;
}

/** What changed in the filter's counters between two readings. */
export function statsDelta(before: FilterStats, after: FilterStats): FilterStats {
  return Object.fromEntries(FILTER_STAT_NAMES.map((name) => [name, after[name] - before[name]])) as FilterStats;
}
