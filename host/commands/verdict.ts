import { parseArgs } from "node:util";
import { readTokenFile } from "../intake/intake-token.js";
import { DEFAULT_THRESHOLDS, type Thresholds } from "../judge/line-judgement.js";
import { checkThresholds, judge, type Verdict } from "../judge/verdict.js";
import { TARGET_NAME } from "../judge/verdict-query.js";
import { DEFAULT_CANARY, checkCanaryPercent, renderCanary, type CanaryOptions } from "../verdict/canary.js";
import { verdictFromCollector } from "../verdict/collector-source.js";
import { SourceError } from "../verdict/http.js";
import { evidenceFromPrometheus } from "../verdict/prometheus-source.js";
import { renderJson, renderTable, type VerdictSource } from "../verdict/report.js";

/** Bad flags, or the source could not be read: no verdict at all (0, 1 and 2 are verdicts). */
export const EXIT_ERROR = 3;

export const USAGE = `usage: shadowdiff verdict (--prometheus URL | --collector URL) [--target NAME]
         [--min-match-ratio 0.99] [--max-latency-ratio 1.2] [--confidence 0.95] [--min-pairs 20] [--json]
         [--emit-canary PERCENT [--service api] [--namespace NS] [--primary-host api-primary]
          [--canary-host api-shadow] [--port 80]] [--timeout-ms 10000] [--token-file FILE]
--token-file names a file holding the collector's HTTP token (its http.tokenFile), for --collector.
Every target is judged on every route, one line each, unless --target names one. Each line is
pass, fail or not yet: its match ratio and p95 latency ratio are intervals that hold, at
--confidence for all lines together, however often the verdict is asked; --min-pairs is a floor.
exit: 0 pass, 1 fail, 2 not yet, 3 error (the worst line decides).
With --emit-canary, standard output carries only the VirtualService, and only on a pass
(for \`| kubectl apply -f -\`); the report goes to standard error.
`;

export interface CommandOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface VerdictRequest {
  source: VerdictSource;
  thresholds: Thresholds;
  json: boolean;
  /** Judge this target only. */
  target?: string;
  canary?: CanaryOptions;
  timeoutMs: number;
  /** The collector's HTTP token, read from --token-file. */
  token?: string;
}

/**
 * `shadowdiff verdict`: may the shadow go to the canary stage? Reads the per-route recorded series
 * from Prometheus (or a collector's /api/summary), judges each route against the thresholds and
 * prints a table (or JSON), and with --emit-canary the VirtualService for the next stage.
 */
export async function run(args: string[]): Promise<number> {
  return runVerdict(args, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}

export async function runVerdict(args: string[], output: CommandOutput): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    output.stdout(USAGE);
    return 0;
  }
  let request: VerdictRequest;
  try {
    request = parseRequest(args);
  } catch (error) {
    output.stderr(`shadowdiff verdict: ${(error as Error).message}\n${USAGE}`);
    return EXIT_ERROR;
  }

  let verdict: Verdict;
  try {
    verdict = await verdictFrom(request);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    output.stderr(`shadowdiff verdict: cannot read ${request.source.kind}: ${error.message}\n`);
    return EXIT_ERROR;
  }
  const report = request.json ? renderJson(verdict, request.source) : renderTable(verdict, request.source);
  if (request.canary === undefined) {
    output.stdout(report);
  } else {
    output.stderr(report);
    if (verdict.outcome === "pass") output.stdout(renderCanary(request.canary));
  }
  return verdict.exitCode;
}

async function verdictFrom(request: VerdictRequest): Promise<Verdict> {
  const { source, thresholds, target, timeoutMs, token } = request;
  if (source.kind === "collector") return verdictFromCollector(source.url, thresholds, target, timeoutMs, token);
  const { source: evidence, restarts } = await evidenceFromPrometheus(source.url, timeoutMs);
  const verdict = judge(evidence, thresholds, target);
  if (verdict.lines.length === 0 && target === undefined) {
    verdict.note = "no comparisons yet: Prometheus has no shadowdiff_judge_comparisons series (is the collector scraped?)";
  }
  if (restarts > 0) {
    const restarted = `a collector restarted within the last day (${restarts} times): its counts start again from then`;
    verdict.note = verdict.note === undefined ? restarted : `${verdict.note}; ${restarted}`;
  }
  return verdict;
}

