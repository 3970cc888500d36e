// `shadowdiff verdict` end to end: a stand-in Prometheus answering the judge's queries, and a real
// collector in this process fed pairs over gRPC; flags, exit codes, the table, JSON, and
// --emit-canary's output discipline.
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EXIT_ERROR, runVerdict } from "../../host/commands/verdict.js";
import { JUDGE_QUERIES, PROXY_QUERIES } from "../../host/verdict/prometheus-source.js";
import { eventually } from "../../support/eventually.js";
import { seededRandom } from "../../support/seeded-random.js";
import { ReportClient, type WirePair } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonResponse, multiTargetPair } from "../../support/wire-pairs.js";
import { validateManifest } from "../istio/support/manifests.js";
import { startJsonServer, type JsonServer } from "./support/json-server.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function verdict(...args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runVerdict(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

let servers: JsonServer[] = [];
let collectors: TestCollector[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(collectors.map((each) => each.cleanup()));
  servers = [];
  collectors = [];
});

/** One line as collectors export it: the judge's counts and, when given, its p95 ratio statistics. */
interface LineGauges {
  match: number;
  mismatch?: number;
  pending?: number;
  /** Versus the primary: [pairs, p95 ratio, spread]. */
  latency?: [number, number, number];
}

/**
 * A Prometheus that answers the judge's queries for the given lines ("/route v2"), summed over
 * collectors as PromQL's sum() would, the secondary's gauges and the collectors' proxy counts.
 */
async function prometheus(lines: Record<string, LineGauges>, options: { proxies?: number; restarts?: number; secondary?: Record<string, { share: number; pairs: number }> } = {}): Promise<JsonServer> {
  const entries = Object.entries(lines).map(([key, gauges]) => {
    const [route, target] = key.split(" ") as [string, string];
    return { route, target, gauges };
  });
  const result = (samples: { metric: Record<string, string>; value: number }[]) => ({
    status: "success",
    data: { resultType: "vector", result: samples.map(({ metric, value }) => ({ metric, value: [1_700_000_000.123, String(value)] })) },
  });
  const latency = (value: (pairs: number, ratio: number, spread: number) => number) =>
    result(entries.flatMap(({ route, target, gauges }) => (gauges.latency === undefined ? [] : [{ metric: { route, target, versus: "primary" }, value: value(...gauges.latency) }])));
  const answers: Record<string, unknown> = {
    [JUDGE_QUERIES.comparisons]: result(
      entries.flatMap(({ route, target, gauges }) =>
        (["match", "mismatch", "pending"] as const).map((cls) => ({ metric: { route, target, class: cls }, value: (cls === "match" ? gauges.match : gauges[cls]) ?? 0 })),
      ),
    ),
    [JUDGE_QUERIES.latencyPairs]: latency((pairs) => pairs),
    [JUDGE_QUERIES.latencyLogRatio]: latency((pairs, ratio) => pairs * Math.log(ratio)),
    [JUDGE_QUERIES.latencyVariance]: latency((pairs, _, spread) => pairs * spread * spread),
    [JUDGE_QUERIES.inconclusive]: result([]),
    [JUDGE_QUERIES.secondaryShare]: result(Object.entries(options.secondary ?? {}).map(([route, { share }]) => ({ metric: { route }, value: share }))),
    [JUDGE_QUERIES.secondaryPairs]: result(Object.entries(options.secondary ?? {}).map(([route, { pairs }]) => ({ metric: { route }, value: pairs }))),
    [JUDGE_QUERIES.restarts]: result(options.restarts === undefined ? [] : [{ metric: {}, value: options.restarts }]),
    [PROXY_QUERIES.byRoute]: result([]),
    [PROXY_QUERIES.total]: result(options.proxies === undefined ? [] : [{ metric: {}, value: options.proxies }]),
  };
  const server = await startJsonServer((url) => {
    if (url.pathname !== "/api/v1/query") return undefined;
    const query = url.searchParams.get("query") ?? "";
    return query in answers ? { body: answers[query] } : { status: 400, body: { status: "error", error: `unexpected query ${query}` } };
  });
  servers.push(server);
  return server;
}

/** A real collector in this process, fed `pairs` over gRPC; its /api/verdict is the source. */
async function collectorWith(pairs: WirePair[]): Promise<TestCollector> {
  const collector = await startTestCollector({ routes: { templates: ["/users/{id}"] } });
  collectors.push(collector);
  const client = new ReportClient(collector.grpcAddress);
  try {
    expect(await client.reportPairs(pairs, 50)).toBe(pairs.length);
  } finally {
    client.close();
  }
  await eventually(async () => {
    const { body } = await getJson<{ total: { pairs: number } }>(`${collector.httpUrl}/api/summary`);
    expect(body.total.pairs).toBe(pairs.reduce((sum, pair) => sum + (pair.targets?.length ?? 0), 0));
  });
  return collector;
}

