// A sample of generated configurations the filter accepts, each in a real Envoy beside an Envoy
// without the filter: the same requests reach the same primary exactly alike (method, path,
// headers, body) and the clients get the same answers. A handful only: each is an Envoy to start.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLLECTOR_CLUSTER, SHADOW_CLUSTER, renderBootstrap, type ShadowMode } from "../../host/envoy/bootstrap.js";
import { startEnvoy } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { sendJson, startHttpService, type HttpService, type ReceivedRequest } from "../../support/http-service.js";
import { filterWasmPath } from "../../support/paths.js";
import { configuration } from "../filter/config-arbitrary.js";
import { ProxyWasmHost } from "../wasmhost/host.js";
import { send, type ClientResponse, type RequestOptions } from "./support/client.js";
import { startRecordingCollector, type RecordingCollector } from "./support/recording-collector.js";
import { sameAnswer } from "./support/services.js";

const SAMPLE = 4;

/** Generated configurations (a fixed seed) that the compiled filter accepts, as the in-process host says. */
async function acceptedConfigurations(): Promise<Record<string, unknown>[]> {
  const module = readFileSync(filterWasmPath());
  const accepted: Record<string, unknown>[] = [];
  for (const settings of fc.sample(configuration, { seed: 2024, numRuns: 60 })) {
    const host = await ProxyWasmHost.fromBytes(module, { clusters: [SHADOW_CLUSTER, COLLECTOR_CLUSTER] });
    if (host.start(JSON.stringify({ shadow_cluster: SHADOW_CLUSTER, collector_cluster: COLLECTOR_CLUSTER, ...settings }))) accepted.push(settings);
    if (accepted.length === SAMPLE) break;
  }
  return accepted;
}

/** The same requests for every Envoy (the same host, whatever its port); none carries a tag
 * header, the one thing the filter changes. */
const REQUESTS = ([
  ["/items/1?page=2&api_key=abc", { headers: { "x-request-id": "r1", accept: "application/json", cookie: "a=b" } }],
  ["/users/7", { method: "HEAD", headers: { "x-request-id": "r2" } }],
  ["/items", { method: "POST", headers: { "x-request-id": "r3", "content-type": "application/json" }, body: '{"n":1}' }],
  ["/a/b", { headers: { "x-request-id": "r4", "content-length": "3" }, body: "abc" }],
  ["/", { headers: { "x-request-id": "r5", "x-session": "s-1", "x_custom_header": "1" } }],
] satisfies Array<[string, RequestOptions]>).map(([path, options]): [string, RequestOptions] => [
  path,
  { ...options, headers: { host: "api.example", ...options.headers } },
]);

/** What a primary received, and what clients got, less what differs between any two Envoys. */
function asSeen(request: ReceivedRequest): unknown {
  return { method: request.method, url: request.url, headers: request.headers, body: request.body.toString("latin1") };
}
function asAnswered(response: ClientResponse): unknown {
  const { date: _date, "x-envoy-upstream-service-time": _time, ...headers } = response.headers;
  return { status: response.status, headers, body: response.body.toString("latin1") };
}

let primary: HttpService;
let shadow: HttpService;
let collector: RecordingCollector;

beforeAll(async () => {
  primary = await startHttpService((request, response) =>
    sendJson(response, request.url.startsWith("/users/") ? 404 : 200, { url: request.url, bytes: request.body.length }),
  );
  shadow = await startHttpService(sameAnswer);
  collector = await startRecordingCollector();
});
afterAll(async () => {
  await Promise.all([primary?.close(), shadow?.close(), collector?.close()]);
});

/** Runs REQUESTS through an Envoy in `mode`; returns what the primary received and what the client got. */
async function through(mode: ShadowMode): Promise<{ seen: unknown[]; answered: unknown[] }> {
  const envoy = await startEnvoy(renderBootstrap({ primary: { port: primary.port }, mode }));
  try {
    const from = primary.received.length;
    const answered: unknown[] = [];
    for (const [path, options] of REQUESTS) answered.push(asAnswered(await send(envoy.listenerPort, path, options)));
    await eventually(async () => expect(primary.received.length).toBe(from + REQUESTS.length));
    return { seen: primary.received.slice(from).map(asSeen), answered };
  } finally {
    await envoy.stop();
  }
}

describe("accepted configurations in Envoy", () => {
  it(`leave what the primary receives and what the client gets as an Envoy without the filter leaves them (${SAMPLE} generated)`, async () => {
    const configs = await acceptedConfigurations();
    expect(configs).toHaveLength(SAMPLE);
    const without = await through({ kind: "plain" });
    for (const plugin of configs) {
      const mode: ShadowMode = {
        kind: "filter",
        shadow: { port: shadow.port },
        collector: { port: collector.port },
        wasmPath: filterWasmPath(),
        plugin,
      };
      const withFilter = await through(mode);
      expect(withFilter.seen, JSON.stringify(plugin)).toEqual(without.seen);
      expect(withFilter.answered, JSON.stringify(plugin)).toEqual(without.answered);
    }
  });
});
