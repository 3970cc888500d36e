// The demo's client: a few thousand GETs over the catalog's routes, a fixed number in flight,
// with one progress line rewritten in place.
import { Agent, get } from "node:http";

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

export async function sendTraffic(
  port: number,
  count: number,
  concurrency: number,
  progress: (line: string) => void,
): Promise<TrafficResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const started = performance.now();
  let next = 0;
  let done = 0;
  let failed = 0;
  const report = (): void => {
    const seconds = (performance.now() - started) / 1000;
    progress(`sent ${done}/${count} requests (${Math.round(done / Math.max(seconds, 0.001))} req/s, ${failed} failed)`);
  };
  const timer = setInterval(report, 200);
  const worker = async (): Promise<void> => {
    while (next < count) {
      const path = demoPath(next++);
      const ok = await getStatus(agent, port, path).then((status) => status === 200, () => false);
      done++;
      if (!ok) failed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
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
