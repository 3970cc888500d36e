// The promotion gate on real parts: a real collector fed pairs over gRPC, a real Prometheus
// scraping it with istio/prometheus/shadowdiff.rules.yaml loaded, and `shadowdiff verdict`
// reading the recorded series back. Matching shadow: pass. Diverging shadow: fail. Too few
// pairs: not enough data.
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runVerdict } from "../../host/commands/verdict.js";
import { eventually } from "../../support/eventually.js";
import { ReportClient, type WirePair } from "../../support/report-client.js";
import { startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonPair, jsonResponse, multiTargetPair } from "../../support/wire-pairs.js";
import type { CollectorConfigInput } from "../../host/collector.js";
import { expandGrafanaVariables } from "../istio/support/promql.js";
import { RULES_FILE, shippedQueries } from "../istio/support/queries.js";
import { startPrometheus, type PrometheusServer } from "./support/prometheus-server.js";

interface Stack {
  collector: TestCollector;
  prometheus: PrometheusServer;
  client: ReportClient;
}

let stacks: Stack[] = [];
afterEach(async () => {
  for (const stack of stacks) {
    stack.client.close();
    await stack.prometheus.close();
    await stack.collector.cleanup();
  }
  stacks = [];
});

async function startStack(noise: CollectorConfigInput["noise"] = {}): Promise<Stack> {
  const collector = await startTestCollector({ routes: { templates: ["/users/{id}"] }, examples: { path: ":memory:" }, noise });
  const prometheus = await startPrometheus({ targets: [`127.0.0.1:${collector.httpPort}`], ruleFiles: [RULES_FILE] }).catch(
    async (error: unknown) => {
      await collector.cleanup();
      throw error;
    },
  );
  const stack = { collector, prometheus, client: new ReportClient(collector.grpcAddress) };
  stacks.push(stack);
  return stack;
}