function parseRequest(args: string[]): VerdictRequest {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      prometheus: { type: "string" },
      collector: { type: "string" },
      target: { type: "string" },
      "min-match-ratio": { type: "string" },
      "max-latency-ratio": { type: "string" },
      "min-pairs": { type: "string" },
      confidence: { type: "string" },
      json: { type: "boolean", default: false },
      "emit-canary": { type: "string" },
      service: { type: "string" },
      namespace: { type: "string" },
      "primary-host": { type: "string" },
      "canary-host": { type: "string" },
      port: { type: "string" },
      "timeout-ms": { type: "string" },
      "token-file": { type: "string" },
    },
  });
  if (values["token-file"] !== undefined && values.collector === undefined) throw new Error("--token-file goes with --collector: it is the collector's HTTP token");
  const token = values["token-file"] === undefined ? undefined : readTokenFile(values["token-file"], "--token-file");
  if ((values.prometheus === undefined) === (values.collector === undefined)) {
    throw new Error("give exactly one of --prometheus URL and --collector URL");
  }
  const source: VerdictSource =
    values.prometheus !== undefined ? { kind: "prometheus", url: httpUrl("--prometheus", values.prometheus) } : { kind: "collector", url: httpUrl("--collector", values.collector!) };

  const thresholds: Thresholds = {
    minMatchRatio: numberFlag(values["min-match-ratio"], DEFAULT_THRESHOLDS.minMatchRatio),
    maxLatencyRatio: numberFlag(values["max-latency-ratio"], DEFAULT_THRESHOLDS.maxLatencyRatio),
    minPairs: numberFlag(values["min-pairs"], DEFAULT_THRESHOLDS.minPairs),
    confidence: numberFlag(values.confidence, DEFAULT_THRESHOLDS.confidence),
  };
  const problems = checkThresholds(thresholds);
  if (problems.length > 0) throw new Error(problems.join("; "));

  const timeoutMs = numberFlag(values["timeout-ms"], 10_000);
  if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1)) throw new Error("--timeout-ms must be a whole number of milliseconds");

  const canaryFlags = ["service", "namespace", "primary-host", "canary-host", "port"] as const;
  let canary: CanaryOptions | undefined;
  if (values["emit-canary"] !== undefined) {
    const percent = numberFlag(values["emit-canary"], Number.NaN);
    const problem = checkCanaryPercent(percent);
    if (problem !== undefined) throw new Error(problem);
    const port = numberFlag(values.port, DEFAULT_CANARY.port);
    if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new Error("--port must be a port number from 1 to 65535");
    canary = {
      service: values.service ?? DEFAULT_CANARY.service,
      ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
      primaryHost: values["primary-host"] ?? DEFAULT_CANARY.primaryHost,
      canaryHost: values["canary-host"] ?? DEFAULT_CANARY.canaryHost,
      port,
      percent,
    };
  } else {
    const stray = canaryFlags.find((flag) => values[flag] !== undefined);
    if (stray !== undefined) throw new Error(`--${stray} only means something with --emit-canary`);
  }
  const target = values.target;
  if (target !== undefined && !TARGET_NAME.test(target)) throw new Error(`--target must be a target name: 1 to 32 characters of [a-z0-9_-], got ${JSON.stringify(target.slice(0, 40))}`);
  return {
    source,
    thresholds,
    json: values.json ?? false,
    timeoutMs,
    ...(target === undefined ? {} : { target }),
    ...(canary === undefined ? {} : { canary }),
    ...(token === undefined ? {} : { token }),
  };
}

function numberFlag(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  return text.trim() === "" ? Number.NaN : Number(text);
}

function httpUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${flag} must be an http(s) URL, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${flag} must be an http(s) URL, got "${text}"`);
  return text;
}
