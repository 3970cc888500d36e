// A primary and a shadow on 127.0.0.1 that answer the same JSON, each keeping the headers of every
// request it gets; and the wait for pairs to reach a collector.
import type { IncomingHttpHeaders } from "node:http";
import { expect } from "vitest";
import { eventually } from "../../../support/eventually.js";
import { sendJson, startHttpService, type ReceivedRequest } from "../../../support/http-service.js";

export const ANSWER = { id: 7, served: "v1" };

export interface Upstreams {
  primary: number;
  shadow: number;
  /** Headers of each request the primary received. */
  readonly primaryRequests: IncomingHttpHeaders[];
  /** Headers of each request the shadow received. */
  readonly shadowRequests: IncomingHttpHeaders[];
  /** Each request the primary received, whole. */
  readonly primaryReceived: ReceivedRequest[];
  /** Each request the shadow received, whole. */
  readonly shadowReceived: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startUpstreams(): Promise<Upstreams> {
  const primary = await startHttpService((_request, response) => sendJson(response, 200, ANSWER));
  const shadow = await startHttpService((_request, response) => sendJson(response, 200, ANSWER));
  return {
    primary: primary.port,
    shadow: shadow.port,
    get primaryRequests() {
      return primary.received.map((request) => request.headers);
    },
    get shadowRequests() {
      return shadow.received.map((request) => request.headers);
    },
    primaryReceived: primary.received,
    shadowReceived: shadow.received,
    close: async () => {
      await Promise.all([primary.close(), shadow.close()]);
    },
  };
}

/** The collector's /api/summary total once it counts `pairs` pairs. */
export function waitForPairs(httpPort: number, pairs: number): Promise<{ pairs: number; matched: number }> {
  return eventually(async () => {
    const summary = (await (await fetch(`http://127.0.0.1:${httpPort}/api/summary`)).json()) as { total: { pairs: number; matched: number } };
    expect(summary.total.pairs, "pairs at the collector").toBe(pairs);
    return summary.total;
  }, { timeoutMs: 30_000 });
}

/** One GET through Envoy with the filter: the client gets the primary's answer, the shadow a tagged copy, the collector the pair. */
export async function expectOneMirroredRequest(envoyPort: number, upstreams: Upstreams, collectorHttpPort: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${envoyPort}/users/7`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual(ANSWER);
  expect((await waitForPairs(collectorHttpPort, 1)).matched).toBe(1);
  expect(upstreams.shadowRequests).toEqual([expect.objectContaining({ "x-shadow-request": "true" })]);
}

/**
 * One POST with a body through Envoy with the bodies module and request_bodies on POST: the client
 * gets the primary's answer, the primary and the shadow the exact body (the shadow's tagged, with
 * a content-length that matches it), the collector the pair.
 */
export async function expectOneMirroredWrite(envoyPort: number, upstreams: Upstreams, collectorHttpPort: number): Promise<void> {
  const body = JSON.stringify({ sku: "a-1", qty: 2, note: "caf\u00e9" });
  const response = await fetch(`http://127.0.0.1:${envoyPort}/orders`, { method: "POST", body, headers: { "content-type": "application/json" } });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual(ANSWER);
  expect((await waitForPairs(collectorHttpPort, 1)).matched).toBe(1);
  expect(upstreams.primaryReceived.map((request) => [request.method, request.body.toString()])).toEqual([["POST", body]]);
  expect(upstreams.shadowReceived.map((request) => [request.method, request.body.toString()])).toEqual([["POST", body]]);
  expect(upstreams.shadowReceived[0]!.headers).toMatchObject({ "x-shadow-request": "true", "content-length": String(Buffer.byteLength(body)) });
}
