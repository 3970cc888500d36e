// `make bench-verdict`: how often the verdict is wrong, and how many pairs it needs, on services of
// known truth. Each service (10 routes, one target) gets a fresh collector; its pairs go in over
// the real gRPC intake, and the verdict is asked over HTTP (GET /api/verdict, default settings)
// after every few pairs per route, until it decides or the pairs run out. Beside it, in the same
// run and on the same summaries, the fixed rule shadowdiff had before: point estimates once a
// route has 100 pairs (match ratio >= 99%, p95 latency ratio <= 1.2). Writes
// bench/results/verdict.json and the bench-verdict section of BENCHMARKS.md.
// BENCH_VERDICT_SERVICES=N services per scenario (default 20); BENCH_VERDICT_SCENARIOS=a,b runs
// the scenarios whose names start with those words.
import { join } from "node:path";
import { startCollector } from "../host/collector.js";
import { createLogger } from "../host/log.js";
import type { Summary } from "../host/summary/summary.js";
import { eventually } from "../support/eventually.js";
import { repoRoot } from "../support/paths.js";
import { loadAverage } from "../support/proc.js";
import { ReportClient, type WirePair } from "../support/report-client.js";
import { writeBenchResults } from "./lib/bench-results.js";
import { describeMachine, goalLines, goalRows, machine, round, type Goal } from "./lib/figures.js";
import { SCENARIOS, servicePairs, type Scenario } from "./lib/verdict-scenarios.js";

const ROUTES = 10;
const MAX_PAIRS_PER_ROUTE = 2000;
const SERVICES = Number(process.env.BENCH_VERDICT_SERVICES ?? 20);
const ONLY = (process.env.BENCH_VERDICT_SCENARIOS ?? "").split(",").filter((name) => name !== "");

/** Pairs per route at which the verdict is asked: every 10 to 100, every 25 to 400, every 100 after. */
function looks(): number[] {
  const at: number[] = [];
  for (let n = 10; n <= MAX_PAIRS_PER_ROUTE; n += n < 100 ? 10 : n < 400 ? 25 : 100) at.push(n);
  return at;
}

type Decision = { outcome: "pass" | "fail"; pairsPerRoute: number } | { outcome: "none"; pairsPerRoute: null };

interface ServiceResult {
  judge: Decision;
  fixedRule: Decision;
  /** Looks at which the verdict was asked. */
  looks: number;
}

/** The fixed rule on a summary: every route with 100 conclusive pairs, each within both thresholds. */
function fixedRule(summary: Summary): "pass" | "fail" | "not-yet" {
  const lines = summary.routes.flatMap((route) => route.targets);
  if (lines.length < ROUTES) return "not-yet";
  let outcome: "pass" | "fail" | "not-yet" = "pass";
  for (const line of lines) {
    if (line.matched + line.mismatched < 100) return "not-yet";
    if ((line.matchRatio ?? 0) < 0.99 || (line.latencyRatioP95 ?? 0) > 1.2) outcome = "fail";
  }
  return outcome;
}

