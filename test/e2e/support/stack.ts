// One shadowdiff deployment on 127.0.0.1: primary and shadow services (or several named targets
// and a secondary), the collector, and Envoy with the compiled filter in front of the primary.
// Every mirrored side and the collector sit behind TCP gates so a test can make them refuse
// connections, slow down and come back.
import { renderBootstrap, type PluginConfiguration } from "../../../host/envoy/bootstrap.js";
import { FILTER_STAT_NAMES, type FilterStats } from "../../../support/envoy-admin.js";
import { startEnvoy, type EnvoyProcess } from "../../../support/envoy-process.js";
import { eventually } from "../../../support/eventually.js";
import { startHttpService, type HttpService, type RequestHandler } from "../../../support/http-service.js";
import { filterWasmPath } from "../../../support/paths.js";
import { startTestCollector } from "../../../support/test-collector.js";
import type { GateOptions } from "../../../host/envoy/gate.js";
import { startRecordingCollector, type RecordingCollector } from "./recording-collector.js";
import { sameAnswer } from "./services.js";
import { TcpGate } from "./tcp-gate.js";

export interface StackOptions {
  plugin?: PluginConfiguration;
  primary?: RequestHandler;
  shadow?: RequestHandler;
  /** Named targets instead of the one shadow, in this order; each a service of its own. */
  targets?: Array<{ name: string; handler?: RequestHandler; timeoutMs?: number }>;
  /** The primary's own version again, for `samplePercent` of the mirrored requests. */
  secondary?: { handler?: RequestHandler; samplePercent: number };
  /** Keep what each report carries (recording-collector.ts) instead of running the collector. */
  recordPairs?: boolean;
  concurrency?: number;
  /** Put the filter behind the native gate. */
  gate?: GateOptions;
  /** Another build of the filter (build/shadowdiff-bodies.wasm). */
  wasmPath?: string;
}

/** A mirrored side: its service, behind its gate. */
export interface Upstream {
  readonly service: HttpService;
  readonly gate: TcpGate;
}

export interface Stack {
  readonly envoy: EnvoyProcess;
  /** Envoy's listener: where clients send requests. */
  readonly port: number;
  readonly primary: HttpService;
  /** The shadow; with targets, the first target. */
  readonly shadow: HttpService;
  readonly shadowGate: TcpGate;
  /** Each target by name (with the one shadow: "shadow"). */
  readonly targets: ReadonlyMap<string, Upstream>;
  readonly secondary: Upstream | undefined;
  /** With recordPairs: what the reports carried. */
  readonly recorded: RecordingCollector | undefined;
  readonly collectorGate: TcpGate;
  /** The collector's HTTP endpoint; empty with recordPairs. */
  readonly collectorUrl: string;
  /** The filter's stats once they count every request that reached it (they reach Envoy on the filter's tick). */
  filterStats(): Promise<FilterStats>;
  /** The filter's stats once every mirrored request is accounted for (sent or dropped): a clean "before". */
  settledStats(): Promise<FilterStats>;
  collectorMetrics(): Promise<string>;
  stop(): Promise<void>;
}

/** Quick flushes and short timeouts, so tests see pairs and failures within a second or two. */
const SHADOW_TIMEOUT_MS = 1000;
export const TEST_PLUGIN_DEFAULTS: PluginConfiguration = {
  flush_interval_ms: 100,
  shadow_timeout_ms: SHADOW_TIMEOUT_MS,
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
    const upstream = async (handler: RequestHandler | undefined): Promise<Upstream> => {
      const service = await startHttpService(handler ?? sameAnswer);
      stoppers.push(() => service.close());
      const gate = new TcpGate(service.port);
      await gate.open();
      stoppers.push(() => gate.close());
      return { service, gate };
    };
    const targets = new Map<string, Upstream>();
    for (const target of options.targets ?? [{ name: "shadow", handler: options.shadow }]) targets.set(target.name, await upstream(target.handler));
    const secondary = options.secondary === undefined ? undefined : await upstream(options.secondary.handler);
    const [first] = targets.values();
    // Targets carry their own timeouts: the shadow_* keys may not stand beside them.
    const { shadow_timeout_ms: _, ...withoutShadowKeys } = TEST_PLUGIN_DEFAULTS;
    const pluginDefaults = options.targets === undefined ? TEST_PLUGIN_DEFAULTS : withoutShadowKeys;

    let collectorPort: number;
    let collectorUrl = "";
    let recorded: RecordingCollector | undefined;
    if (options.recordPairs === true) {
      const recording = await startRecordingCollector();
      stoppers.push(() => recording.close());
      recorded = recording;
      collectorPort = recording.port;
    } else {
      const collector = await startTestCollector({
        grpc: { maxMessageBytes: 16 * 1024 * 1024 },
        compare: { headers: ["content-type"] },
        examples: { path: ":memory:", maxCount: 100 },
      });
      stoppers.push(() => collector.cleanup());
      collectorPort = collector.grpcPort;
      collectorUrl = `http://127.0.0.1:${collector.httpPort}`;
    }
    const collectorGate = new TcpGate(collectorPort);
    await collectorGate.open();
    stoppers.push(() => collectorGate.close());

    const entry = options.gate === undefined ? "listener" : "gate";
    const envoy = await startEnvoy(
      renderBootstrap({
        primary: { port: primary.port },
        mode: {
          kind: "filter",
          ...(options.targets === undefined
            ? { shadow: { port: first!.gate.port } }
            : {
                targets: options.targets.map((target) => ({
                  name: target.name,
                  endpoint: { port: targets.get(target.name)!.gate.port },
                  timeoutMs: target.timeoutMs ?? SHADOW_TIMEOUT_MS,
                })),
              }),
          ...(secondary === undefined
            ? {}
            : { secondary: { endpoint: { port: secondary.gate.port }, samplePercent: options.secondary!.samplePercent, timeoutMs: SHADOW_TIMEOUT_MS } }),
          collector: { port: collectorGate.port },
          wasmPath: options.wasmPath ?? filterWasmPath(),
          plugin: { ...pluginDefaults, ...options.plugin },
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
      shadow: first!.service,
      shadowGate: first!.gate,
      targets,
      secondary,
      recorded,
      collectorGate,
      collectorUrl,
      filterStats: () => envoy.admin.countedFilterStats(entry),
      settledStats: () => eventually(async () => settled(await envoy.admin.countedFilterStats(entry)), { timeoutMs: 15_000 }),
      collectorMetrics: async () => {
        if (recorded !== undefined) throw new Error("shadowdiff: this stack records reports instead of running the collector");
        return (await fetch(`${collectorUrl}/metrics`)).text();
      },
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