/** `count` pairs on /users/{n}: v2 answers with a changed price in `mismatching` of them, and as fast as the primary times `slower`. */
function users(count: number, mismatching = 0, slower = 1): WirePair[] {
  const next = seededRandom(count);
  return Array.from({ length: count }, (_, i) => {
    // Each request's own cost, shared by both sides, times a jitter of each side's own.
    const cost = 2 + 8 * next();
    const jitter = () => 0.9 + 0.2 * next();
    return multiTargetPair(`/users/${i}`, jsonResponse({ id: i, price: 10 }, cost * jitter()), { v2: jsonResponse({ id: i, price: i < mismatching ? 11 : 10 }, cost * jitter() * slower) });
  });
}

describe("shadowdiff verdict --prometheus", () => {
  it("passes when every line's intervals clear both thresholds, and prints a table with them", async () => {
    const server = await prometheus(
      { "/users/{id} v2": { match: 3000, latency: [3000, 1.02, 0.8] }, "/orders/{id} v2": { match: 2500, latency: [2500, 0.95, 0.8] } },
      { proxies: 3 },
    );
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^route\s+target\s+pairs\s+match ratio\s+p95 latency ratio\s+verdict\s+why$/m);
    expect(run.stdout).toMatch(/^\/orders\/\{id\}\s+v2\s+2500\s+100\.0% \[99\.\d, 100\.0\]\s+0\.95 \[0\.\d\d, 1\.\d\d\]\s+pass$/m);
    expect(run.stdout).toMatch(/^judged 5500 pairs from 3 proxies \(self-reported ids; whether the intake was authenticated, the source does not say\)$/m);
    expect(run.stdout).toMatch(/^verdict: pass \(match ratio >= 99\.0% and p95 latency ratio <= 1\.2, each line decided at 95% confidence for all 2 together, from 20 pairs; from prometheus http/m);
    expect(server.requests.every((request) => request.startsWith("/api/v1/query?query="))).toBe(true);
  });

  it("fails a line whose interval lies on the wrong side, naming the line and why; --json says the same", async () => {
    const server = await prometheus({ "/users/{id} v2": { match: 270, mismatch: 30, latency: [300, 1.6, 0.8] }, "/orders/{id} v2": { match: 600 } });
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^\/users\/\{id\}.*FAIL\s+match ratio below 99\.0%; p95 latency ratio above 1\.2$/m);
    expect(run.stdout).toMatch(/^\/orders\/\{id\}.*not yet\s+latency needs 200 pairs to estimate its p95s$/m);
    // What needs attention first, as the page lists it: the failing line before the undecided one.
    const rows = run.stdout.split("\n").filter((line) => line.startsWith("/"));
    expect(rows.map((line) => line.split(/\s+/)[0])).toEqual(["/users/{id}", "/orders/{id}"]);
    // Every target's outcome in the page banner's words, before the verdict.
    expect(run.stdout).toMatch(/^by target: v2 fails\nverdict: FAIL/m);
    const json = await verdict("--prometheus", server.url, "--json");
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ verdict: "fail", exitCode: 1, thresholds: { confidence: 0.95, minPairs: 20 }, total: { pairs: 900 } });
    expect(parsed.lines[1]).toMatchObject({ route: "/users/{id}", outcome: "fail", match: { mismatched: 30, ratio: 0.9 }, latency: { baseline: "primary", outcome: "fail" } });
  });

  it("an undecided line says its interval and about how many more pairs would decide it", async () => {
    const server = await prometheus({ "/users/{id} v2": { match: 300, latency: [300, 1, 1.2] } });
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^\/users\/\{id\}\s+v2\s+300\s+100\.0% \[9\d\.\d, 100\.0\]\s+1\.00 \[0\.\d\d, 1\.\d\d\]\s+not yet\s+match ratio not yet clear of 99\.0%; p95 latency ratio not yet clear of 1\.2; ~\d+ more pairs at today's rates$/m);
  });

  it("with a secondary, says so per route; after a collector restart, says its counts start again", async () => {
    const server = await prometheus({ "/users/{id} v2": { match: 100, pending: 20 } }, { secondary: { "/users/{id}": { share: 0.1, pairs: 12 } }, restarts: 1 });
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^noise on \/users\/\{id\}: a secondary on 10\.0% of mirrored requests, 12 pairs with one$/m);
    expect(run.stdout).toMatch(/20 pairs wait on fields not settled as noise or regression/);
    expect(run.stdout).toMatch(/^a collector restarted within the last day \(1 times\): its counts start again from then$/m);
  });

  it("says why there is no line when Prometheus has no judge series", async () => {
    const server = await prometheus({});
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^no comparisons yet: Prometheus has no shadowdiff_judge_comparisons series \(is the collector scraped\?\)$/m);
  });

  it("an unreachable or broken Prometheus is an error, not a verdict", async () => {
    const unreachable = await verdict("--prometheus", "http://127.0.0.1:1", "--timeout-ms", "2000");
    expect(unreachable.code).toBe(EXIT_ERROR);
    expect(unreachable.stderr).toMatch(/cannot read prometheus: cannot connect \(http:\/\/127\.0\.0\.1:1\/api\/v1\/query/);
    const broken = await startJsonServer(() => ({ body: { status: "success", data: { resultType: "matrix", result: [] } } }));
    servers.push(broken);
    const run = await verdict("--prometheus", broken.url);
    expect(run.code).toBe(EXIT_ERROR);
    expect(run.stderr).toMatch(/something other than an instant vector/);
  });
});