async function runService(scenario: Scenario, seed: number): Promise<ServiceResult> {
  const collector = await startCollector(
    { grpc: { address: "127.0.0.1:0" }, http: { address: "127.0.0.1:0" }, examples: { path: ":memory:" } },
    { log: createLogger(() => {}, "error") },
  );
  const client = new ReportClient(`127.0.0.1:${collector.grpcPort}`);
  const http = `http://127.0.0.1:${collector.httpPort}`;
  const next = servicePairs(scenario, seed);
  let judge: Decision = { outcome: "none", pairsPerRoute: null };
  let fixed: Decision = { outcome: "none", pairsPerRoute: null };
  let sent = 0;
  let asked = 0;
  try {
    for (const at of looks()) {
      const pairs: WirePair[] = [];
      for (; sent < at; sent++) for (let route = 0; route < ROUTES; route++) pairs.push(next(route));
      await client.reportPairs(pairs, 200);
      const summary = await eventually(
        async () => {
          const body = (await (await fetch(`${http}/api/summary`)).json()) as Summary;
          if (body.total.pairs < at * ROUTES) throw new Error("pairs on their way");
          return body;
        },
        { timeoutMs: 60_000, intervalMs: 5 },
      );
      asked++;
      if (fixed.outcome === "none") {
        const outcome = fixedRule(summary);
        if (outcome !== "not-yet") fixed = { outcome, pairsPerRoute: at };
      }
      if (judge.outcome === "none") {
        const verdict = (await (await fetch(`${http}/api/verdict`)).json()) as { verdict: "pass" | "fail" | "not-yet" };
        if (verdict.verdict !== "not-yet") judge = { outcome: verdict.verdict, pairsPerRoute: at };
      }
      if (judge.outcome !== "none" && fixed.outcome !== "none") break;
    }
  } finally {
    client.close();
    await collector.close();
  }
  return { judge, fixedRule: fixed, looks: asked };
}

interface ScenarioFigures {
  services: number;
  wrong: number;
  undecided: number;
  /** Pairs per route at the decision: median and 90th percentile over every service (null: some did not decide). */
  medianPairs: number | null;
  p90Pairs: number | null;
  p95Pairs: number | null;
}

