// The AnalysisTemplate under istio/rollouts/argo-rollouts/, run by Argo Rollouts' own analysis
// controller (built by `make tools`: its web metric provider, condition evaluation and limits)
// against a real collector: pass ends the run Successful, fail Failed, and "not yet" is asked
// again until it passes, or until inconclusiveLimit turns the run Inconclusive. Only the interval
// is shortened (the test's clock); the limits and conditions are the file's.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { TestCollector } from "../../support/test-collector.js";
import { REPO, argoRolloutsAnalysis, run } from "../ship/support/tools.js";
import { TARGET, collectorWithVerdict, reachVerdict } from "./support/verdict-states.js";

const TEMPLATE = join(REPO, "istio", "rollouts", "argo-rollouts", "analysistemplate.yaml");

interface Run {
  phase: string;
  message?: string;
  metrics: { name: string; phase: string; count: number; successful: number; failed: number; inconclusive: number; error: number; measurements: { phase: string; value: string; message?: string }[] }[];
}

let collector: TestCollector | undefined;
afterEach(async () => {
  await collector?.cleanup();
  collector = undefined;
});

function analyse(c: TestCollector, interval = "100ms") {
  return run(argoRolloutsAnalysis(), ["-template", TEMPLATE, "-arg", `collector=${c.httpUrl}`, "-arg", `target=${TARGET}`, "-interval", interval, "-timeout", "50s"]);
}

async function finished(c: TestCollector, interval?: string): Promise<Run> {
  const result = await analyse(c, interval);
  expect(result.code, result.stderr.slice(-2000)).toBe(0);
  return JSON.parse(result.stdout) as Run;
}

describe("the web AnalysisTemplate in Argo Rollouts' analysis controller", () => {
  it("a pass ends the run Successful at the first measurement", async () => {
    collector = await collectorWithVerdict("pass");
    const done = await finished(collector);
    expect(done.phase).toBe("Successful");
    expect(done.metrics[0]).toMatchObject({ phase: "Successful", count: 1, successful: 1, measurements: [{ phase: "Successful", value: '"pass"' }] });
  });

  it("a fail ends it Failed at once", async () => {
    collector = await collectorWithVerdict("fail");
    const done = await finished(collector);
    expect(done.phase).toBe("Failed");
    expect(done.metrics[0]).toMatchObject({ phase: "Failed", count: 1, failed: 1, measurements: [{ phase: "Failed", value: '"fail"' }] });
  });

  it("not yet is Inconclusive and asked again: 31 in a row turn the run Inconclusive (inconclusiveLimit 30)", async () => {
    collector = await collectorWithVerdict("not-yet");
    const done = await finished(collector, "20ms");
    expect(done.phase).toBe("Inconclusive");
    expect(done.metrics[0]).toMatchObject({ phase: "Inconclusive", inconclusive: 31, successful: 0, failed: 0 });
    expect(new Set(done.metrics[0]!.measurements.map((m) => `${m.phase} ${m.value}`))).toEqual(new Set(['Inconclusive "not-yet"']));
  });

  it("not yet, then the canary's pairs arrive: the run goes on asking and ends Successful", async () => {
    const c = await collectorWithVerdict("not-yet");
    collector = c;
    const child = spawn(argoRolloutsAnalysis(), ["-template", TEMPLATE, "-arg", `collector=${c.httpUrl}`, "-arg", `target=${TARGET}`, "-interval", "200ms", "-timeout", "50s"]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => child.once("close", resolve));
    // The pairs that make it pass go in once the controller has said "not yet" (Inconclusive).
    await new Promise<void>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("Measurement Completed. Result: Inconclusive")) resolve();
      });
      void ended.then(() => resolve());
    });
    await reachVerdict(c, "pass", 10);
    expect(await ended, stderr.slice(-2000)).toBe(0);
    const done = JSON.parse(stdout) as Run;
    expect(done.phase).toBe("Successful");
    const phases = done.metrics[0]!.measurements.map((m) => m.phase);
    expect(phases.length).toBeGreaterThanOrEqual(2);
    expect(phases.at(-1)).toBe("Successful");
    expect(phases.slice(0, -1).every((phase) => phase === "Inconclusive")).toBe(true);
  });

  it("a hostile threshold in the template's arguments is an Error measurement (the collector refuses it with 400), never a pass", async () => {
    collector = await collectorWithVerdict("pass");
    const result = await run(argoRolloutsAnalysis(), [
      "-template", TEMPLATE, "-arg", `collector=${collector.httpUrl}`, "-arg", `target=${TARGET}`, "-arg", "thresholds=min-match-ratio=0.5&min-match-ratio=0.99",
      "-interval", "100ms", "-timeout", "3s",
    ]);
    // Argo retries errors (consecutiveErrorLimit 5) every 10 s: the run is still erring when the test stops it.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/"phase":"Error"[^}]*received non 2xx response code: 400/);
    expect(result.stderr).not.toMatch(/"phase":"Successful"/);
  });
});
