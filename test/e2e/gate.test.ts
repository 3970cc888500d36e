// The native gate in a real Envoy with the compiled filter: Envoy hands the filter a random share
// of the GET and HEAD requests and nothing else; what it does not hand over never enters the VM
// (the filter's counters stay still while Envoy's own count the requests); the tag header and its
// underscore spellings never reach the primary, sampled or not; operators change the share at
// run time through Envoy's runtime.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_GATE_RUNTIME_KEY } from "../../host/envoy/gate.js";
import { FILTER_STAT_NAMES, type FilterStats } from "../../support/envoy-admin.js";
import { type EnvoyProcess } from "../../support/envoy-process.js";
import type { ReceivedRequest } from "../../support/http-service.js";
import { sendMany, type ClientResponse } from "./support/client.js";
import { eventually } from "../../support/eventually.js";
import { printEnvoyLogOnFailure } from "./support/failure-log.js";
import { startStack, statsDelta, type Stack } from "./support/stack.js";

const TAG = "x-shadow-request";
/** What a client outside could send to make the primary take a request for shadow traffic. */
const FORGED_TAGS = { "X-Shadow-Request": "true", x_shadow_request: "true", "x-shadow_request": "true", "x-kept": "yes" };

/** Envoy's own counters for the gate: requests the listener finished, delegations to the filter, underscore headers dropped. */
interface GateCounters {
  completed: number;
  delegated: number;
  underscoresDropped: number;
}

async function gateCounters(envoy: EnvoyProcess): Promise<GateCounters> {
  const stats = await envoy.admin.stats("^(http\\.ingress\\.|http1\\.)");
  const read = (name: string): number => {
    const value = stats.get(name);
    if (value === undefined) throw new Error(`shadowdiff: Envoy shows no ${name}`);
    return value;
  };
  return {
    completed: read("http.ingress.downstream_rq_completed"),
    delegated: read("http.ingress.composite.filter_delegation_success"),
    underscoresDropped: read("http1.dropped_headers_with_underscores"),
  };
}

/**
 * Send `count` requests, then wait until Envoy counts every one of them as completed: from then on,
 * anything the filter would have counted for them has been counted.
 */
async function sendAndSettle(
  stack: Stack,
  count: number,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ responses: ClientResponse[]; envoy: GateCounters; filter: FilterStats; primary: ReceivedRequest[] }> {
  const envoyBefore = await gateCounters(stack.envoy);
  const filterBefore = await stack.filterStats();
  const primarySeen = stack.primary.received.length;
  const responses = await sendMany(stack.port, count, (index) => `/gate/${index}`, 16, options);
  const envoyAfter = await eventually(async () => {
    const current = await gateCounters(stack.envoy);
    expect(current.completed - envoyBefore.completed).toBe(count);
    return current;
  });
  return {
    responses,
    envoy: {
      completed: envoyAfter.completed - envoyBefore.completed,
      delegated: envoyAfter.delegated - envoyBefore.delegated,
      underscoresDropped: envoyAfter.underscoresDropped - envoyBefore.underscoresDropped,
    },
    filter: statsDelta(filterBefore, await stack.filterStats()),
    primary: stack.primary.received.slice(primarySeen),
  };
}

function total(stats: FilterStats): number {
  return FILTER_STAT_NAMES.reduce((sum, name) => sum + Math.abs(stats[name]), 0);
}

/** [low, high] holding a Binomial(n, p) draw but once in about 1.7 million runs (five standard deviations). */
function binomialBounds(n: number, p: number): [number, number] {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.ceil(mean - 5 * sd), Math.floor(mean + 5 * sd)];
}

async function setGatePercent(envoy: EnvoyProcess, value: string): Promise<void> {
  const query = `${DEFAULT_GATE_RUNTIME_KEY}=${encodeURIComponent(value)}`;
  const response = await fetch(`${envoy.admin.url}/runtime_modify?${query}`, { method: "POST" });
  expect(response.status, await response.text()).toBe(200);
}

function expectNoForgedTag(requests: ReceivedRequest[]): void {
  for (const request of requests) {
    const names = Object.keys(request.headers);
    expect(names.filter((name) => name.replaceAll("_", "-") === TAG), request.url).toEqual([]);
    expect(request.headers["x-kept"], request.url).toBe("yes");
  }
}

