// How Envoy 1.39 answers a wasm module's callouts, seen from inside the VM: the wasm test host's
// own probe module (test/wasmhost/fixtures/echo.as logs every callback and what the host calls
// return) runs in the real Envoy here, so the in-process host's imitation of Envoy can be checked
// against the real thing, and the filter's reading of failures (shadow-outcome.ts) with it.
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpService, type HttpService } from "../../support/http-service.js";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { compileFixture } from "../wasmhost/fixtures/compile-fixture.js";
import { send } from "./support/client.js";
import { eventually } from "../../support/eventually.js";
import { BIG_BODY_BYTES, faultyShadow, sameAnswer } from "./support/services.js";
import { closedPort, TcpGate } from "./support/tcp-gate.js";

let envoy: EnvoyProcess;
let primary: HttpService;
let shadow: HttpService;
let grpcServer: Server;
let slowGate: TcpGate;

beforeAll(async () => {
  const probeWasm = await compileFixture("echo");
  primary = await startHttpService(sameAnswer);
  shadow = await startHttpService((request, response) => {
    if (request.url.startsWith("/reset-mid-body/")) {
      response.writeHead(200, { "content-length": "1000" });
      response.write("0123456789");
      setTimeout(() => response.socket?.destroy(), 50);
      return;
    }
    if (request.url.startsWith("/close-before-headers/")) return void response.socket?.destroy();
    return faultyShadow(request, response);
  });
  const echo = await startEchoGrpcServer();
  grpcServer = echo.server;
  const grpcPort = echo.port;
  slowGate = new TcpGate(grpcPort);
  await slowGate.open();
  await slowGate.slow(3_000);
  const dead = await closedPort();
  envoy = await startEnvoy(
    renderBootstrap({
      primary: { port: primary.port },
      mode: { kind: "filter", shadow: { port: shadow.port }, collector: { port: grpcPort }, wasmPath: probeWasm, plugin: {} },
      extraClusters: [
        { name: "refusing", endpoint: { port: dead } },
        { name: "grpc_ok", endpoint: { port: grpcPort }, http2: true },
        { name: "grpc_refusing", endpoint: { port: dead }, http2: true },
        { name: "grpc_slow", endpoint: { port: slowGate.port }, http2: true },
      ],
    }),
  );
});

afterAll(async () => {
  await envoy?.stop();
  await slowGate?.close();
  await primary?.close();
  await shadow?.close();
  grpcServer?.forceShutdown();
});

