// The demo's client: a few thousand GETs over the catalog's routes at a steady rate, with one
// progress line rewritten in place.
import { Agent, get } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

export interface TrafficResult {
  sent: number;
  failed: number;
  seconds: number;
}

/** The mix of requests: products, users and the category list, in a fixed, repeatable order. */
export function demoPath(index: number): string {
  const id = 1 + ((index * 7919) % 500);
  switch (index % 5) {
    case 0:
    case 1:
      return `/products/${id}`;
    case 2:
    case 3:
      return `/users/${id}`;
    default:
      return "/categories";
  }
}

/**
 * Sends `count` requests at a steady `ratePerSecond`, whatever the answers, as users would: a
 * client that waited for each answer would slow down whenever the primary stalls, but not when
 * the shadow does, and so pile the shadow's stalls onto the shadow alone.
 */
export async function sendTraffic(
  port: number,
  count: number,
  ratePerSecond: number,
  progress: (line: string) => void,
): Promise<TrafficResult> {
  const agent = new Agent({ keepAlive: true });
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  let failed = 0;
  const report = (): void => {
    const seconds = (performance.now() - started) / 1000;
    progress(`sent ${done}/${count} requests (${Math.round(done / Math.max(seconds, 0.001))} req/s, ${failed} failed)`);
  };
  const timer = setInterval(report, 200);
  try {
    for (let index = 0; index < count; index++) {
      const wait = started + (index * 1000) / ratePerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const request: Promise<void> = getStatus(agent, port, demoPath(index))
        .then((status) => status === 200, () => false)
        .then((ok) => {
          done++;
          if (!ok) failed++;
          inFlight.delete(request);
        });
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(timer);
    agent.destroy();
  }
  report();
  return { sent: done, failed, seconds: (performance.now() - started) / 1000 };
}

function getStatus(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path, agent }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", reject);
    }).on("error", reject);
  });
}
