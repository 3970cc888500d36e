// A trace as Jaeger shows it (its all-in-one, built by `make tools`): a client's traced request
// through Envoy with the filter, the copy through a second Envoy standing for the shadow's sidecar,
// both tracing with OpenTelemetry to Jaeger. The trace holds the primary's span and the shadow's,
// under the client's trace id; the shadow's hangs from the copy's own span, never from the
// client's, and carries shadowdiff's mark in its trace state. The collector names the same trace.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import { terminate } from "../../support/child-process.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { sendJson, startHttpService, type HttpService } from "../../support/http-service.js";
import { filterWasmPath } from "../../support/paths.js";
import { jaeger } from "../ship/support/tools.js";
import { send } from "./support/client.js";
import { startRecordingCollector, type RecordingCollector } from "./support/recording-collector.js";

const TRACE_ID = "5c2a9fd1e0b84f7d9a6b3c4d2e1f0a9b";
const CLIENT_SPAN = "b7ad6b7169203331";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type Json = Record<string, any>;

/** The bootstrap with OpenTelemetry tracing to Jaeger's OTLP port, as `service`. */
function traced(bootstrap: Json, service: string): Json {
  const manager = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  manager.tracing = {
    provider: {
      name: "envoy.tracers.opentelemetry",
      typed_config: {
        "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
        grpc_service: { envoy_grpc: { cluster_name: "jaeger" } },
        service_name: service,
      },
    },
  };
  // Spans are sent every 200 ms rather than every 5 s.
  bootstrap.layered_runtime = { layers: [{ name: "static", static_layer: { "tracing.opentelemetry.flush_interval_ms": 200, "tracing.opentelemetry.min_flush_spans": 1 } }] };
  return bootstrap;
}

interface JaegerSpan {
  traceID: string;
  spanID: string;
  processID: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}

let jaegerProcess: ChildProcess | undefined;
let jaegerLog = "";
let queryPort = 0;
let primary: HttpService;
let shadow: HttpService;
let collector: RecordingCollector;
let shadowSidecar: EnvoyProcess;
let envoy: EnvoyProcess;

beforeAll(async () => {
  const [otlpPort, query, ...others] = (await Promise.all(Array.from({ length: 7 }, () => freePort()))) as [number, number, ...number[]];
  queryPort = query;
  const [adminPort, grpcPort, httpPort, otlpHttpPort, queryGrpcPort] = others as [number, number, number, number, number];
  // Jaeger's own spans would go to an OTLP port of its own choosing: none here.
  jaegerProcess = spawn(jaeger(), [
    `--collector.otlp.grpc.host-port=127.0.0.1:${otlpPort}`,
    `--collector.otlp.http.host-port=127.0.0.1:${otlpHttpPort}`,
    `--query.http-server.host-port=127.0.0.1:${queryPort}`,
    `--query.grpc-server.host-port=127.0.0.1:${queryGrpcPort}`,
    `--admin.http.host-port=127.0.0.1:${adminPort}`,
    `--collector.grpc-server.host-port=127.0.0.1:${grpcPort}`,
    `--collector.http-server.host-port=127.0.0.1:${httpPort}`,
  ], { env: { ...process.env, OTEL_TRACES_EXPORTER: "none" } });
  jaegerProcess.stdout?.on("data", (chunk: Buffer) => (jaegerLog += chunk.toString()));
  jaegerProcess.stderr?.on("data", (chunk: Buffer) => (jaegerLog += chunk.toString()));
  await eventually(async () => expect((await fetch(`http://127.0.0.1:${queryPort}/api/services`)).status).toBe(200), { timeoutMs: 30_000 });

  primary = await startHttpService((_request, response) => sendJson(response, 200, { id: 1 }));
  shadow = await startHttpService((_request, response) => sendJson(response, 200, { id: 1 }));
  collector = await startRecordingCollector();
  const jaegerCluster = { name: "jaeger", endpoint: { port: otlpPort }, http2: true };
  shadowSidecar = await startEnvoy(traced(renderBootstrap({ primary: { port: shadow.port }, mode: { kind: "plain" }, extraClusters: [jaegerCluster] }), "api-shadow"));
  envoy = await startEnvoy(
    traced(
      renderBootstrap({
        primary: { port: primary.port },
        mode: { kind: "filter", shadow: { port: shadowSidecar.listenerPort }, collector: { port: collector.port }, wasmPath: filterWasmPath(), plugin: { flush_interval_ms: 50 } },
        extraClusters: [jaegerCluster],
      }),
      "api-primary",
    ),
  );
}, 120_000);

afterAll(async () => {
  await envoy?.stop();
  await shadowSidecar?.stop();
  await Promise.all([primary?.close(), shadow?.close(), collector?.close()]);
  if (jaegerProcess !== undefined) await terminate(jaegerProcess);
});

describe("a mirrored request's trace in Jaeger", () => {
  it("holds the primary's span and the shadow's, the shadow's under the copy's own span and marked", async () => {
    const response = await send(envoy.listenerPort, "/items/1", {
      // Envoy traces a request whose x-request-id is a UUID (it keeps its trace decision there).
      headers: { "x-request-id": "4f1c3c52-8e0f-4a8e-9d3b-2b6f0c7d1a90", traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01`, tracestate: "vendor=1" },
    });
    expect(response.status).toBe(200);
    const pair = await eventually(() => {
      const found = collector.pairs().find((candidate) => candidate.traceId === TRACE_ID);
      if (found === undefined) throw new Error("no pair yet");
      return found;
    });
    expect(pair.path).toBe("/items/1");

    const trace = await eventually(
      async () => {
        const answer = await fetch(`http://127.0.0.1:${queryPort}/api/traces/${TRACE_ID}`);
        const known = await (await fetch(`http://127.0.0.1:${queryPort}/api/services`)).text();
        const sent = JSON.stringify([...(await envoy.admin.stats("opentelemetry"))]) + JSON.stringify([...(await shadowSidecar.admin.stats("opentelemetry"))]);
        expect(answer.status, `Jaeger knows ${known}; Envoy's tracers: ${sent}`).toBe(200);
        const body = (await answer.json()) as { data: { spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }[] };
        const services = body.data[0]!.spans.map((span) => body.data[0]!.processes[span.processID]!.serviceName);
        expect(services.sort()).toEqual(["api-primary", "api-shadow"]);
        return body.data[0]!;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const span = (service: string) => trace.spans.find((s) => trace.processes[s.processID]!.serviceName === service)!;
    const parentOf = (s: JaegerSpan) => s.references.find((reference) => reference.refType === "CHILD_OF")?.spanID;
    // The primary's span is the client's callee; the shadow's hangs from the copy's span.
    expect(parentOf(span("api-primary"))).toBe(CLIENT_SPAN);
    expect(parentOf(span("api-shadow"))).toMatch(/^[0-9a-f]{16}$/);
    expect(parentOf(span("api-shadow"))).not.toBe(CLIENT_SPAN);
    expect(span("api-shadow").traceID).toBe(TRACE_ID);
    const state = span("api-shadow").tags.find((tag) => tag.key === "w3c.tracestate")?.value;
    expect(state).toBe("shadowdiff=shadow,vendor=1");
    expect(span("api-primary").tags.find((tag) => tag.key === "w3c.tracestate")?.value).toBe("vendor=1");
  });
});