function figures(truth: "pass" | "fail", decisions: Decision[]): ScenarioFigures {
  const pairs = decisions.map((decision) => decision.pairsPerRoute ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const at = (q: number) => {
    const value = pairs[Math.min(pairs.length - 1, Math.ceil(q * pairs.length) - 1)]!;
    return Number.isFinite(value) ? value : null;
  };
  return {
    services: decisions.length,
    wrong: decisions.filter((decision) => decision.outcome !== "none" && decision.outcome !== truth).length,
    undecided: decisions.filter((decision) => decision.outcome === "none").length,
    medianPairs: at(0.5),
    p90Pairs: at(0.9),
    p95Pairs: at(0.95),
  };
}

interface ScenarioResult {
  scenario: Scenario;
  judge: ScenarioFigures;
  fixedRule: ScenarioFigures;
}

function share(count: number, of: number): string {
  return `${count}/${of} (${round((100 * count) / of, 1)}%)`;
}

function pairsText(figure: ScenarioFigures): string {
  const show = (value: number | null) => (value === null ? "undecided" : String(value));
  return `${show(figure.medianPairs)} / ${show(figure.p90Pairs)}`;
}

function goals(results: ScenarioResult[]): Goal[] {
  const find = (prefix: string) => results.filter((result) => result.scenario.name.startsWith(prefix));
  const wrong = (truth: "pass" | "fail") => {
    const relevant = results.filter((result) => result.scenario.truth === truth);
    const count = relevant.reduce((sum, result) => sum + result.judge.wrong, 0);
    const of = relevant.reduce((sum, result) => sum + result.judge.services, 0);
    return { count, of };
  };
  const within = (prefixes: string[], pairs: number, quantile: "p95Pairs"): Goal[] =>
    prefixes.flatMap((prefix) =>
      find(prefix).map((result) => {
        const at = result.judge[quantile];
        return { goal: `${result.scenario.name}: ${result.scenario.truth === "fail" ? "fails" : "is decided"} within ${pairs} pairs per route in 95% of services`, measured: at === null ? "not in 95%" : `${at} pairs`, met: at !== null && at <= pairs && result.judge.wrong === 0 };
      }),
    );
  const falseFail = wrong("pass");
  const falsePass = wrong("fail");
  return [
    { goal: "false FAIL ≤ 1% of services (every scenario whose truth is pass)", measured: share(falseFail.count, falseFail.of), met: falseFail.count <= 0.01 * falseFail.of },
    { goal: "false PASS ≤ 1% of services (every scenario whose truth is fail)", measured: share(falsePass.count, falsePass.of), met: falsePass.count <= 0.01 * falsePass.of },
    ...within(["noisy, a type changed", "noisy, a field removed", "10% mismatching"], 50, "p95Pairs"),
    ...within(["3% mismatching", "1.5x slower"], 300, "p95Pairs"),
    ...within(["identical"], 1000, "p95Pairs").filter((goal) => goal.goal.startsWith("identical:")),
    ...within(["noisy fields, secondary on 10%"], 1000, "p95Pairs"),
  ];
}

function markdown(results: ScenarioResult[], goalList: Goal[], header: string): string {
  const rows = results.map(({ scenario, judge, fixedRule: fixed }) =>
    [
      scenario.name,
      scenario.truth,
      share(judge.wrong, judge.services),
      share(judge.undecided, judge.services),
      pairsText(judge),
      share(fixed.wrong, fixed.services),
      share(fixed.undecided, fixed.services),
      pairsText(fixed),
    ].join(" | "),
  );
  return [
    "## The verdict: error rates and pairs to decide (`make bench-verdict`)",
    "",
    header,
    "",
    "| service (10 routes) | truth | judge: wrong | judge: undecided | judge: pairs per route to decide, median / p90 | fixed rule: wrong | fixed rule: undecided | fixed rule: pairs, median / p90 |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((row) => `| ${row} |`),
    "",
    ...goalRows(goalList),
  ].join("\n");
}

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  const started = new Date();
  const scenarios = SCENARIOS.filter((scenario) => ONLY.length === 0 || ONLY.some((prefix) => scenario.name.startsWith(prefix)));
  const results: ScenarioResult[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const services: ServiceResult[] = [];
    for (let service = 0; service < SERVICES; service++) {
      services.push(await runService(scenario, 1000 * (index + 1) + service));
      process.stderr.write(`\r  ${scenario.name}: ${service + 1}/${SERVICES} services\x1b[K`);
    }
    const result = {
      scenario,
      judge: figures(scenario.truth, services.map((each) => each.judge)),
      fixedRule: figures(scenario.truth, services.map((each) => each.fixedRule)),
    };
    results.push(result);
    process.stderr.write(`\r${scenario.name}: judge wrong ${result.judge.wrong}, undecided ${result.judge.undecided}, pairs ${pairsText(result.judge)}; fixed rule wrong ${result.fixedRule.wrong}\x1b[K\n`);
  }
  const goalList = goals(results);
  const m = machine(loadAtStart);
  const header =
    `Each service: 10 routes, one target, ${SERVICES} services per scenario, each with a fresh collector fed over real gRPC; the verdict asked over HTTP (\`GET /api/verdict\`, ` +
    `default settings: confidence 0.95 for the whole service, match ratio >= 99%, p95 latency ratio <= 1.2, floor 20 pairs) after every 10 pairs per route to 100, every 25 to 400, ` +
    `every 100 to ${MAX_PAIRS_PER_ROUTE}; a service's decision is the first verdict that is not "not yet". Latency per request: the request's own cost (lognormal, σ 0.5 unless said) ` +
    `shared by every side, times each side's own jitter (lognormal, σ 0.15). Noisy services: every side stamps its own id and time and shuffles a list of three. ` +
    `"Pairs per route to decide" counts over every service (undecided: more than ${MAX_PAIRS_PER_ROUTE}). The fixed rule is shadowdiff's earlier one (point estimates once every route has 100 pairs), ` +
    `applied to the same collector's summary at the same looks. ${describeMachine(m)}. Written by bench/verdict.ts on ${started.toISOString()}.`;
  const text = markdown(results, goalList, header);
  const root = repoRoot();
  writeBenchResults(join(root, "bench", "results", "verdict.json"), { started: started.toISOString(), machine: m, services: SERVICES, routes: ROUTES, results, goals: goalList }, join(root, "BENCHMARKS.md"), "bench-verdict", text);
  console.log(`\n${text}\n\n${goalLines(goalList)}\n\nwritten to bench/results/verdict.json and BENCHMARKS.md`);
}

void main();
