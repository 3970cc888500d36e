// The Job AnalysisTemplate under istio/rollouts/argo-rollouts/, run by Argo Rollouts' own analysis
// controller and job provider (built by `make tools`); its Job runs here as a kubelet would run it:
// the template's own script, with the built `shadowdiff` command, reading a real Prometheus that
// scrapes a real collector. A pass ends the run Successful, a fail Failed; "not yet" is waited
// out by the Job until the canary's pairs make it a pass.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Outcome } from "../../host/judge/line-judgement.js";
import { eventually } from "../../support/eventually.js";
import type { TestCollector } from "../../support/test-collector.js";
import { RULES_FILE } from "../istio/support/queries.js";
import { REPO, argoRolloutsAnalysis } from "../ship/support/tools.js";
import { startPrometheus, type PrometheusServer } from "../verdict/support/prometheus-server.js";
import { TARGET, collectorWithVerdict, reachVerdict } from "./support/verdict-states.js";

const TEMPLATE = join(REPO, "istio", "rollouts", "argo-rollouts", "analysistemplate-prometheus.yaml");

let bin: string;
beforeAll(() => {
  // `shadowdiff` on the PATH, as the collector's image has it: the built command.
  bin = mkdtempSync(join(tmpdir(), "shadowdiff-bin-"));
  writeFileSync(join(bin, "shadowdiff"), `#!/bin/sh\nexec node ${JSON.stringify(join(REPO, "dist", "host", "cli.js"))} "$@"\n`);
  chmodSync(join(bin, "shadowdiff"), 0o755);
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

let collector: TestCollector | undefined;
let prometheus: PrometheusServer | undefined;
afterEach(async () => {
  await prometheus?.close();
  await collector?.cleanup();
  collector = prometheus = undefined;
});

/** A collector whose verdict is `outcome`, and Prometheus once it has scraped every comparison. */
async function sources(outcome: Outcome): Promise<{ collector: TestCollector; prometheus: PrometheusServer }> {
  collector = await collectorWithVerdict(outcome);
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${collector.httpPort}`], ruleFiles: [RULES_FILE] });
  await scraped(prometheus, outcome === "pass" ? 800 : outcome === "fail" ? 40 : 10);
  return { collector, prometheus };
}

async function scraped(server: PrometheusServer, comparisons: number): Promise<void> {
  await eventually(
    async () => {
      const result = await server.query(`sum(shadowdiff_judge_comparisons{target="${TARGET}"})`);
      expect(Number(result[0]?.value[1])).toBe(comparisons);
    },
    { timeoutMs: 45_000, intervalMs: 250 },
  );
}

interface Analysis {
  /** Resolves when the Job has run the verdict at least once and been told to wait. */
  waiting: Promise<void>;
  done: Promise<{ code: number | null; phase?: string; stderr: string }>;
}

function analyse(prometheusUrl: string): Analysis {
  const child = spawn(
    argoRolloutsAnalysis(),
    ["-template", TEMPLATE, "-arg", `prometheus=${prometheusUrl}`, "-arg", `target=${TARGET}`, "-arg", "retry-seconds=0.2", "-run-jobs", "-timeout", "50s"],
    { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  let notYet: () => void = () => {};
  const waiting = new Promise<void>((resolve) => (notYet = resolve));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (/^verdict: not yet/m.test(stderr)) notYet();
  });
  const done = new Promise<{ code: number | null; phase?: string; stderr: string }>((resolve) =>
    child.once("close", (code) => {
      notYet();
      resolve({ code, stderr, ...(code === 0 ? { phase: (JSON.parse(stdout) as { phase: string }).phase } : {}) });
    }),
  );
  return { waiting, done };
}

describe("the Job AnalysisTemplate in Argo Rollouts' analysis controller", () => {
  it("a pass: the Job's verdict exits 0 and the run is Successful", async () => {
    const { prometheus: server } = await sources("pass");
    const { phase, code, stderr } = await analyse(server.url).done;
    expect(code, stderr.slice(-3000)).toBe(0);
    expect(phase).toBe("Successful");
    expect(stderr).toMatch(/^verdict: pass/m);
  });

  it("a fail: the Job fails and so does the run", async () => {
    const { prometheus: server } = await sources("fail");
    const { phase, code, stderr } = await analyse(server.url).done;
    expect(code, stderr.slice(-3000)).toBe(0);
    expect(phase).toBe("Failed");
    expect(stderr).toMatch(/^verdict: FAIL/m);
  });

  it("not yet: the Job asks again until the canary's pairs make it a pass", async () => {
    const { collector: c, prometheus: server } = await sources("not-yet");
    const analysis = analyse(server.url);
    await analysis.waiting;
    await reachVerdict(c, "pass", 10);
    const { phase, code, stderr } = await analysis.done;
    expect(code, stderr.slice(-3000)).toBe(0);
    expect(phase).toBe("Successful");
    expect(stderr).toMatch(/^verdict: not yet[\s\S]*^verdict: pass/m);
  }, 90_000);
});
