// What the filter sends the collector, as it leaves a real Envoy: reports carry the collector's
// token as gRPC metadata (and Envoy's log never shows it), an over-long request id is shortened
// and flagged, a status of 999 is carried as Envoy passed it, and secret query values never leave
// the proxy, while the shadow gets the request as it came.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { sendJson, startHttpService, type HttpService, type RequestHandler } from "../../support/http-service.js";
import { filterWasmPath } from "../../support/paths.js";
import type { DecodedPair } from "../filter/capture.js";
import { send } from "./support/client.js";
import { startRecordingCollector, type RecordingCollector } from "./support/recording-collector.js";

const TOKEN = "e2e-token-7f3a9c1d5b2e8f40";
const SECRET = "k3y-th4t-must-st4y";

let primary: HttpService;
let shadow: HttpService;
let collector: RecordingCollector;
let envoy: EnvoyProcess;

/** Both versions answer alike, without echoing the query (bodies are the collector's to redact). */
const answer: RequestHandler = (request, response) => {
  if (request.url === "/status/999") {
    response.writeHead(999, { "content-type": "text/plain" });
    response.end("unusual");
    return;
  }
  sendJson(response, 200, { path: request.url.split("?")[0] });
};

beforeAll(async () => {
  primary = await startHttpService(answer);
  shadow = await startHttpService(answer);
  collector = await startRecordingCollector();
  envoy = await startEnvoy(
    renderBootstrap({
      primary: { port: primary.port },
      mode: {
        kind: "filter",
        shadow: { port: shadow.port },
        collector: { port: collector.port },
        wasmPath: filterWasmPath(),
        plugin: { collector_token: TOKEN, flush_interval_ms: 50, shadow_timeout_ms: 2000 },
      },
    }),
  );
});

afterAll(async () => {
  await envoy?.stop();
  await Promise.all([primary?.close(), shadow?.close(), collector?.close()]);
});

/** The pair of the request with this id, once it has reached the collector. */
async function pairOf(id: string): Promise<DecodedPair> {
  return eventually(async () => {
    const pair = collector.pairs().find((candidate) => candidate.id === id || candidate.id.startsWith(id.slice(0, 112)));
    if (pair === undefined) throw new Error(`no pair for ${id.slice(0, 20)}… yet`);
    return pair;
  });
}

describe("what leaves the proxy", () => {
  it("carries the collector's token on every report, and Envoy's log never shows it", async () => {
    for (const id of ["token-1", "token-2"]) await send(envoy.listenerPort, "/items/1", { headers: { "x-request-id": id } });
    await pairOf("token-1");
    await pairOf("token-2");
    expect(collector.reports.length).toBeGreaterThan(0);
    for (const report of collector.reports) expect(report.metadata.authorization).toBe(`Bearer ${TOKEN}`);
    expect(envoy.log()).toContain("reports carry a token");
    expect(envoy.log()).not.toContain(TOKEN);
  });

  it("shortens a 300-character request id and flags it; the shadow still gets it whole", async () => {
    const id = `long-${"x".repeat(295)}`;
    const shadowSeen = shadow.received.length;
    const response = await send(envoy.listenerPort, "/items/2", { headers: { "x-request-id": id } });
    expect(response.status).toBe(200);
    const pair = await pairOf(id);
    expect(pair.idShortened).toBe(true);
    expect(Buffer.byteLength(pair.id)).toBe(128);
    expect(pair.id).toMatch(/^long-x{107}~[0-9a-f]{15}$/);
    await eventually(async () => expect(shadow.received.length).toBe(shadowSeen + 1));
    expect(shadow.received[shadowSeen]!.headers["x-request-id"]).toBe(id);
  });

  it("carries a 999 status as Envoy passed it, and the client gets it too", async () => {
    const response = await send(envoy.listenerPort, "/status/999", { headers: { "x-request-id": "status-999" } });
    expect(response.status).toBe(999);
    expect(response.body.toString()).toBe("unusual");
    const pair = await pairOf("status-999");
    expect(pair.primary!.status).toBe(999);
  });

  it("replaces secret query values before they leave the proxy; the shadow gets the real path", async () => {
    const path = `/search?q=shoes&api_key=${SECRET}&Access_Token=${SECRET}`;
    const shadowSeen = shadow.received.length;
    const response = await send(envoy.listenerPort, path, { headers: { "x-request-id": "with-secrets" } });
    expect(JSON.parse(response.body.toString())).toEqual({ path: "/search" });
    await eventually(async () => expect(primary.received.some((request) => request.url === path)).toBe(true));
    const pair = await pairOf("with-secrets");
    expect(pair.path).toBe("/search?q=shoes&api_key=[redacted]&Access_Token=[redacted]");
    expect(JSON.stringify(collector.reports)).not.toContain(SECRET);
    expect(envoy.log()).not.toContain(SECRET);
    await eventually(async () => expect(shadow.received.length).toBe(shadowSeen + 1));
    expect(shadow.received[shadowSeen]!.url).toBe(path);
  });
});
