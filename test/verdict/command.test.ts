// `shadowdiff verdict` end to end against stand-in sources: flags, exit codes, the table, JSON,
// and --emit-canary's output discipline.
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EXIT_ERROR, runVerdict } from "../../host/commands/verdict.js";
import { NOISE_QUERIES, PROXY_QUERIES, RECORDED_SERIES } from "../../host/verdict/prometheus-source.js";
import { validateManifest } from "../istio/support/manifests.js";
import { startJsonServer, vector, type JsonServer } from "./support/json-server.js";

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
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

/** The route's noise gauges, as a collector exports them. */
interface NoiseGauges {
  secondaryPairs: string;
  warmingUp: string;
  fields?: Record<string, string>;
}

/**
 * A Prometheus that knows the three recorded series for the given routes ("/route" is target v2,
 * "/route v3" names the target), the collector's proxy counts and noise gauges when given.
 */
async function prometheus(
  routes: Record<string, { ratio: string; latency: string; pairs: string; proxies?: string }>,
  totalProxies?: string,
  noise: Record<string, NoiseGauges> = {},
): Promise<JsonServer> {
  const labelled = (key: string) => {
    const [route, target = "v2"] = key.split(" ") as [string, string?];
    return { route, target };
  };
  const series = (field: "ratio" | "latency" | "pairs") => ({
    status: "success",
    data: {
      resultType: "vector",
      result: Object.entries(routes).map(([key, v]) => ({ metric: labelled(key), value: [1_700_000_000.123, v[field]] })),
    },
  });
  const pick = (field: "proxies") =>
    Object.fromEntries(Object.entries(routes).flatMap(([key, v]) => (v[field] === undefined ? [] : [[labelled(key).route, v[field] as string]])));
  const noiseVector = (field: "secondaryPairs" | "warmingUp") => vector(Object.fromEntries(Object.entries(noise).map(([route, gauges]) => [route, gauges[field]])));
  const noisyFields = {
    status: "success",
    data: {
      resultType: "vector",
      result: Object.entries(noise).flatMap(([route, gauges]) => Object.entries(gauges.fields ?? {}).map(([field, rate]) => ({ metric: { route, field }, value: [1, rate] }))),
    },
  };
  const server = await startJsonServer((url) => {
    if (url.pathname !== "/api/v1/query") return undefined;
    const query = url.searchParams.get("query");
    if (query === RECORDED_SERIES.matchRatio) return { body: series("ratio") };
    if (query === RECORDED_SERIES.latencyRatioP95) return { body: series("latency") };
    if (query === RECORDED_SERIES.pairs) return { body: series("pairs") };
    if (query === PROXY_QUERIES.byRoute) return { body: vector(pick("proxies")) };
    if (query === NOISE_QUERIES.secondaryPairs) return { body: noiseVector("secondaryPairs") };
    if (query === NOISE_QUERIES.warmingUp) return { body: noiseVector("warmingUp") };
    if (query === NOISE_QUERIES.noisyFields) return { body: noisyFields };
    if (query === PROXY_QUERIES.total) return { body: totalProxies === undefined ? vector({}) : { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, totalProxies] }] } } };
    return { status: 400, body: { status: "error", error: `unexpected query ${query}` } };
  });
  servers.push(server);
  return server;
}

async function collector(summary: unknown): Promise<JsonServer> {
  const server = await startJsonServer((url) => (url.pathname === "/api/summary" ? { body: summary } : undefined));
  servers.push(server);
  return server;
}

const summaryRoute = (route: string, matched: number, mismatched: number, latencyRatioP95: number | null) => ({
  route,
  pairs: matched + mismatched + 1,
  matched,
  mismatched,
  inconclusive: 1,
  matchRatio: matched + mismatched === 0 ? null : matched / (matched + mismatched),
  primaryLatency: { p50: 0.004, p95: 0.009 },
  shadowLatency: { p50: 0.005, p95: 0.01 },
  latencyRatioP95,
  topFields: [],
});