/** The unary `echo.v1.Echo/Say` the probe calls, answering "world". */
async function startEchoGrpcServer(): Promise<{ server: Server; port: number }> {
  const raw = (bytes: Buffer): Buffer => bytes;
  const server = new Server();
  server.addService(
    { Say: { path: "/echo.v1.Echo/Say", requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
    { Say: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, Buffer.from("world")) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, port };
}

/** The probe's log lines (after Envoy's "wasm log <plugin> <root>: " prefix) since `mark`. */
function probeLines(mark: number): string[] {
  return envoy
    .log()
    .slice(mark)
    .split("\n")
    .filter((line) => line.includes("wasm log"))
    .map((line) => line.replace(/^.*?wasm log [^:]*: /, ""));
}

/** Ask the probe for one callout (x-op header) and wait for the callback line that ends it. */
async function callout(headers: Record<string, string>, path = "/items/1", ending = /^(http_response|grpc_receive|grpc_close) /): Promise<string[]> {
  const mark = envoy.log().length;
  await send(envoy.listenerPort, path, { headers });
  return eventually(async () => {
    const lines = probeLines(mark);
    expect(lines.some((line) => ending.test(line))).toBe(true);
    return lines;
  }, { timeoutMs: 10_000 });
}

function field(line: string | undefined, name: string): string | undefined {
  return line === undefined ? undefined : new RegExp(`(?:^| )${name}=(.*?)(?= [a-z_]+=|$)`).exec(line)?.[1];
}

function lineStarting(lines: string[], prefix: string): string | undefined {
  return lines.find((line) => line.startsWith(prefix));
}

describe("proxy_http_call in Envoy 1.39", () => {
  it("a shadow past the timeout: a 504 local reply delivered as a response", async () => {
    const response = lineStarting(await callout({ "x-op": "http", "x-cluster": "shadow", "x-timeout": "300" }, "/hang/1"), "http_response");
    expect(field(response, "status_header")).toBe("504");
    expect(field(response, "body")).toBe("upstream request timeout");
    expect(field(response, "headers")).toBe("3");
  });

  it("a refused connection: a 503 local reply naming a remote connection failure", async () => {
    const response = lineStarting(await callout({ "x-op": "http", "x-cluster": "refusing" }), "http_response");
    expect(field(response, "status_header")).toBe("503");
    expect(field(response, "body")).toBe("upstream connect error or disconnect/reset before headers. reset reason: remote connection failure");
  });

  it("a connection closed before the headers: a 503 local reply naming connection termination", async () => {
    const response = lineStarting(await callout({ "x-op": "http", "x-cluster": "shadow" }, "/close-before-headers/1"), "http_response");
    expect(field(response, "status_header")).toBe("503");
    expect(field(response, "body")).toBe("upstream connect error or disconnect/reset before headers. reset reason: connection termination");
  });

  it("a reset after the headers: a failure, 0 headers, and proxy_get_status 11 \"reset\" during the callback", async () => {
    const response = lineStarting(await callout({ "x-op": "http", "x-cluster": "shadow" }, "/reset-mid-body/1"), "http_response");
    expect(field(response, "headers")).toBe("0");
    expect(field(response, "body_size")).toBe("0");
    expect(field(response, "status")).toBe("11");
    expect(field(response, "message")).toBe("reset");
  });

  it("a 10 MiB answer: delivered whole, no buffer limit", async () => {
    const response = lineStarting(await callout({ "x-op": "http", "x-cluster": "shadow", "x-timeout": "10000" }, "/big/1"), "http_response");
    expect(field(response, "status_header")).toBe("200");
    expect(field(response, "body_size")).toBe(String(BIG_BODY_BYTES));
  });

  it("an unknown cluster: proxy_http_call answers BAD_ARGUMENT (2) and no callback follows", async () => {
    const lines = await callout({ "x-op": "http", "x-cluster": "no-such-cluster" }, "/items/1", /^http_call /);
    expect(lineStarting(lines, "http_call")).toMatch(/^http_call result=2 /);
  });
});

describe("proxy_grpc_call in Envoy 1.39", () => {
  it("a unary success: proxy_on_grpc_receive with the message, and no proxy_on_grpc_close after it", async () => {
    const mark = envoy.log().length;
    const receive = lineStarting(await callout({ "x-op": "grpc", "x-cluster": "grpc_ok", "x-authority": "shadowdiff-collector" }), "grpc_receive");
    expect(field(receive, "size")).toBe("5");
    expect(field(receive, "body")).toBe("world");
    // A second call made after the first one's answer: once its answer is in, a callback the first
    // call still had coming would be in the log before it.
    await callout({ "x-op": "grpc", "x-cluster": "grpc_ok", "x-authority": "shadowdiff-collector" });
    expect(probeLines(mark).filter((line) => line.startsWith("grpc_close"))).toEqual([]);
  });

  it("a refused connection: proxy_on_grpc_close with 14 and Envoy's reset details", async () => {
    const close = lineStarting(await callout({ "x-op": "grpc", "x-cluster": "grpc_refusing", "x-authority": "a" }), "grpc_close");
    expect(field(close, "code")).toBe("14");
    expect(field(close, "message")).toBe(
      "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure" +
        "{upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}}",
    );
  });

  it("past the deadline: proxy_on_grpc_close with 14 UNAVAILABLE, not 4 DEADLINE_EXCEEDED", async () => {
    const close = lineStarting(await callout({ "x-op": "grpc", "x-cluster": "grpc_slow", "x-authority": "a" }), "grpc_close");
    expect(field(close, "code")).toBe("14");
    expect(field(close, "message")).toBe("upstream request timeout{response_timeout}");
  });

  it("an unknown cluster: INTERNAL_FAILURE (10), then proxy_on_grpc_close 14 \"Cluster not available\"", async () => {
    const lines = await callout({ "x-op": "grpc", "x-cluster": "no-such-cluster", "x-authority": "a" });
    expect(lineStarting(lines, "grpc_call")).toMatch(/^grpc_call result=10 token=4294967295$/);
    const close = lineStarting(lines, "grpc_close");
    expect(field(close, "code")).toBe("14");
    expect(field(close, "message")).toBe("Cluster not available");
  });
});

describe("a trap inside the wasm VM, with failure_policy FAIL_OPEN", () => {
  it("costs the request in flight a 503; later requests pass, no longer filtered (no VM reload)", async () => {
    const probeWasm = await compileFixture("echo");
    const trapping = await startEnvoy(
      renderBootstrap({
        primary: { port: primary.port },
        mode: { kind: "filter", shadow: { port: shadow.port }, collector: { port: shadow.port }, wasmPath: probeWasm, plugin: {} },
      }),
    );
    try {
      const statuses: number[] = [];
      for (const op of ["none", "trap", "none", "trap", "none"]) {
        statuses.push((await send(trapping.listenerPort, "/items/1", { headers: { "x-op": op } })).status);
      }
      expect(statuses).toEqual([200, 503, 200, 200, 200]);
      // The probe counted the first two requests only: after the trap the plugin is skipped.
      expect((await trapping.admin.stats("^wasmcustom\\.echo\\.requests$")).get("wasmcustom.echo.requests")).toBe(2);
      expect(trapping.log()).toContain("echo: boom at echo.ts:1:1");
    } finally {
      await trapping.stop();
    }
  });
});
