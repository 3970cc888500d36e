// The demo's client: a few thousand requests over the catalog's routes at a steady rate (reads,
// and one in ten a write), with one progress line rewritten in place.
import { Agent, request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

export interface TrafficResult {
  sent: number;
  failed: number;
  seconds: number;
}

export interface DemoRequest {
  method: "GET" | "POST";
  path: string;
  body?: string;
}

/** The mix of requests: products, users, the category list and orders, in a fixed, repeatable order. */
export function demoRequest(index: number): DemoRequest {
  const id = 1 + ((index * 7919) % 500);
  switch (index % 10) {
    case 0:
    case 1:
    case 5:
    case 6:
      return { method: "GET", path: `/products/${id}` };
    case 2:
    case 3:
    case 7:
    case 8:
      return { method: "GET", path: `/users/${id}` };
    case 4:
      return { method: "GET", path: "/categories" };
    default:
      return { method: "POST", path: "/orders", body: JSON.stringify({ sku: `sku-${id}`, qty: 1 + (index % 3) }) };
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
  /** The index of the first request in the mix: rounds of traffic continue where the last stopped. */
  first = 0,
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
      const request: Promise<void> = send(agent, port, demoRequest(first + index))
        .then((status) => status >= 200 && status < 300, () => false)
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

function send(agent: Agent, port: number, demo: DemoRequest): Promise<number> {
  const body = demo.body === undefined ? undefined : Buffer.from(demo.body);
  const headers = body === undefined ? {} : { "content-type": "application/json", "content-length": body.length };
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, method: demo.method, path: demo.path, headers, agent }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}