async function verdict(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runVerdict(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/** Waits until Prometheus has a recorded comparison count of at least `pairs` on the route. */
async function recordedPairs(stack: Stack, route: string, pairs: number): Promise<number> {
  let last: number | undefined;
  try {
    return await eventually(
      async () => {
        const result = await stack.prometheus.query(`shadow:comparisons:increase5m:by_route_target{route="${route}"}`);
        last = result[0] === undefined ? undefined : Number(result[0].value[1]);
        if (last === undefined || last < pairs) throw new Error("not recorded yet");
        return last;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
  } catch {
    const scraped = JSON.stringify(await stack.prometheus.query("up"));
    const raw = JSON.stringify(await stack.prometheus.query("shadow_comparison_total"));
    throw new Error(`Prometheus recorded ${last} comparisons on ${route}, expected ${pairs}; up=${scraped}; raw=${raw}\n${stack.prometheus.log().slice(-2000)}`);
  }
}

/** Waits until Prometheus has scraped `series` series matching the selector. */
async function scraped(stack: Stack, selector: string, series: number): Promise<void> {
  try {
    await eventually(
      async () => {
        if ((await stack.prometheus.query(selector)).length < series) throw new Error("not scraped yet");
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  } catch {
    throw new Error(`Prometheus never scraped ${series} series of ${selector}\n${stack.prometheus.log().slice(-2000)}`);
  }
}

// Both latencies fall in the same histogram bucket (5 ms, 10 ms], so the p95 estimates agree.
const user = (id: number, price: number) => ({ id, name: `user ${id}`, price });
const matching = (count: number): WirePair[] =>
  Array.from({ length: count }, (_, i) => jsonPair(`/users/${i}`, jsonResponse(user(i, 10), 6), jsonResponse(user(i, 10), 7)));
const diverging = (count: number): WirePair[] =>
  Array.from({ length: count }, (_, i) => jsonPair(`/users/${i}`, jsonResponse(user(i, 10), 6), jsonResponse(user(i, 11), 7)));

describe("shadowdiff verdict against a real Prometheus and a real collector", () => {
  it("says not enough data before enough pairs arrive, then passes a matching shadow", { timeout: 120_000 }, async () => {
    const stack = await startStack();
    const prometheus = stack.prometheus.url;

    const empty = await verdict("--prometheus", prometheus, "--min-pairs", "50");
    expect(empty.code).toBe(2);
    expect(empty.stdout).toMatch(/no comparisons yet/);

    expect(await stack.client.reportPairs(matching(10))).toBe(10);
    // Two scrapes at least, so increase() has a series for the route.
    await recordedPairs(stack, "/users/{id}", 0);
    const thin = await verdict("--prometheus", prometheus, "--min-pairs", "50");
    expect(thin.stdout).toMatch(/^\/users\/\{id\}\s+shadow\s+\d+\s.*not yet\s+\d+ pairs, needs 50$/m);
    expect(thin.code).toBe(2);

    expect(await stack.client.reportPairs(matching(120))).toBe(120);
    await recordedPairs(stack, "/users/{id}", 60);
    const passed = await verdict("--prometheus", prometheus, "--min-pairs", "50", "--emit-canary", "5");
    // jsonPair's pairs all come from one sidecar: the collector's count of distinct proxies, read back from Prometheus.
    expect(passed.stderr).toMatch(/^\/users\/\{id\}\s+shadow\s+\d+\s+1\s+100\.0%\s+1\.00x\s+pass$/m);
    expect(passed.stderr).toMatch(/^judged \d+ pairs from 1 proxy \(self-reported ids; whether the intake was authenticated, the source does not say\)$/m);
    expect(passed.code).toBe(0);
    const canary = parse(passed.stdout) as { spec: { http: { route: { weight: number }[] }[] } };
    expect(canary.spec.http[0]!.route.map((r) => r.weight)).toEqual([95, 5]);

    // Every dashboard query is one this Prometheus evaluates (not only one that parses).
    for (const query of shippedQueries().filter((q) => q.where.startsWith("dashboard"))) {
      await expect(stack.prometheus.query(expandGrafanaVariables(query.expr)), query.where).resolves.toBeInstanceOf(Array);
    }
    const matchPanel = await stack.prometheus.query(
      expandGrafanaVariables(shippedQueries().find((q) => q.where.startsWith('dashboard "Match ratio per route and target"'))!.expr),
    );
    expect(matchPanel.map((sample) => [sample.metric.route, Number(sample.value[1])])).toEqual([["/users/{id}", 1]]);

    // The collector's own summary agrees, for clusters without Prometheus.
    const direct = await verdict("--collector", `http://127.0.0.1:${stack.collector.httpPort}`, "--min-pairs", "50");
    expect(direct.code).toBe(0);
    // Its p95s are exact (7 ms / 6 ms) where Prometheus estimates both within one bucket.
    expect(direct.stdout).toMatch(/^\/users\/\{id\}\s+shadow\s+130\s+1\s+100\.0%\s+1\.17x\s+pass$/m);
    // This stack's collector takes reports on loopback without a token, and says so.
    expect(direct.stdout).toMatch(/^judged 130 pairs from 1 proxy \(self-reported ids; intake not authenticated: anyone who reached it could send pairs under any id\)$/m);
  });

  it("fails a diverging shadow, and prints nothing to apply", { timeout: 120_000 }, async () => {
    const stack = await startStack();
    // A counter's first scraped value is invisible to rate() and increase(): let Prometheus see
    // both match series once before the pairs that count.
    expect(await stack.client.reportPairs([...matching(1), ...diverging(1)])).toBe(2);
    await scraped(stack, 'shadow_comparison_total{route="/users/{id}"}', 2);
    expect(await stack.client.reportPairs([...matching(70), ...diverging(30)])).toBe(100);
    await recordedPairs(stack, "/users/{id}", 60);

    const failed = await verdict("--prometheus", stack.prometheus.url, "--min-pairs", "50", "--json", "--emit-canary", "5");
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("");
    const report = JSON.parse(failed.stderr) as { verdict: string; routes: { route: string; matchRatio: number; outcome: string }[] };
    expect(report.verdict).toBe("fail");
    expect(report.routes).toHaveLength(1);
    expect(report.routes[0]!.route).toBe("/users/{id}");
    expect(report.routes[0]!.outcome).toBe("fail");
    expect(report.routes[0]!.matchRatio).toBeGreaterThan(0.5);
    expect(report.routes[0]!.matchRatio).toBeLessThan(0.9);
  });

  it("judges each target on its own, from Prometheus as from the collector: v2 fails on its price, v3 passes, the stamp is noise", { timeout: 120_000 }, async () => {
    const stack = await startStack({ warmupPairs: 5 });
    // Every answer stamps `at` anew; v2 also changes the price. Both targets are as fast as v1.
    const stamped = (i: number, side: number, price: number, millis: number) => jsonResponse({ id: i, price, at: `${i}.${side}` }, millis);
    const pairs = (from: number, count: number): WirePair[] =>
      Array.from({ length: count }, (_, k) => {
        const i = from + k;
        return multiTargetPair(`/users/${i}`, stamped(i, 0, 10, 6), { v2: stamped(i, 2, 11, 7), v3: stamped(i, 3, 10, 7) }, stamped(i, 1, 10, 7));
      });
    // The warm-up's pairs, and a first scrape of every target's match series before the pairs that count.
    expect(await stack.client.reportPairs(pairs(0, 5))).toBe(5);
    await scraped(stack, 'shadow_comparison_total{route="/users/{id}"}', 4);
    expect(await stack.client.reportPairs(pairs(5, 100))).toBe(100);
    await eventually(
      async () => {
        const recorded = await stack.prometheus.query('shadow:comparisons:increase5m:by_route_target{route="/users/{id}"}');
        expect(recorded.map((sample) => sample.metric.target).sort()).toEqual(["v2", "v3"]);
        for (const sample of recorded) expect(Number(sample.value[1])).toBeGreaterThanOrEqual(60);
        expect(await stack.prometheus.query('shadowdiff_noise_field_rate{route="/users/{id}",field="$.at"}')).toHaveLength(1);
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );

    const fromPrometheus = await verdict("--prometheus", stack.prometheus.url, "--min-pairs", "50");
    expect(fromPrometheus.code).toBe(1);
    expect(fromPrometheus.stdout).toMatch(/^\/users\/\{id\}\s+v2\s+\d+\s+1\s+0\.0%\s+1\.00x\s+FAIL\s+match ratio 0\.0% < 99\.0%$/m);
    expect(fromPrometheus.stdout).toMatch(/^\/users\/\{id\}\s+v3\s+\d+\s+1\s+100\.0%\s+1\.00x\s+pass$/m);
    expect(fromPrometheus.stdout).toMatch(/^noise on \/users\/\{id\}: cancelled \$\.at \(v1 differs from itself in 100\.0%\); \d+ pairs with a secondary$/m);
    expect((await verdict("--prometheus", stack.prometheus.url, "--min-pairs", "50", "--target", "v3")).code).toBe(0);

    const fromCollector = await verdict("--collector", `http://127.0.0.1:${stack.collector.httpPort}`, "--min-pairs", "50", "--json");
    expect(fromCollector.code).toBe(1);
    const lines = (JSON.parse(fromCollector.stdout) as { routes: { target: string; outcome: string; pairs: number }[] }).routes;
    expect(lines.map((line) => [line.target, line.outcome, line.pairs])).toEqual([
      ["v2", "fail", 101],
      ["v3", "pass", 105],
    ]);
  });
});