describe("the gate at 100%", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gate: { percent: 100 }, plugin: { methods: ["GET", "HEAD"] } });
  });
  afterAll(async () => stack?.stop());
  printEnvoyLogOnFailure(() => stack);

  it("hands every GET and HEAD to the filter, which mirrors each, tagged, to the shadow", async () => {
    const shadowSeen = stack.shadow.received.length;
    for (const method of ["GET", "HEAD"]) {
      const { responses, envoy, filter } = await sendAndSettle(stack, 20, { method });
      expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
      expect(envoy.delegated).toBe(20);
      expect(filter.requests_mirrored).toBe(20);
      expect(filter.requests_sampled_out).toBe(0);
    }
    await eventually(async () => expect(stack.shadow.received.length - shadowSeen).toBe(40));
    const copies = stack.shadow.received.slice(shadowSeen);
    expect(copies.map((copy) => copy.headers[TAG])).toEqual(copies.map(() => "true"));
    await stack.settledStats();
  });

  it("never hands a POST to the filter: not even its method check runs", async () => {
    const { responses, envoy, filter, primary } = await sendAndSettle(stack, 20, { method: "POST" });
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    expect(primary.map((request) => request.method)).toEqual(primary.map(() => "POST"));
    expect(envoy.delegated).toBe(0);
    expect(total(filter)).toBe(0);
  });

  it("sampled requests carrying a forged tag reach the filter, are not mirrored, and the primary never sees the tag", async () => {
    const { envoy, filter, primary } = await sendAndSettle(stack, 20, { headers: FORGED_TAGS });
    expect(envoy.delegated).toBe(20);
    expect(filter.requests_tagged).toBe(20);
    expect(filter.requests_mirrored).toBe(0);
    // Two underscore spellings per request, dropped by Envoy's codec before any filter.
    expect(envoy.underscoresDropped).toBe(40);
    expect(primary).toHaveLength(20);
    expectNoForgedTag(primary);
  });
});

describe("the gate at 0%", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gate: { percent: 0 } });
  });
  afterAll(async () => stack?.stop());
  printEnvoyLogOnFailure(() => stack);

  it("lets no request into the VM: Envoy counts every request, the filter none", async () => {
    const { responses, envoy, filter, primary } = await sendAndSettle(stack, 200);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(200);
    expect(primary).toHaveLength(200);
    expect(envoy.delegated).toBe(0);
    expect(total(filter)).toBe(0);
  });

  it("strips the tag header and its underscore spellings from requests it does not sample", async () => {
    const { envoy, filter, primary } = await sendAndSettle(stack, 50, { headers: FORGED_TAGS });
    expect(envoy.delegated).toBe(0);
    expect(total(filter)).toBe(0);
    expect(envoy.underscoresDropped).toBe(100);
    expect(primary).toHaveLength(50);
    expectNoForgedTag(primary);
  });

  it("takes a new share at run time from Envoy's runtime, and goes back to its own when the override is removed", async () => {
    try {
      await setGatePercent(stack.envoy, "100");
      const all = await sendAndSettle(stack, 20);
      expect(all.envoy.delegated).toBe(20);
      expect(all.filter.requests_mirrored).toBe(20);

      // A fraction is given as Envoy's FractionalPercent: 25% here.
      await setGatePercent(stack.envoy, "{numerator: 250000, denominator: MILLION}");
      const quarter = await sendAndSettle(stack, 400);
      const [low, high] = binomialBounds(400, 0.25);
      expect(quarter.envoy.delegated).toBeGreaterThanOrEqual(low);
      expect(quarter.envoy.delegated).toBeLessThanOrEqual(high);
      expect(quarter.filter.requests_mirrored).toBe(quarter.envoy.delegated);

      // A value Envoy cannot read leaves the configured share (0%), never opens the gate.
      await setGatePercent(stack.envoy, "ten");
      expect((await sendAndSettle(stack, 50)).envoy.delegated).toBe(0);
    } finally {
      await setGatePercent(stack.envoy, "");
    }
    // The pairs mirrored above are reported on the filter's tick; let them land before counting.
    await stack.settledStats();
    const restored = await sendAndSettle(stack, 50);
    expect(restored.envoy.delegated).toBe(0);
    expect(total(restored.filter)).toBe(0);
  });
});

describe("the gate at 0%, with a tag that has an underscore", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gate: { percent: 0 }, plugin: { tag_header: "x_mirror" } });
  });
  afterAll(async () => stack?.stop());
  printEnvoyLogOnFailure(() => stack);

  it("strips the dashed spelling too, which the underscore rule lets through, from requests it does not sample", async () => {
    const { envoy, filter, primary } = await sendAndSettle(stack, 20, { headers: { "x-mirror": "true", "X-Mirror": "yes", x_mirror: "true", "x-kept": "yes" } });
    expect(envoy.delegated).toBe(0);
    expect(total(filter)).toBe(0);
    expect(primary).toHaveLength(20);
    for (const request of primary) {
      expect(Object.keys(request.headers).filter((name) => name.replaceAll("_", "-") === "x-mirror"), request.url).toEqual([]);
      expect(request.headers["x-kept"], request.url).toBe("yes");
    }
  });
});

describe("the gate at a fractional share", () => {
  const PERCENT = 12.5;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gate: { percent: PERCENT } });
  });
  afterAll(async () => stack?.stop());
  printEnvoyLogOnFailure(() => stack);

  it("hands the filter a share of 2,000 GETs inside the binomial bounds, and each one becomes a pair", async () => {
    const before = await stack.settledStats();
    const { responses, envoy, filter } = await sendAndSettle(stack, 2000);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(2000);
    const [low, high] = binomialBounds(2000, PERCENT / 100);
    expect(envoy.delegated).toBeGreaterThanOrEqual(low);
    expect(envoy.delegated).toBeLessThanOrEqual(high);
    // Every request the gate let in was mirrored: the filter does no sampling of its own.
    expect(filter.requests_mirrored).toBe(envoy.delegated);
    expect(filter.requests_sampled_out).toBe(0);
    expect(statsDelta(before, await stack.settledStats()).pairs_sent).toBe(envoy.delegated);
  });
});
