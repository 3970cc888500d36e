// Services of known truth for bench-verdict: what the target does differently (or not) from v1,
// and the pairs a filter would report for it, seeded. Latency per request is the request's own
// cost, shared by every side, times a jitter of each side's own, both lognormal.
import type { WirePair, WireResponse } from "../../support/report-client.js";
import { seededRandom } from "../../support/seeded-random.js";

export interface Scenario {
  name: string;
  /** What a right verdict says. */
  truth: "pass" | "fail";
  /** Share of pairs where the target changes the price. */
  mismatchRate: number;
  /** The target's latency factor on every request. */
  slower: number;
  /** A share of the target's requests slowed down by a factor (a tail regression). */
  tail?: { share: number; factor: number };
  /** σ of the log of each request's own cost (0.5 typical, 1 heavy-tailed). */
  costSigma: number;
  /** Every side stamps its own id and time and shuffles a list: noise only a secondary can tell. */
  noisy: boolean;
  /** The secondary's share of mirrored requests (0: none configured). */
  secondaryShare: number;
  /** The target changes the price's type, or drops the name, in every pair. */
  typeChanged?: boolean;
  removed?: boolean;
}

/** σ of each side's own jitter around the request's cost. */
const JITTER_SIGMA = 0.15;
const BASE_SECONDS = 0.01;

const plain = { mismatchRate: 0, slower: 1, costSigma: 0.5, noisy: false, secondaryShare: 0 };
const noisy = (share: number) => ({ ...plain, noisy: true, secondaryShare: share });

export const SCENARIOS: Scenario[] = [
  { name: "identical", truth: "pass", ...plain },
  { name: "0.3% mismatching (below the 1% tolerance)", truth: "pass", ...plain, mismatchRate: 0.003 },
  { name: "2% mismatching (2x the tolerance)", truth: "fail", ...plain, mismatchRate: 0.02 },
  { name: "3% mismatching (3x the tolerance)", truth: "fail", ...plain, mismatchRate: 0.03 },
  { name: "10% mismatching", truth: "fail", ...plain, mismatchRate: 0.1 },
  { name: "1.3x slower", truth: "fail", ...plain, slower: 1.3 },
  { name: "1.5x slower", truth: "fail", ...plain, slower: 1.5 },
  { name: "identical, heavy latency tails (cost sigma 1)", truth: "pass", ...plain, costSigma: 1 },
  { name: "a tail regression: 10% of requests 3x slower", truth: "fail", ...plain, tail: { share: 0.1, factor: 3 } },
  { name: "noisy fields, secondary on 100%", truth: "pass", ...noisy(1) },
  { name: "noisy fields, secondary on 20%", truth: "pass", ...noisy(0.2) },
  { name: "noisy fields, secondary on 10%", truth: "pass", ...noisy(0.1) },
  { name: "noisy, a type changed in every pair, secondary on 100%", truth: "fail", ...noisy(1), typeChanged: true },
  { name: "noisy, a type changed in every pair, secondary on 20%", truth: "fail", ...noisy(0.2), typeChanged: true },
  { name: "noisy, a type changed in every pair, secondary on 10%", truth: "fail", ...noisy(0.1), typeChanged: true },
  { name: "noisy, a field removed in every pair, secondary on 100%", truth: "fail", ...noisy(1), removed: true },
  { name: "noisy, a field removed in every pair, secondary on 20%", truth: "fail", ...noisy(0.2), removed: true },
  { name: "noisy, a field removed in every pair, secondary on 10%", truth: "fail", ...noisy(0.1), removed: true },
];

const JSON_HEADERS = [{ name: "content-type", value: "application/json" }];

function answer(value: unknown, seconds: number): WireResponse {
  const body = Buffer.from(JSON.stringify(value));
  return { status: 200, headers: JSON_HEADERS, body, body_size: body.length, latency_nanos: Math.round(seconds * 1e9) };
}

/** One service's pair source: `next(route)` gives that route's next pair, in a fixed order per seed. */
export function servicePairs(scenario: Scenario, seed: number): (route: number) => WirePair {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const counts: number[] = [];
  const shuffled = () => {
    const tags = ["a", "b", "c"];
    for (let i = tags.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [tags[i], tags[j]] = [tags[j]!, tags[i]!];
    }
    return tags;
  };
  const body = (id: number, side: string, overrides: Record<string, unknown> = {}) => ({
    id,
    price: 10,
    name: `item ${id}`,
    ...(scenario.noisy ? { requestId: `${side}-${random().toString(36).slice(2, 10)}`, at: Math.floor(random() * 1e9), tags: shuffled() } : {}),
    ...overrides,
  });
  return (route) => {
    const id = (counts[route] = (counts[route] ?? 0) + 1);
    const cost = BASE_SECONDS * Math.exp(scenario.costSigma * normal());
    const side = () => cost * Math.exp(JITTER_SIGMA * normal());
    let targetSeconds = side() * scenario.slower;
    if (scenario.tail !== undefined && random() < scenario.tail.share) targetSeconds *= scenario.tail.factor;
    const targetBody = body(id, "t", {
      ...(random() < scenario.mismatchRate ? { price: 11 } : {}),
      ...(scenario.typeChanged ? { price: "10" } : {}),
    });
    if (scenario.removed) delete (targetBody as { name?: string }).name;
    const withSecondary = scenario.secondaryShare > 0 && random() < scenario.secondaryShare;
    return {
      id: `s${seed}-r${route}-${id}`,
      proxy_id: "bench-verdict",
      config_version: "bench",
      method: "GET",
      authority: "shop",
      path: `/r${route}/items/${id}`,
      start_unix_nanos: 1_700_000_000_000_000_000,
      primary: answer(body(id, "p"), side()),
      targets: [{ ...answer(targetBody, targetSeconds), name: "v2", failure: 0 }],
      ...(withSecondary ? { secondary: { ...answer(body(id, "s"), side()), failure: 0 } } : {}),
      ...(scenario.secondaryShare > 0 ? { secondary_share_ppm: Math.round(scenario.secondaryShare * 1_000_000) } : {}),
    };
  };
}
