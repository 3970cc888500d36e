// The promotion gate on real parts: a real collector fed pairs over gRPC, a real Prometheus
// scraping it with istio/prometheus/shadowdiff.rules.yaml loaded, and `shadowdiff verdict`
// reading the judge's gauges back. Matching shadow: pass. Diverging shadow: fail. Too few pairs:
// not yet.
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runVerdict } from "../../host/commands/verdict.js";
import { eventually } from "../../support/eventually.js";
import { seededRandom } from "../../support/seeded-random.js";
import { ReportClient, type WirePair } from "../../support/report-client.js";
import { startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonPair, jsonResponse, multiTargetPair } from "../../support/wire-pairs.js";
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

async function startStack(): Promise<Stack> {
  const collector = await startTestCollector({ routes: { templates: ["/users/{id}"] }, examples: { path: ":memory:" } });
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

/** Waits until Prometheus has scraped the judge's counts of `pairs` comparisons on the route and target. */
async function judged(stack: Stack, route: string, target: string, pairs: number): Promise<void> {
  let last: number | undefined;
  try {
    await eventually(
      async () => {
        const result = await stack.prometheus.query(`sum(shadowdiff_judge_comparisons{route="${route}",target="${target}"})`);
        last = result[0] === undefined ? undefined : Number(result[0].value[1]);
        if (last !== pairs) throw new Error("not scraped yet");
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
  } catch {
    throw new Error(`Prometheus has ${last} judged comparisons on ${route} ${target}, expected ${pairs}\n${stack.prometheus.log().slice(-2000)}`);
  }
}

/** Latencies in milliseconds: each request's own cost, shared by both sides, times a jitter of each side's own. */
function latencies(seed: number): () => [number, number] {
  const next = seededRandom(seed);
  return () => {
    const cost = 2 + 8 * next();
    return [cost * (0.9 + 0.2 * next()), cost * (0.9 + 0.2 * next())];
  };
}

const user = (id: number, price: number) => ({ id, name: `user ${id}`, price });
function users(count: number, diverging = 0, seed = count): WirePair[] {
  const next = latencies(seed);
  return Array.from({ length: count }, (_, i) => {
    const [primary, shadow] = next();
    return jsonPair(`/users/${i}`, jsonResponse(user(i, 10), primary), jsonResponse(user(i, i < diverging ? 11 : 10), shadow));
  });
}

interface JsonVerdict {
  verdict: string;
  lines: { route: string; target: string; outcome: string; pairs: number; reasons: string[]; match: { ratio: number; lower: number; upper: number; mismatched: number; pending: number; matched: number }; latency: { estimate: number; lower: number; upper: number } | null }[];
}

describe("shadowdiff verdict against a real Prometheus and a real collector", () => {
  it("not yet before the pairs arrive; then a matching shadow passes, from Prometheus exactly as from the collector", { timeout: 120_000 }, async () => {
    const stack = await startStack();
    const prometheus = stack.prometheus.url;

    const empty = await verdict("--prometheus", prometheus);
    expect(empty.code).toBe(2);
    expect(empty.stdout).toMatch(/no comparisons yet/);

    expect(await stack.client.reportPairs(users(10), 10)).toBe(10);
    await judged(stack, "/users/{id}", "shadow", 10);
    const thin = await verdict("--prometheus", prometheus);
    expect(thin.stdout).toMatch(/^\/users\/\{id\}\s+shadow\s+10\s.*not yet\s+10 of the 20 pairs the floor asks for$/m);
    expect(thin.code).toBe(2);

    expect(await stack.client.reportPairs(users(1500), 100)).toBe(1500);
    await judged(stack, "/users/{id}", "shadow", 1510);
    const passed = await verdict("--prometheus", prometheus, "--emit-canary", "5", "--json");
    expect(passed.code).toBe(0);
    const canary = parse(passed.stdout) as { spec: { http: { route: { weight: number }[] }[] } };
    expect(canary.spec.http[0]!.route.map((r) => r.weight)).toEqual([95, 5]);
    const fromPrometheus = JSON.parse(passed.stderr) as JsonVerdict;
    expect(fromPrometheus.lines).toHaveLength(1);
    expect(fromPrometheus.lines[0]).toMatchObject({ outcome: "pass", pairs: 1510, match: { mismatched: 0, pending: 0 } });

    // The collector judges the same pairs the same way: one collector's gauges are its own statistics.
    const direct = await verdict("--collector", `http://127.0.0.1:${stack.collector.httpPort}`, "--json");
    expect(direct.code).toBe(0);
    const fromCollector = JSON.parse(direct.stdout) as JsonVerdict;
    expect(fromCollector.lines[0]!.match).toEqual(fromPrometheus.lines[0]!.match);
    for (const bound of ["estimate", "lower", "upper"] as const) expect(fromCollector.lines[0]!.latency![bound]).toBeCloseTo(fromPrometheus.lines[0]!.latency![bound], 9);
    const table = await verdict("--prometheus", prometheus);
    expect(table.stdout).toMatch(/^judged 1510 pairs from 1 proxy \(self-reported ids; whether the intake was authenticated, the source does not say\)$/m);
    // This stack's collector takes reports on loopback without a token, and says so.
    expect((await verdict("--collector", `http://127.0.0.1:${stack.collector.httpPort}`)).stdout).toMatch(
      /^judged 1510 pairs from 1 proxy \(self-reported ids; intake not authenticated: anyone who reached it could send pairs under any id\)$/m,
    );

    // Every dashboard query is one this Prometheus evaluates (not only one that parses).
    for (const query of shippedQueries().filter((q) => q.where.startsWith("dashboard"))) {
      await expect(stack.prometheus.query(expandGrafanaVariables(query.expr)), query.where).resolves.toBeInstanceOf(Array);
    }
  });

  it("fails a diverging shadow, and prints nothing to apply", { timeout: 120_000 }, async () => {
    const stack = await startStack();
    expect(await stack.client.reportPairs(users(100, 30), 50)).toBe(100);
    await judged(stack, "/users/{id}", "shadow", 100);
    const failed = await verdict("--prometheus", stack.prometheus.url, "--json", "--emit-canary", "5");
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("");
    const report = JSON.parse(failed.stderr) as JsonVerdict;
    expect(report.verdict).toBe("fail");
    expect(report.lines.map((line) => [line.route, line.outcome, line.reasons])).toEqual([["/users/{id}", "fail", ["match ratio below 99.0%"]]]);
    expect(report.lines[0]!.match).toMatchObject({ ratio: 0.7, mismatched: 30 });
    expect(report.lines[0]!.match.upper).toBeLessThan(0.99);
  });

  it("judges each target on its own, from Prometheus as from the collector: v2 fails on its price, the stamp is noise", { timeout: 120_000 }, async () => {
    const stack = await startStack();
    // Every answer stamps `at` anew; v2 also changes the price. Every pair has a secondary.
    const stamped = (i: number, side: number, price: number, millis: number) => jsonResponse({ id: i, price, at: `${i}.${side}` }, millis);
    const next = latencies(7);
    const pairs = Array.from({ length: 105 }, (_, i) => {
      const [primary, other] = next();
      return { ...multiTargetPair(`/users/${i}`, stamped(i, 0, 10, primary), { v2: stamped(i, 2, 11, other), v3: stamped(i, 3, 10, other) }, stamped(i, 1, 10, primary)), secondary_share_ppm: 1_000_000 };
    });
    expect(await stack.client.reportPairs(pairs, 35)).toBe(105);
    await judged(stack, "/users/{id}", "v2", 105);
    await judged(stack, "/users/{id}", "v3", 105);

    const fromPrometheus = await verdict("--prometheus", stack.prometheus.url);
    expect(fromPrometheus.code).toBe(1);
    expect(fromPrometheus.stdout).toMatch(/^\/users\/\{id\}\s+v2\s+105\s+0\.0% \[0\.0, \d\.\d\]\s+-\s+FAIL\s+match ratio below 99\.0%$/m);
    expect(fromPrometheus.stdout).toMatch(/^\/users\/\{id\}\s+v3\s+105\s+100\.0% \[\d+\.\d, 100\.0\]\s+-\s+not yet\s+match ratio not yet clear of 99\.0%; latency needs 200 pairs with a secondary to estimate its p95s$/m);
    expect(fromPrometheus.stdout).toMatch(/^noise on \/users\/\{id\}: a secondary on 100\.0% of mirrored requests, 105 pairs with one$/m);
    expect((await verdict("--prometheus", stack.prometheus.url, "--target", "v3")).code).toBe(2);

    const fromCollector = await verdict("--collector", `http://127.0.0.1:${stack.collector.httpPort}`, "--json");
    expect(fromCollector.code).toBe(1);
    const lines = (JSON.parse(fromCollector.stdout) as JsonVerdict).lines;
    expect(lines.map((line) => [line.target, line.outcome, line.pairs, line.match.matched])).toEqual([
      ["v2", "fail", 105, 0],
      ["v3", "not-yet", 105, 105],
    ]);
  });
});