describe("shadowdiff verdict --prometheus", () => {
  it("passes when every route is within the thresholds, and prints a per-route table", async () => {
    const server = await prometheus(
      {
        "/users/{id}": { ratio: "1", latency: "1.05", pairs: "600.4", proxies: "3" },
        "/orders/{id}": { ratio: "0.995", latency: "0.9", pairs: "250", proxies: "1" },
      },
      "3",
    );
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^route\s+target\s+pairs\s+proxies\s+match ratio\s+p95 latency ratio\s+verdict\s+why$/m);
    expect(run.stdout).toMatch(/^\/orders\/\{id\}\s+v2\s+250\s+1\s+99\.5%\s+0\.90x\s+pass$/m);
    expect(run.stdout).toMatch(/^\/users\/\{id\}\s+v2\s+600\s+3\s+100\.0%\s+1\.05x\s+pass$/m);
    expect(run.stdout).toMatch(/^judged 850 pairs from 3 proxies \(self-reported ids; whether the intake was authenticated, the source does not say\)$/m);
    expect(run.stdout).toMatch(/^verdict: pass \(match ratio >= 99\.0%, p95 latency ratio <= 1\.2, at least 100 pairs per route; from prometheus http/m);
    expect(server.requests.every((request) => request.startsWith("/api/v1/query?query="))).toBe(true);
  });

  it("fails when a route diverges, naming the route and why", async () => {
    const server = await prometheus({
      "/users/{id}": { ratio: "0.93", latency: "1.33", pairs: "600" },
      "/orders/{id}": { ratio: "1", latency: "1", pairs: "600" },
    });
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^\/users\/\{id\}.*FAIL\s+match ratio 93\.0% < 99\.0%; p95 latency ratio 1\.33 > 1\.20$/m);
    expect(run.stdout).toMatch(/^verdict: FAIL/m);
  });

  it("says not enough data below --min-pairs, and when NaN ratios come back", async () => {
    const server = await prometheus({ "/users/{id}": { ratio: "NaN", latency: "NaN", pairs: "0" } });
    const run = await verdict("--prometheus", server.url, "--min-pairs", "20");
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^\/users\/\{id\}\s+v2\s+0\s+-\s+-\s+-\s+not yet\s+0 pairs, needs 20$/m);
    expect(run.stdout).toMatch(/^judged 0 pairs \(from how many proxies, the source does not say\)$/m);
  });

  it("says not enough data, and why, when Prometheus has none of the recorded series", async () => {
    const server = await prometheus({});
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/are the shadowdiff rules loaded/);
  });

  it("applies the thresholds given on the command line", async () => {
    const server = await prometheus({ "/users/{id}": { ratio: "0.96", latency: "1.4", pairs: "50" } });
    expect((await verdict("--prometheus", server.url)).code).toBe(2);
    expect((await verdict("--prometheus", server.url, "--min-pairs", "50")).code).toBe(1);
    const lenient = await verdict("--prometheus", server.url, "--min-pairs", "50", "--min-match-ratio", "0.95", "--max-latency-ratio", "1.5");
    expect(lenient.code).toBe(0);
  });

  it("--json gives the same verdict for pipelines", async () => {
    const server = await prometheus({ "/users/{id}": { ratio: "0.5", latency: "1", pairs: "1000" } });
    const run = await verdict("--prometheus", server.url, "--json");
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({
      verdict: "fail",
      exitCode: 1,
      source: { kind: "prometheus", url: server.url },
      thresholds: { minMatchRatio: 0.99, maxLatencyRatio: 1.2, minPairs: 100 },
      routes: [{ route: "/users/{id}", target: "v2", pairs: 1000, matchRatio: 0.5, latencyRatioP95: 1, outcome: "fail", reasons: ["match ratio 50.0% < 99.0%"] }],
    });
  });

  it("an unreachable or broken Prometheus is an error, not a verdict", async () => {
    const broken = await startJsonServer(() => ({ status: 503, body: "overloaded" }));
    servers.push(broken);
    const run = await verdict("--prometheus", broken.url);
    expect(run.code).toBe(EXIT_ERROR);
    expect(run.stderr).toMatch(/cannot read prometheus: HTTP 503/);
    await broken.close();
    servers = [];
    const gone = await verdict("--prometheus", broken.url, "--timeout-ms", "2000");
    expect(gone.code).toBe(EXIT_ERROR);
    expect(gone.stderr).toMatch(/cannot connect/);
  });
});