describe("shadowdiff verdict --collector", () => {
  it("fails a line that mismatches in every pair, from the collector's own /api/verdict", async () => {
    const collector = await collectorWith(users(60, 60));
    const run = await verdict("--collector", collector.httpUrl);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^\/users\/\{id\}\s+v2\s+60\s+0\.0% \[0\.0, \d+\.\d\]\s+-\s+FAIL\s+match ratio below 99\.0%$/m);
    // The collector takes reports on loopback without a token, and the count says whose word it is.
    expect(run.stdout).toMatch(/^judged 60 pairs from 1 proxy \(self-reported ids; intake not authenticated: anyone who reached it could send pairs under any id\)$/m);
    expect(JSON.parse((await verdict("--collector", collector.httpUrl, "--json")).stdout)).toMatchObject({ total: { pairs: 60, proxies: 1, intake: { authenticated: false } } });
  });

  it("sends its settings to the collector as query parameters, and judges only --target", async () => {
    const collector = await collectorWith(users(300));
    const run = await verdict("--collector", collector.httpUrl, "--confidence", "0.9", "--min-pairs", "400", "--target", "v2", "--json");
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: "not-yet", thresholds: { confidence: 0.9, minPairs: 400 }, lines: [{ target: "v2", reasons: ["300 of the 400 pairs the floor asks for"] }] });
    const other = await verdict("--collector", collector.httpUrl, "--target", "v9");
    expect(other.stdout).toMatch(/^no comparisons with target "v9" \(targets seen: v2\)$/m);
  });

  it("a clearly slower target fails on latency once the pairs tell", async () => {
    const collector = await collectorWith(users(600, 0, 2));
    const run = await verdict("--collector", collector.httpUrl, "--json");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).lines[0]).toMatchObject({ outcome: "fail", reasons: ["p95 latency ratio above 1.2"], latency: { baseline: "primary", outcome: "fail" } });
  });

  it.each([[{ authenticated: "no" }], [{}], [true]])("refuses an intake it cannot read (%j), naming where", async (intake) => {
    const collector = await collectorWith(users(20));
    const { body } = await getJson<{ total: Record<string, unknown> }>(`${collector.httpUrl}/api/verdict`);
    const server = await startJsonServer((url) => (url.pathname === "/api/verdict" ? { body: { ...body, total: { ...body.total, intake } } } : undefined));
    servers.push(server);
    const run = await verdict("--collector", server.url);
    expect(run.code).toBe(EXIT_ERROR);
    expect(run.stderr).toMatch(/the collector's verdict is not as expected at total\.intake/);
  });

  it("refuses an answer of another shape, naming where", async () => {
    const server = await startJsonServer((url) => (url.pathname === "/api/verdict" ? { body: { verdict: "maybe" } } : undefined));
    servers.push(server);
    const run = await verdict("--collector", server.url);
    expect(run.code).toBe(EXIT_ERROR);
    expect(run.stderr).toMatch(/the collector's verdict is not as expected at verdict/);
  });
});

