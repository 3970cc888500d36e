// The collector's intake token with real Envoys and the real filter: the Envoy whose plugin
// configuration holds the collector's token has its pairs compared; the one with another token
// has every report refused (UNAUTHENTICATED, counted on both sides), and none of its pairs counts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import type { Summary } from "../../host/summary/summary.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { sendJson, startHttpService, type HttpService } from "../../support/http-service.js";
import { filterWasmPath } from "../../support/paths.js";
import { sample } from "../../support/prometheus-text.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { sendMany } from "./support/client.js";

const TOKEN = "intake-token-4c1e9a7b2d6f3058";
const WRONG = "intake-token-0000000000000000";
const REQUESTS = 20;

let dir: string;
let primary: HttpService;
let shadow: HttpService;
let collector: TestCollector;
const envoys: EnvoyProcess[] = [];

async function envoyWith(token: string): Promise<EnvoyProcess> {
  const envoy = await startEnvoy(
    renderBootstrap({
      primary: { port: primary.port },
      mode: {
        kind: "filter",
        shadow: { port: shadow.port },
        collector: { port: collector.grpcPort },
        wasmPath: filterWasmPath(),
        plugin: { collector_token: token, flush_interval_ms: 50 },
      },
      nodeId: `envoy-${token.slice(-4)}`,
    }),
  );
  envoys.push(envoy);
  return envoy;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-token-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, TOKEN);
  const answer = (_: unknown, response: Parameters<typeof sendJson>[0]) => sendJson(response, 200, { ok: true });
  primary = await startHttpService(answer);
  shadow = await startHttpService(answer);
  collector = await startTestCollector({ grpc: { tokenFile } });
});

afterAll(async () => {
  await Promise.all(envoys.map((envoy) => envoy.stop()));
  await Promise.all([primary?.close(), shadow?.close()]);
  await collector?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("the intake token, through real Envoy", () => {
  it("takes the pairs of the Envoy with the right token and refuses, counts and drops every report of the one with a wrong token", async () => {
    const right = await envoyWith(TOKEN);
    const wrong = await envoyWith(WRONG);
    expect((await sendMany(right.listenerPort, REQUESTS, (i) => `/right/${i}`)).every((r) => r.status === 200)).toBe(true);
    expect((await sendMany(wrong.listenerPort, REQUESTS, (i) => `/wrong/${i}`)).every((r) => r.status === 200)).toBe(true);

    // The wrong Envoy's reports have all been answered (refused), and the right one's pairs compared.
    await eventually(
      async () => {
        const stats = await wrong.admin.filterStats();
        expect(stats.pairs_sent + stats.pairs_dropped_report).toBe(REQUESTS);
        expect(stats.reports_failed).toBeGreaterThan(0);
        expect(stats.reports_sent).toBe(0);
        const { body } = await getJson<Summary>(`${collector.httpUrl}/api/summary`);
        expect(body.total.pairs).toBe(REQUESTS);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const { body } = await getJson<Summary>(`${collector.httpUrl}/api/summary`);
    expect(body.routes.map((route) => route.route)).toEqual(["/right/{id}"]);
    const metrics = await (await fetch(`${collector.httpUrl}/metrics`)).text();
    expect(sample(metrics, "shadowdiff_reports_total", { outcome: "unauthenticated" })).toBe((await wrong.admin.filterStats()).reports_failed);
    expect(sample(metrics, "shadowdiff_reports_total", { outcome: "ok" })).toBe((await right.admin.filterStats()).reports_sent);
    expect(wrong.log()).not.toContain(WRONG);
  });
});
