// A primary and a shadow on 127.0.0.1 that answer the same JSON, the shadow keeping the headers of
// every request it gets; and the wait for pairs to reach a collector.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { expect } from "vitest";
import { waitFor } from "./wait-for.js";

export const ANSWER = { id: 7, served: "v1" };

export interface Upstreams {
  primary: number;
  shadow: number;
  /** Headers of each request the shadow received. */
  shadowRequests: IncomingHttpHeaders[];
  close(): void;
}

export async function startUpstreams(): Promise<Upstreams> {
  const servers: Server[] = [];
  const shadowRequests: IncomingHttpHeaders[] = [];
  const listen = (onRequest: (headers: IncomingHttpHeaders) => void): Promise<number> =>
    new Promise((resolve) => {
      const server = createServer((request, response) => {
        onRequest(request.headers);
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify(ANSWER));
      }).listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
      servers.push(server);
    });
  const primary = await listen(() => {});
  const shadow = await listen((headers) => shadowRequests.push(headers));
  return { primary, shadow, shadowRequests, close: () => servers.forEach((server) => server.close()) };
}

/** The collector's /api/summary total once it counts `pairs` pairs. */
export function waitForPairs(httpPort: number, pairs: number): Promise<{ pairs: number; matched: number }> {
  return waitFor(`${pairs} pair(s) at the collector`, async () => {
    const summary = (await (await fetch(`http://127.0.0.1:${httpPort}/api/summary`)).json()) as { total: { pairs: number; matched: number } };
    return summary.total.pairs === pairs ? summary.total : undefined;
  });
}

/** One GET through Envoy with the filter: the client gets the primary's answer, the shadow a tagged copy, the collector the pair. */
export async function expectOneMirroredRequest(envoyPort: number, upstreams: Upstreams, collectorHttpPort: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${envoyPort}/users/7`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual(ANSWER);
  expect((await waitForPairs(collectorHttpPort, 1)).matched).toBe(1);
  expect(upstreams.shadowRequests).toEqual([expect.objectContaining({ "x-shadow-request": "true" })]);
}
