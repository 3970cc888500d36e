import { describe, expect, it } from "vitest";
import { GrpcStatus, Status } from "./abi.js";
import { get, lastLog, messages, startEcho } from "./echo-module.js";
import type { HeaderPair } from "./pairs.js";

function httpRequest(extra: HeaderPair[], pseudo: HeaderPair[] = [[":method", "GET"], [":path", "/users/1"], [":authority", "api"]]) {
  return [...pseudo, ["x-op", "http"] as HeaderPair, ...extra];
}

describe("proxy_http_call", () => {
  it("records the call with Envoy's headers and a type-tagged token", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(httpRequest([["x-cluster", "shadow"], ["x-body", "ping"]]));
    host.newStream().requestHeaders(httpRequest([["x-cluster", "shadow"]]));
    expect(lastLog(host, "http_call")).toEqual({ result: "0", token: "8" });
    const [first, second] = host.httpCalls;
    expect(first).toMatchObject({ token: 4, cluster: "shadow", timeoutMs: 500, contextId: 1, state: "pending" });
    expect(second?.token).toBe(8);
    expect(first?.headers).toContainEqual(["content-length", "4"]);
    expect(second?.headers.find(([k]) => k === "content-length")).toBeUndefined();
    expect(Buffer.from(first?.body ?? []).toString()).toBe("ping");
    expect(first?.headers.slice(0, 3)).toEqual([[":method", "GET"], [":path", "/users/1"], [":authority", "api"]]);
  });

  it.each([
    ["an unknown cluster", httpRequest([["x-cluster", "nowhere"]])],
    ["no :authority", httpRequest([["x-cluster", "shadow"], ["host", "api"]], [[":method", "GET"], [":path", "/"]])],
    ["no :path", httpRequest([["x-cluster", "shadow"]], [[":method", "GET"], [":authority", "api"]])],
    ["no :method", httpRequest([["x-cluster", "shadow"]], [[":path", "/"], [":authority", "api"]])],
    ["a negative timeout", httpRequest([["x-cluster", "shadow"], ["x-timeout", "-1"]])],
  ])("answers BAD_ARGUMENT with token 0 for %s", async (_case, headers) => {
    const host = await startEcho();
    host.newStream().requestHeaders(headers);
    expect(lastLog(host, "http_call")).toEqual({ result: String(Status.BadArgument), token: "0" });
    expect(host.httpCalls).toHaveLength(0);
  });

  it("delivers a response on the root context with header count, body size and trailer count", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(httpRequest([["x-cluster", "shadow"]]), true);
    stream.complete();
    host.respondHttpCall(4, {
      status: 200,
      headers: [["Content-Type", "application/json"]],
      body: '{"ok":true}',
      trailers: [["x-t", "1"]],
    });
    expect(lastLog(host, "http_response")).toMatchObject({
      ctx: "1",
      token: "4",
      headers: "2",
      body_size: "11",
      trailers: "1",
      status_header: "200",
      body: '{"ok":true}',
      body_result: "0",
      status: "0",
    });
    expect(host.httpCall(4).state).toBe("answered");
    expect(() => host.respondHttpCall(4, { status: 200 })).toThrow(/already answered/);
  });

  it.each(["reset", "overflow"] as const)(
    "delivers a %s failure as 0 headers, 0 body and status 11 \"reset\"",
    async (reason) => {
      const host = await startEcho();
      host.newStream().requestHeaders(httpRequest([["x-cluster", "shadow"]]));
      host.failHttpCall(4, reason);
      expect(lastLog(host, "http_response")).toMatchObject({
        headers: "0",
        body_size: "0",
        trailers: "0",
        body_result: String(Status.NotFound),
        status: "11",
        message: "reset",
        pairs: "",
      });
      expect(host.rootStatus).toEqual({ code: 11, message: "" });
    },
  );

  it("delivers a timeout as Envoy's router does: a 504 response, not a failure", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(httpRequest([["x-cluster", "shadow"], ["x-timeout", "300"]]));
    host.advanceClock(299);
    expect(host.httpCall(4).state).toBe("pending");
    host.advanceClock(1);
    expect(lastLog(host, "http_response")).toMatchObject({ headers: "3", body_size: "24", status_header: "504", status: "0" });
    expect(messages(host).at(-1)).toContain(" body=upstream request timeout body_result=0");
    expect(lastLog(host, "http_response").pairs).toBe(
      "03000000" + "07000000" + "03000000" + "0e000000" + "02000000" + "0c000000" + "0a000000" + Buffer.from(":status\u0000504\u0000content-length\u000024\u0000content-type\u0000text/plain\u0000").toString("hex"),
    );
    expect(host.httpCall(4).state).toBe("answered");
  });

  it("never times out a call made without a timeout", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(httpRequest([["x-cluster", "shadow"], ["x-timeout", "0"]]));
    host.advanceClock(3_600_000);
    expect(host.httpCall(4).state).toBe("pending");
    expect(() => host.timeoutHttpCall(4)).toThrow(/no timeout/);
  });

  it("delivers a refused connection as a 503 response", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(httpRequest([["x-cluster", "shadow"]]));
    host.refuseHttpCall(4);
    expect(lastLog(host, "http_response")).toMatchObject({ headers: "3", body_size: "98", status_header: "503" });
    expect(messages(host).at(-1)).toContain(
      " body=upstream connect error or disconnect/reset before headers. reset reason: remote connection failure body_result=0",
    );
  });
});