describe("shadowdiff verdict --collector", () => {
  it("judges /api/summary's routes on their conclusive comparisons", async () => {
    const server = await collector({
      routes: [summaryRoute("/users/{id}", 300, 0, 1.1), summaryRoute("/orders/{id}", 99, 0, 1)],
      total: summaryRoute("*", 399, 0, 1.05),
    });
    const run = await verdict("--collector", server.url);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^\/orders\/\{id\}\s+-\s+99\s+-\s+100\.0%\s+1\.00x\s+not yet\s+99 pairs, needs 100$/m);
    expect(run.stdout).toMatch(/^\/users\/\{id\}\s+-\s+300\s+-\s+100\.0%\s+1\.10x\s+pass$/m);
    expect(server.requests).toEqual(["/api/summary"]);
  });

  it("says from how many distinct proxies the pairs came, per route and in total: a flood from one source shows", async () => {
    const route = (name: string, proxies: number) => ({ ...summaryRoute(name, 3000, 0, 1), proxies });
    const server = await collector({ routes: [route("/users/{id}", 1), route("/orders/{id}", 1)], total: { ...summaryRoute("*", 6000, 0, 1), proxies: 1 } });
    const table = await verdict("--collector", server.url);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^\/users\/\{id\}\s+-\s+3000\s+1\s+100\.0%/m);
    expect(table.stdout).toMatch(/^judged 6000 pairs from 1 proxy \(self-reported ids; whether the intake was authenticated, the source does not say\)$/m);
    const json = JSON.parse((await verdict("--collector", server.url, "--json")).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ routes: [{ route: "/orders/{id}", pairs: 3000, proxies: 1 }, { route: "/users/{id}", proxies: 1 }], total: { pairs: 6000, proxies: 1, intake: null } });
  });

  it("says the proxy count is self-reported, and whether the intake was authenticated: 202 forged proxy ids do not read as breadth", async () => {
    const summary = (intake: unknown) => ({
      routes: [{ ...summaryRoute("/users/{id}", 60_000, 600, 1), proxies: 202 }],
      total: { ...summaryRoute("*", 60_000, 600, 1), proxies: 202 },
      ...(intake === undefined ? {} : { intake }),
    });
    const open = await collector(summary({ authenticated: false }));
    const table = await verdict("--collector", open.url);
    expect(table.stdout).toMatch(
      /^judged 60600 pairs from 202 proxies \(self-reported ids; intake not authenticated: anyone who reached it could send pairs under any id\)$/m,
    );
    expect(JSON.parse((await verdict("--collector", open.url, "--json")).stdout)).toMatchObject({ total: { proxies: 202, intake: { authenticated: false } } });
    const guarded = await collector(summary({ authenticated: true }));
    expect((await verdict("--collector", guarded.url)).stdout).toMatch(/^judged 60600 pairs from 202 proxies \(self-reported ids, from senders holding the intake token\)$/m);
  });

  it.each([[{ authenticated: "no" }], [{}], [true], [{ authenticated: null }]])("refuses an intake it cannot read (%j), naming where", async (intake) => {
    const server = await collector({ routes: [summaryRoute("/users/{id}", 300, 0, 1)], total: summaryRoute("*", 300, 0, 1), intake });
    const run = await verdict("--collector", server.url);
    expect(run.code).toBe(EXIT_ERROR);
    expect(run.stderr).toMatch(/the collector's summary is not as expected at intake/);
  });

  it("fails a diverging route", async () => {
    const server = await collector({ routes: [summaryRoute("/users/{id}", 110, 8, 1.33)], total: summaryRoute("*", 110, 8, 1.33) });
    const run = await verdict("--collector", server.url, "--json");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: "fail", routes: [{ pairs: 118, outcome: "fail" }] });
  });

  it("refuses a summary of another shape, naming where", async () => {
    const server = await collector({ routes: [{ route: "/a", matched: "many" }] });
    const run = await verdict("--collector", server.url);
    expect(run.code).toBe(EXIT_ERROR);
    expect(run.stderr).toMatch(/routes\.0\.matched/);
  });
});

