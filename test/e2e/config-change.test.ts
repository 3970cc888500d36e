// A configuration change under load, in a real Envoy: the filter's configuration comes from a file
// Envoy watches (ECDS), and is replaced while clients keep sending and the shadow answers 300 ms
// late, so shadow calls are always in flight when the old configuration is retired. No client
// request fails, every mirrored request becomes a pair the collector receives (none dropped), and
// the new configuration's version appears in the pairs that follow.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filterDiscoveryFile, renderBootstrap, type ShadowMode } from "../../host/envoy/bootstrap.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { startHttpService, type HttpService } from "../../support/http-service.js";
import { filterWasmPath } from "../../support/paths.js";
import { send, type ClientResponse } from "./support/client.js";
import { startRecordingCollector, type RecordingCollector } from "./support/recording-collector.js";
import { faultyShadow, sameAnswer } from "./support/services.js";

let dir: string;
let primary: HttpService;
let shadow: HttpService;
let collector: RecordingCollector;
let envoy: EnvoyProcess;
let mode: Extract<ShadowMode, { kind: "filter" }>;

const BEFORE = { flush_interval_ms: 100, shadow_timeout_ms: 2000, collector_timeout_ms: 2000 };
const AFTER = { ...BEFORE, shadow_timeout_ms: 2500 };

/** Replaces the discovery file as a whole (write, then rename): Envoy sees one complete file. */
function writeDiscovery(plugin: Record<string, unknown>, version: string): void {
  const path = join(dir, "filter.json");
  writeFileSync(`${path}.next`, JSON.stringify(filterDiscoveryFile({ ...mode, plugin }, version)));
  renameSync(`${path}.next`, path);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-ecds-"));
  primary = await startHttpService(sameAnswer);
  shadow = await startHttpService(faultyShadow);
  collector = await startRecordingCollector();
  mode = {
    kind: "filter",
    shadow: { port: shadow.port },
    collector: { port: collector.port },
    wasmPath: filterWasmPath(),
    discoveryPath: join(dir, "filter.json"),
  };
  writeDiscovery(BEFORE, "before");
  envoy = await startEnvoy(renderBootstrap({ primary: { port: primary.port }, mode }), { concurrency: 2 });
});

afterAll(async () => {
  await envoy?.stop();
  await Promise.all([primary?.close(), shadow?.close(), collector?.close()]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Clients sending GETs one after another until stopped; every answer is kept. */
function steadyLoad(clients: number): { responses: ClientResponse[]; stop: () => Promise<void> } {
  const responses: ClientResponse[] = [];
  let running = true;
  let sent = 0;
  const loops = Array.from({ length: clients }, async () => {
    while (running) responses.push(await send(envoy.listenerPort, `/slow/${sent++}`));
  });
  return {
    responses,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const versionsOf = () => collector.pairs().map((pair) => pair.configVersion);

describe("a configuration change under load", () => {
  it("loses no request and no pair, and the new version appears in the pairs", async () => {
    const load = steadyLoad(3);
    try {
      const oldVersion = await eventually(() => {
        const versions = versionsOf();
        if (versions.length < 20) throw new Error(`${versions.length} pairs so far`);
        return versions[0]!;
      }, { timeoutMs: 20_000 });
      writeDiscovery(AFTER, "after");
      await eventually(() => {
        const fresh = versionsOf().filter((version) => version !== oldVersion);
        if (fresh.length < 20) throw new Error(`${fresh.length} pairs with the new configuration so far`);
      }, { timeoutMs: 20_000 });
    } finally {
      await load.stop();
    }

    // Every request got the primary's answer.
    expect(load.responses.length).toBeGreaterThan(40);
    for (const response of load.responses) expect(response.status).toBe(200);

    // Every mirrored request, under either configuration, became a pair the collector received.
    const stats = await eventually(async () => {
      const current = await envoy.admin.countedFilterStats("listener");
      expect(current.in_flight).toBe(0);
      expect(collector.pairs().length).toBe(current.requests_mirrored);
      // The collector's answer to the last report reaches the filter a moment after its pairs.
      expect(current.pairs_sent + current.pairs_dropped_report).toBe(current.requests_mirrored);
      return current;
    }, { timeoutMs: 15_000 });
    expect(stats).toMatchObject({ pairs_dropped_pending: 0, pairs_dropped_reset: 0, pairs_dropped_report: 0, reports_failed: 0 });
    expect(stats.pairs_sent).toBe(stats.requests_mirrored);
    expect(stats.requests_mirrored).toBe(load.responses.length);

    const versions = versionsOf();
    expect(new Set(versions).size).toBe(2);
    expect(versions.at(-1)).not.toBe(versions[0]);
  });
});
