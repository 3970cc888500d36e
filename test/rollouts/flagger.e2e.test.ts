// The Canary under istio/rollouts/flagger/, read into Flagger's own types and its webhooks called
// by Flagger's own caller (built by `make tools`), against a real collector: Flagger goes on only
// on a pass, rolls back on a fail, and holds while the verdict is not yet reached; the reasons
// are in what Flagger reports.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestCollector } from "../../support/test-collector.js";
import { REPO, flaggerWebhooks, run } from "../ship/support/tools.js";
import { TARGET, collectorWithVerdict } from "./support/verdict-states.js";

const CANARY = join(REPO, "istio", "rollouts", "flagger", "canary.yaml");

interface Call {
  name: string;
  type: string;
  url: string;
  yes: boolean;
  error?: string;
}

async function calls(collector: TestCollector): Promise<Record<string, Call>> {
  const result = await run(flaggerWebhooks(), ["-canary", CANARY, "-collector", collector.httpUrl]);
  expect(result.code, result.stderr).toBe(0);
  return Object.fromEntries((JSON.parse(result.stdout) as Call[]).map((call) => [call.type, call]));
}

describe("the Canary's webhooks, called by Flagger", () => {
  const collectors: Partial<Record<"pass" | "fail" | "not-yet", TestCollector>> = {};
  beforeAll(async () => {
    for (const outcome of ["pass", "fail", "not-yet"] as const) collectors[outcome] = await collectorWithVerdict(outcome);
  }, 60_000);
  afterAll(async () => {
    for (const collector of Object.values(collectors)) await collector?.cleanup();
  });

  it("pass: traffic may increase, the canary may be promoted, no rollback", async () => {
    const made = await calls(collectors.pass!);
    expect(Object.keys(made).sort()).toEqual(["confirm-promotion", "confirm-traffic-increase", "rollback"]);
    expect(made["confirm-traffic-increase"]).toMatchObject({ yes: true });
    expect(made["confirm-promotion"]).toMatchObject({ yes: true });
    expect(made.rollback!.yes).toBe(false);
    expect(made.rollback!.url).toBe(`${collectors.pass!.httpUrl}/api/flagger/rollback?target=${TARGET}`);
  });

  it("fail: Flagger holds the traffic and the promotion, saying why, and rolls back", async () => {
    const made = await calls(collectors.fail!);
    for (const hook of ["confirm-traffic-increase", "confirm-promotion"]) {
      expect(made[hook]!.yes, hook).toBe(false);
      // Flagger's error is the answer's body.
      expect(JSON.parse(made[hook]!.error!), hook).toMatchObject({ verdict: "fail", reasons: [`/products/{id} ${TARGET}: match ratio below 99.0%`] });
    }
    expect(made.rollback).toMatchObject({ yes: true });
  });

  it("not yet: Flagger holds, and does not roll back", async () => {
    const made = await calls(collectors["not-yet"]!);
    expect(made["confirm-traffic-increase"]!.yes).toBe(false);
    expect(made["confirm-promotion"]!.yes).toBe(false);
    expect(made.rollback!.yes).toBe(false);
    expect(JSON.parse(made["confirm-promotion"]!.error!)).toMatchObject({ verdict: "not-yet" });
  });
});