describe("proxy_grpc_call", () => {
  const grpcRequest = (extra: HeaderPair[]) => get("/", [["x-op", "grpc"], ...extra]);

  it("reads cluster and authority out of the serialized GrpcService", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(grpcRequest([["x-cluster", "collector"], ["x-authority", "shadowdiff-collector"]]));
    expect(lastLog(host, "grpc_call")).toEqual({ result: "0", token: "5" });
    const call = host.grpcCall(5);
    expect(call).toMatchObject({
      cluster: "collector",
      authority: "shadowdiff-collector",
      service: "echo.v1.Echo",
      method: "Say",
      timeoutMs: 1000,
      contextId: 1,
      state: "pending",
    });
    expect(Buffer.from(call.message).toString()).toBe("hello");
  });

  it("delivers success as proxy_on_grpc_receive only, with no proxy_on_grpc_close", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(grpcRequest([["x-cluster", "collector"]]));
    host.respondGrpc(5, "reply-bytes");
    expect(lastLog(host, "grpc_receive")).toEqual({ ctx: "1", token: "5", size: "11", body: "reply-bytes" });
    expect(messages(host).some((m) => m.startsWith("grpc_close"))).toBe(false);
    expect(host.grpcCall(5).authority).toBe("collector");
  });

  it("delivers a failure as proxy_on_grpc_close with the status and message", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(grpcRequest([["x-cluster", "collector"]]));
    host.failGrpc(5, GrpcStatus.ResourceExhausted, "queue full");
    expect(lastLog(host, "grpc_close")).toEqual({ ctx: "1", token: "5", code: "8", status: "8", message: "queue" });
  });

  it("times a call out as UNAVAILABLE with Envoy's message", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(grpcRequest([["x-cluster", "collector"]]));
    host.advanceClock(999);
    expect(host.grpcCall(5).state).toBe("pending");
    host.advanceClock(1);
    const closes = messages(host).filter((m) => m.startsWith("grpc_close"));
    expect(closes).toEqual(["grpc_close ctx=1 token=5 code=14 status=14 message=upstream request timeout{response_timeout}"]);
    expect(host.rootStatus).toEqual({ code: 14, message: "" });
  });

  it("answers INTERNAL_FAILURE for an unknown cluster, then closes the unseen token with 14", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(grpcRequest([["x-cluster", "nowhere"]]));
    expect(lastLog(host, "grpc_call")).toEqual({ result: "10", token: "4294967295" });
    expect(lastLog(host, "grpc_close")).toEqual({ ctx: "1", token: "5", code: "14", status: "14", message: "Cluster" });
  });

  it("takes unparsable GrpcService bytes as a cluster name", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(grpcRequest([["x-cluster", "collector"], ["x-grpc-raw", "1"]]));
    expect(lastLog(host, "grpc_call")).toEqual({ result: "0", token: "5" });
    host.newStream().requestHeaders(grpcRequest([["x-cluster", "nowhere"], ["x-grpc-raw", "1"]]));
    expect(lastLog(host, "grpc_call").result).toBe(String(Status.ParseFailure));
  });

  it("cancels a pending call once; NOT_FOUND after, BAD_ARGUMENT for an HTTP token", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(grpcRequest([["x-cluster", "collector"], ["x-grpc-cancel", "1"]]));
    expect(lastLog(host, "grpc_cancel")).toEqual({ result: "0", again: "1", http_token: "2" });
    expect(host.grpcCall(5).state).toBe("cancelled");
    expect(() => host.respondGrpc(5, "late")).toThrow(/already cancelled/);
  });
});
