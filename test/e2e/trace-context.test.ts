// What the shadow receives of the trace context through a real Envoy: with trace_context "mark"
// (the default), a new span of the primary's trace, marked as shadow traffic in tracestate and
// baggage; with "drop", none of it. The primary always gets the headers as they came, and the
// pair carries the primary's trace id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { sendJson, startHttpService, type HttpService, type ReceivedRequest } from "../../support/http-service.js";
import { filterWasmPath } from "../../support/paths.js";
import type { DecodedPair } from "../filter/capture.js";
import { send } from "./support/client.js";
import { startRecordingCollector, type RecordingCollector } from "./support/recording-collector.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const B3_SPAN = "e457b5a2e4d86bd1";
const CONTEXT = {
  traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
  tracestate: "congo=t61rcWkgMzE",
  baggage: "userId=alice",
  "x-b3-traceid": TRACE_ID,
  "x-b3-spanid": B3_SPAN,
  "x-b3-sampled": "1",
};

interface Proxy {
  primary: HttpService;
  shadow: HttpService;
  collector: RecordingCollector;
  envoy: EnvoyProcess;
}

async function startProxy(plugin: Record<string, unknown>): Promise<Proxy> {
  const answer = (_request: ReceivedRequest, response: Parameters<typeof sendJson>[0]) => sendJson(response, 200, { ok: true });
  const primary = await startHttpService(answer);
  const shadow = await startHttpService(answer);
  const collector = await startRecordingCollector();
  const envoy = await startEnvoy(
    renderBootstrap({
      primary: { port: primary.port },
      mode: { kind: "filter", shadow: { port: shadow.port }, collector: { port: collector.port }, wasmPath: filterWasmPath(), plugin: { flush_interval_ms: 50, ...plugin } },
    }),
  );
  return { primary, shadow, collector, envoy };
}

async function stop(proxy: Proxy | undefined): Promise<void> {
  await proxy?.envoy.stop();
  await Promise.all([proxy?.primary.close(), proxy?.shadow.close(), proxy?.collector.close()]);
}

/** One traced request: what the primary and the shadow received, and the pair. */
async function traced(proxy: Proxy, id: string): Promise<{ primary: ReceivedRequest; shadow: ReceivedRequest; pair: DecodedPair }> {
  const response = await send(proxy.envoy.listenerPort, "/items/1", { headers: { "x-request-id": id, ...CONTEXT } });
  expect(response.status).toBe(200);
  const find = (service: HttpService) => eventually(() => {
    const seen = service.received.find((request) => request.headers["x-request-id"] === id);
    if (seen === undefined) throw new Error(`${id} not received yet`);
    return seen;
  });
  const pair = await eventually(() => {
    const found = proxy.collector.pairs().find((candidate) => candidate.id === id);
    if (found === undefined) throw new Error(`no pair for ${id} yet`);
    return found;
  });
  return { primary: await find(proxy.primary), shadow: await find(proxy.shadow), pair };
}

describe("the trace context of a mirrored copy, through Envoy", () => {
  let marked: Proxy | undefined;
  let dropped: Proxy | undefined;
  beforeAll(async () => {
    [marked, dropped] = await Promise.all([startProxy({}), startProxy({ trace_context: "drop" })]);
  });
  afterAll(async () => {
    await Promise.all([stop(marked), stop(dropped)]);
  });

  it("mark (the default): the shadow joins the primary's trace as a span of its own, marked as shadow traffic", async () => {
    const { primary, shadow, pair } = await traced(marked!, "marked-1");
    for (const [name, value] of Object.entries(CONTEXT)) expect(primary.headers[name], name).toBe(value);
    const [version, traceId, spanId, flags] = String(shadow.headers.traceparent).split("-");
    expect([version, traceId, flags]).toEqual(["00", TRACE_ID, "01"]);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(PARENT_ID);
    expect(shadow.headers.tracestate).toBe("shadowdiff=shadow,congo=t61rcWkgMzE");
    expect(shadow.headers.baggage).toBe("userId=alice,user_agent.synthetic.type=test");
    expect(shadow.headers["x-b3-traceid"]).toBe(TRACE_ID);
    expect(shadow.headers["x-b3-parentspanid"]).toBe(B3_SPAN);
    expect(shadow.headers["x-b3-spanid"]).toMatch(/^[0-9a-f]{16}$/);
    expect(shadow.headers["x-b3-spanid"]).not.toBe(B3_SPAN);
    expect(shadow.headers["x-shadow-request"]).toBe("true");
    expect(pair.traceId).toBe(TRACE_ID);
  });

  it("drop: the shadow gets none of it and starts its own trace; the pair still names the primary's", async () => {
    const { primary, shadow, pair } = await traced(dropped!, "dropped-1");
    for (const [name, value] of Object.entries(CONTEXT)) expect(primary.headers[name], name).toBe(value);
    for (const name of Object.keys(CONTEXT)) expect(shadow.headers[name], name).toBeUndefined();
    expect(shadow.headers["x-shadow-request"]).toBe("true");
    expect(pair.traceId).toBe(TRACE_ID);
  });
});