describe("shadowdiff verdict, several targets and noise", () => {
  const twoTargets = {
    "/products/{id}": { ratio: "0.5", latency: "1", pairs: "400" },
    "/products/{id} v3": { ratio: "1", latency: "1.1", pairs: "400" },
    "/users/{id}": { ratio: "1", latency: "1", pairs: "400" },
    "/users/{id} v3": { ratio: "1", latency: "1", pairs: "400" },
  };

  it("judges every target on every route, one line each, and exits with the worst", async () => {
    const server = await prometheus(twoTargets);
    const run = await verdict("--prometheus", server.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^\/products\/\{id\}\s+v2\s+400\s+-\s+50\.0%\s+1\.00x\s+FAIL\s+match ratio 50\.0% < 99\.0%$/m);
    expect(run.stdout).toMatch(/^\/products\/\{id\}\s+v3\s+400\s+-\s+100\.0%\s+1\.10x\s+pass$/m);
    expect(run.stdout.match(/^\/users\/\{id\}\s+v[23]\s+400 .*pass$/gm)).toHaveLength(2);
    expect(run.stdout).toMatch(/^judged 1600 pairs/m);
  });

  it("--target judges one target only: v3 passes where v2 fails", async () => {
    const server = await prometheus(twoTargets);
    const v3 = await verdict("--prometheus", server.url, "--target", "v3");
    expect(v3.code).toBe(0);
    expect(v3.stdout).not.toMatch(/\sv2\s/);
    expect(v3.stdout).toMatch(/^judged 800 pairs/m);
    expect((await verdict("--prometheus", server.url, "--target", "v2")).code).toBe(1);
    const unknown = await verdict("--prometheus", server.url, "--target", "v9");
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toMatch(/^no comparisons with target "v9" \(targets seen: v2, v3\)$/m);
  });

  it("lists the noisy fields per route with v1's own rate, and holds a warming route at not enough data", async () => {
    const server = await prometheus(twoTargets, undefined, {
      "/products/{id}": { secondaryPairs: "400", warmingUp: "0", fields: { "$.generated_at": "1", "$.tags[*]": "0.8325" } },
      "/users/{id}": { secondaryPairs: "12", warmingUp: "1" },
    });
    const run = await verdict("--prometheus", server.url, "--target", "v3");
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^\/users\/\{id\}\s+v3\s+400 .*not yet\s+noise warming up: 12 pairs with a secondary$/m);
    expect(run.stdout).toMatch(
      /^noise on \/products\/\{id\}: cancelled \$\.generated_at \(v1 differs from itself in 100\.0%\), \$\.tags\[\*\] \(v1 differs from itself in 83\.3%\); 400 pairs with a secondary$/m,
    );
    expect(run.stdout).toMatch(/^noise on \/users\/\{id\}: warming up \(12 pairs with a secondary\); its differences are not judged yet$/m);
    const json = JSON.parse((await verdict("--prometheus", server.url, "--json", "--target", "v3")).stdout) as { routes: { noise?: unknown }[] };
    expect(json.routes[0]?.noise).toEqual({ state: "ready", secondaryPairs: 400, warmupPairs: null, noisyFields: [{ field: "$.generated_at", noiseRate: 1 }, { field: "$.tags[*]", noiseRate: 0.8325 }] });
  });

  it("reads each target and the route's noise from a collector's /api/summary", async () => {
    const target = (name: string, matched: number, mismatched: number) => ({ target: name, ...summaryRoute("", matched, mismatched, 1) });
    const noise = (state: string, secondaryPairs: number) => ({
      state,
      secondaryPairs,
      warmupPairs: 50,
      fields: [
        { field: "$.at", noise: secondaryPairs, noiseRate: 1, kinds: ["changed"], noisy: true, targets: [] },
        { field: "$.rare", noise: 1, noiseRate: 0.005, kinds: ["changed"], noisy: false, targets: [] },
      ],
    });
    const server = await collector({
      routes: [
        { ...summaryRoute("/products/{id}", 400, 100, 1), targets: [target("v2", 150, 100), target("v3", 250, 0)], noise: noise("ready", 200) },
        { ...summaryRoute("/users/{id}", 300, 0, 1), targets: [target("v2", 150, 0), target("v3", 150, 0)], noise: noise("warmup", 20) },
      ],
      total: summaryRoute("*", 700, 100, 1),
    });
    const run = await verdict("--collector", server.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^\/products\/\{id\}\s+v2\s+250 .*FAIL\s+match ratio 60\.0% < 99\.0%$/m);
    expect(run.stdout).toMatch(/^\/products\/\{id\}\s+v3\s+250 .*pass$/m);
    expect(run.stdout).toMatch(/^\/users\/\{id\}\s+v2\s+150 .*not yet\s+noise warming up: 20 of 50 pairs with a secondary$/m);
    // Only fields judged noisy are listed as cancelled.
    expect(run.stdout).toMatch(/^noise on \/products\/\{id\}: cancelled \$\.at \(v1 differs from itself in 100\.0%\); 200 pairs with a secondary$/m);
    expect(run.stdout).toMatch(/^noise on \/users\/\{id\}: warming up \(20 pairs with a secondary of 50 needed\)/m);
    expect((await verdict("--collector", server.url, "--target", "v3")).code).toBe(2);
  });
});

describe("shadowdiff verdict --emit-canary", () => {
  const passing = { "/users/{id}": { ratio: "1", latency: "1", pairs: "500" } };

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
    const failing = await prometheus({ "/users/{id}": { ratio: "0.5", latency: "1", pairs: "500" } });
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
    [["--collector", "http://127.0.0.1:1", "--min-pairs", "0"], /--min-pairs must be an integer of at least 1/],
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
