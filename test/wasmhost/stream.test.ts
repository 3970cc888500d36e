import { describe, expect, it } from "vitest";
import { Action } from "./abi.js";
import { get, lastLog, messages, startEcho } from "./echo-module.js";

// Serialized pairs written out by hand from the spec, independent of pairs.ts.
function hexPairs(pairs: Array<[string, string]>): string {
  const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer).toString("hex");
  let out = u32(pairs.length);
  for (const [k, v] of pairs) out += u32(Buffer.byteLength(k)) + u32(Buffer.byteLength(v));
  for (const [k, v] of pairs) out += Buffer.from(`${k}\0${v}\0`).toString("hex");
  return out;
}

describe("request headers", () => {
  it("hands the module Envoy's serialized pairs: count, lengths, NUL-terminated names and values", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders([[":method", "GET"], [":path", "/a"]], true);
    expect(lastLog(host, "req_pairs")).toEqual({
      n: "2",
      eos: "1",
      hex: "02000000" + "07000000" + "03000000" + "05000000" + "02000000" +
        Buffer.from(":method\0GET\0:path\0/a\0").toString("hex"),
    });
  });

  it("lower-cases names and keeps pseudo-headers ahead of regular headers", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders([["X-Id", "7"], [":method", "GET"], ["Accept", "*/*"], [":path", "/"]]);
    expect(lastLog(host, "req_pairs").hex).toBe(
      hexPairs([[":method", "GET"], [":path", "/"], ["x-id", "7"], ["accept", "*/*"]]),
    );
  });

  it("answers get/add/replace/remove as Envoy does and leaves the changes on the request", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(
      get("/", [["x-op", "headers"], ["x-remove", "a"], ["x-remove", "b"], ["x-replace", "1"], ["x-replace", "2"], ["x-present", "yes"]]),
    );
    expect(lastLog(host, "headers ")).toEqual({
      remove: "0",
      remove_again: "0",
      replace: "0",
      add: "0",
      get_missing: "1",
      get_upper: "yes",
      size: String(stream.request.byteSize()),
      bad_map: "2",
      call_map: "2",
    });
    expect(lastLog(host, "call_map_get")).toEqual({ call_map_get: "2" });
    expect(stream.request.has("x-remove")).toBe(false);
    expect(stream.request.getAll("x-replace")).toEqual(["new"]);
    expect(stream.request.get("x-added")).toBe("1");
    expect(stream.request.pairs().slice(-2)).toEqual([["x-replace", "new"], ["x-added", "1"]]);
  });

  it("makes request headers unreachable once on_request_headers returned Continue", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    expect(stream.requestHeaders(get("/"))).toBe(Action.Continue);
    stream.requestBody("hello", true);
    expect(lastLog(host, "req_body ").late_header).toBe("2");
    expect(lastLog(host, "req_body_property")).toEqual({ path: "1" });
  });

  it("keeps request headers reachable while paused, until proxy_continue_stream", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    expect(stream.requestHeaders(get("/", [["x-op", "pause"]]))).toBe(Action.Pause);
    stream.requestBody("hello", true);
    expect(lastLog(host, "req_body ").late_header).toBe("0");
    expect(lastLog(host, "req_body_property")).toEqual({ path: "0" });
  });

  it("answers continue_stream: OK for request, UNIMPLEMENTED for upstream, BAD_ARGUMENT past the enum", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/", [["x-op", "continue"]]));
    expect(lastLog(host, "continue ")).toEqual({ request: "0", upstream: "12", bad: "2" });
    expect(lastLog(host, "after_continue_get")).toEqual({ after_continue_get: "2" });
    expect(stream.continueCalls).toEqual([0]);
  });
});

describe("bodies", () => {
  it("reads the current chunk with Envoy's start/length clamping", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/"));
    stream.requestBody("hello");
    expect(lastLog(host, "req_body ")).toMatchObject({
      size: "5",
      eos: "0",
      body: "hello",
      tail: "llo",
      beyond: "0",
      status_len: "5",
    });
    stream.requestBody("world", true);
    expect(lastLog(host, "req_body ")).toMatchObject({ size: "5", eos: "1", body: "world", tail: "rld" });
    expect(Buffer.from(stream.forwardedRequestBody).toString()).toBe("helloworld");
    expect(host.histogram("echo.body_size")).toEqual([5, 5]);
  });

  it("shows every buffered chunk after the module paused a body callback", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/"));
    expect(stream.requestBody("pause-1 ")).toBe(Action.Pause);
    expect(stream.forwardedRequestBody.length).toBe(0);
    expect(stream.requestBody("then", true)).toBe(Action.Pause);
    expect(lastLog(host, "req_body ")).toMatchObject({ size: "12", body: "pause-1" });
  });

  it("delivers response headers and body, keeping the module's additions", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/"), true);
    stream.responseHeaders([[":status", "201"], ["content-type", "text/plain"]]);
    stream.responseBody("payload", true);
    expect(lastLog(host, "resp_headers")).toEqual({ status: "201", n: "2", eos: "0", request_pairs: "0", log_level: "2" });
    expect(lastLog(host, "resp_body")).toEqual({ size: "7", eos: "1", body: "payload" });
    expect(stream.response.get("x-echo")).toBe("1");
    expect(Buffer.from(stream.forwardedResponseBody).toString()).toBe("payload");
  });
});

describe("trailers", () => {
  it("passes trailers through a module without trailer callbacks, keeping them on the stream", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/"));
    expect(stream.requestTrailers([["Grpc-Status", "0"]])).toBe(Action.Continue);
    stream.responseHeaders([[":status", "200"]]);
    expect(stream.responseTrailers([["x-checksum", "abc"]])).toBe(Action.Continue);
    expect(stream.requestTrailerMap?.pairs()).toEqual([["grpc-status", "0"]]);
    expect(stream.responseTrailerMap?.get("x-checksum")).toBe("abc");
  });
});

describe("end of stream", () => {
  it("calls on_log, on_done, on_delete in Envoy's order, headers readable only during on_log", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/done"), true);
    stream.responseHeaders([[":status", "200"]], true);
    stream.complete();
    const id = stream.contextId;
    expect(messages(host).slice(-3)).toEqual([
      `log ${id} path=/done r=0 status=200 r=0 add=2`,
      `done ${id} header=2`,
      `delete ${id}`,
    ]);
    expect(stream.deleted).toBe(true);
    expect(() => stream.responseBody("late")).toThrow(/after the stream was completed or reset/);
  });

  it("ends a client reset the same way, with the response missing during on_log", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/reset"), true);
    stream.reset();
    const id = stream.contextId;
    expect(messages(host).slice(-3)).toEqual([
      `log ${id} path=/reset r=0 status= r=1 add=2`,
      `done ${id} header=2`,
      `delete ${id}`,
    ]);
  });

  it("creates the stream context at its first callback, with the root as parent", async () => {
    const host = await startEcho();
    const first = host.newStream();
    const second = host.newStream();
    expect(messages(host)).not.toContain(`create ${first.contextId} 1`);
    second.requestHeaders(get("/"));
    expect(messages(host)).toContain(`create ${second.contextId} 1`);
    expect(second.contextId).toBe(first.contextId + 1);
  });

  it("skips body callbacks for a stream whose context was never created, as Envoy does", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    expect(stream.requestBody("orphan", true)).toBe(Action.Continue);
    expect(messages(host).some((m) => m.startsWith("req_body"))).toBe(false);
  });
});