describe("shadowdiff verdict --emit-canary", () => {
  const passing = { "/users/{id} v2": { match: 3000, latency: [3000, 1, 0.8] as [number, number, number] } };

  it("on a pass prints only the VirtualService on stdout, 95/5 like the article, and the report on stderr", async () => {
    const server = await prometheus(passing);
    const run = await verdict("--prometheus", server.url, "--emit-canary", "5", "--namespace", "shop");
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^verdict: pass/m);
    const manifest = parse(run.stdout) as Record<string, unknown>;
    expect(() => validateManifest(manifest)).not.toThrow();
    expect(manifest).toMatchObject({
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "api", namespace: "shop" },
      spec: {
        hosts: ["api"],
        http: [
          {
            route: [
              { destination: { host: "api-primary", port: { number: 80 } }, weight: 95 },
              { destination: { host: "api-shadow", port: { number: 80 } }, weight: 5 },
            ],
          },
        ],
      },
    });
  });

  it("names other hosts when told, and 100 sends everything to the new version", async () => {
    const server = await prometheus(passing);
    const run = await verdict(
      "--prometheus", server.url, "--emit-canary", "100",
      "--service", "checkout", "--primary-host", "checkout-v1", "--canary-host", "checkout-v2", "--port", "8080",
    );
    expect(run.code).toBe(0);
    const manifest = parse(run.stdout) as { metadata: Record<string, unknown>; spec: { hosts: string[]; http: unknown[] } };
    expect(manifest.metadata.namespace).toBeUndefined();
    expect(manifest.spec.hosts).toEqual(["checkout"]);
    expect(manifest.spec.http).toEqual([{ route: [{ destination: { host: "checkout-v2", port: { number: 8080 } }, weight: 100 }] }]);
  });

  it("prints nothing to apply when the verdict is not a pass", async () => {
    const failing = await prometheus({ "/users/{id} v2": { match: 250, mismatch: 250 } });
    const failed = await verdict("--prometheus", failing.url, "--emit-canary", "5");
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("");
    expect(failed.stderr).toMatch(/^verdict: FAIL/m);
    const empty = await prometheus({});
    const waiting = await verdict("--prometheus", empty.url, "--emit-canary", "5", "--json");
    expect(waiting.code).toBe(2);
    expect(waiting.stdout).toBe("");
    expect(JSON.parse(waiting.stderr)).toMatchObject({ verdict: "not-yet" });
  });
});

describe("shadowdiff verdict's flags", () => {
  it("--help prints the usage and exits 0", async () => {
    const run = await verdict("--help");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: shadowdiff verdict \(--prometheus URL \| --collector URL\)/);
    expect(run.stdout).toMatch(/exit: 0 pass, 1 fail, 2 not yet, 3 error/);
  });

  it.each([
    [[], /exactly one of --prometheus URL and --collector URL/],
    [["--prometheus", "http://127.0.0.1:1", "--collector", "http://127.0.0.1:2"], /exactly one of/],
    [["--prometheus", "prometheus:9090"], /--prometheus must be an http\(s\) URL/],
    [["--collector", "http://127.0.0.1:1", "--min-match-ratio", "99"], /--min-match-ratio must be a number from 0 to 1/],
    [["--collector", "http://127.0.0.1:1", "--max-latency-ratio", "fast"], /--max-latency-ratio must be a number above 0/],
    [["--collector", "http://127.0.0.1:1", "--min-pairs", "0"], /--min-pairs must be a whole number from 1 to 1000000000/],
    [["--collector", "http://127.0.0.1:1", "--confidence", "1"], /--confidence must be a number above 0 and below 1/],
    [["--collector", "http://127.0.0.1:1", "--confidence", "0"], /--confidence must be a number above 0 and below 1/],
    [["--collector", "http://127.0.0.1:1", "--confidence", "NaN"], /--confidence must be a number above 0 and below 1/],
    [["--collector", "http://127.0.0.1:1", "--emit-canary", "2.5"], /--emit-canary must be an integer percentage from 1 to 100/],
    [["--collector", "http://127.0.0.1:1", "--emit-canary", "0"], /--emit-canary must be an integer percentage/],
    [["--collector", "http://127.0.0.1:1", "--namespace", "shop"], /--namespace only means something with --emit-canary/],
    [["--collector", "http://127.0.0.1:1", "--min-pair", "5"], /Unknown option '--min-pair'/],
    [["--collector", "http://127.0.0.1:1", "--target", 'v2",route="x'], /--target must be a target name: 1 to 32 characters of \[a-z0-9_-\]/],
    [["--collector", "http://127.0.0.1:1", "--target", ""], /--target must be a target name/],
    [["--collector", "http://127.0.0.1:1", "--target", "v".repeat(33)], /--target must be a target name/],
  ])("%j is refused", async (args, message) => {
    const run = await verdict(...args);
    expect(run.code).toBe(EXIT_ERROR);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/usage: shadowdiff verdict/);
    expect(run.stdout).toBe("");
  });
});
