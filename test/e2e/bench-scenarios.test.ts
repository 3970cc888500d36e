// The Envoy benchmarks' scenarios (bench/lib/scenarios.ts) start in real Envoy and do what their
// labels say, so a benchmark run never measures an Envoy that refused its filter or mirrors nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import { compileNoopFilter } from "../../bench/lib/noop-filter.js";
import { startReportSink, type ReportSink } from "../../bench/lib/report-sink.js";
import { envoyScenarios, type Scenario } from "../../bench/lib/scenarios.js";
import { renderDirectResponseBootstrap } from "../../support/envoy-direct-response.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { send } from "./support/client.js";

let upstream: EnvoyProcess;
let sink: ReportSink;
let scenarios: Scenario[];

beforeAll(async () => {
  [upstream, sink, scenarios] = await Promise.all([
    startEnvoy(renderDirectResponseBootstrap({ body: '{"id":1}' })),
    startReportSink(),
    compileNoopFilter().then(envoyScenarios),
  ]);
});
afterAll(async () => {
  await upstream?.stop();
  await sink?.close();
});

/** Requests the direct-response upstream has answered: the primary's and any mirrored copies. */
async function upstreamRequests(): Promise<number> {
  const stats = await upstream.admin.stats("^http\\.direct\\.downstream_rq_total$");
  return stats.get("http.direct.downstream_rq_total") ?? 0;
}

/** What one GET through the scenario's Envoy moved: the filter's counters once settled, and the pairs the sink got. */
async function oneRequest(scenario: Scenario) {
  const envoy = await startEnvoy(renderBootstrap({ primary: { port: upstream.listenerPort }, mode: scenario.mode(upstream.listenerPort, sink.port) }));
  try {
    const pairsBefore = sink.pairsReceived();
    const response = await send(envoy.listenerPort, "/items/1");
    expect(response.status).toBe(200);
    if (scenario.filterEntry === undefined) return { status: response.status };
    const stats = await eventually(async () => {
      const current = await envoy.admin.countedFilterStats(scenario.filterEntry!);
      expect(current.in_flight).toBe(0);
      expect(current.pairs_sent).toBe(current.requests_mirrored);
      return current;
    });
    return { status: response.status, stats, pairs: sink.pairsReceived() - pairsBefore };
  } finally {
    await envoy.stop();
  }
}

describe("the Envoy benchmarks' scenarios", () => {
  it("are the ones both benchmarks name, each once", () => {
    expect(scenarios.map((scenario) => scenario.id)).toEqual(["a", "b", "c", "d", "e", "f", "g", "h", "i"]);
  });

  it.each([
    ["a", 1],
    ["b", 2],
    ["f", 1],
  ] as const)("(%s) serves the primary's answer; the upstream gets %i request(s)", async (id, atUpstream) => {
    const before = await upstreamRequests();
    expect((await oneRequest(scenarios.find((scenario) => scenario.id === id)!)).status).toBe(200);
    await eventually(async () => expect((await upstreamRequests()) - before).toBe(atUpstream));
  });

  it("(c) at 0% counts the request sampled out", async () => {
    const { stats } = await oneRequest(scenarios.find((scenario) => scenario.id === "c")!);
    expect(stats).toMatchObject({ requests_sampled_out: 1, requests_mirrored: 0 });
  });

  it("(d) at 100% mirrors, captures and reports the request", async () => {
    const { stats, pairs } = await oneRequest(scenarios.find((scenario) => scenario.id === "d")!);
    expect(stats).toMatchObject({ requests_mirrored: 1, shadow_ok: 1, pairs_sent: 1 });
    expect(pairs).toBe(1);
  });

  it("(i) sends the request to 2 targets and the secondary, in one pair", async () => {
    const { stats, pairs } = await oneRequest(scenarios.find((scenario) => scenario.id === "i")!);
    expect(stats).toMatchObject({ requests_mirrored: 1, shadow_ok: 2, secondary_ok: 1, pairs_sent: 1 });
    expect(pairs).toBe(1);
  });

  it.each(["e", "h"])("(%s) starts its filter, which decides the request", async (id) => {
    const { stats } = await oneRequest(scenarios.find((scenario) => scenario.id === id)!);
    expect(stats!.requests_mirrored + stats!.requests_sampled_out).toBe(1);
  });

  it("(g) starts its filter behind the gate, which mirrors whatever the gate hands it", async () => {
    const { stats } = await oneRequest(scenarios.find((scenario) => scenario.id === "g")!);
    expect(stats!.requests_sampled_out).toBe(0);
  });
});
