import { describe, expect, it } from "vitest";
import { BufferType, MapType, Status } from "./abi.js";
import { bufferFor } from "./buffer-access.js";
import { RootContextState, StreamContextState } from "./contexts.js";
import { mutableMap, readableMap } from "./map-access.js";

const sources = { vmConfiguration: new TextEncoder().encode("vm"), pluginConfiguration: new TextEncoder().encode("plugin") };
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

function streamWithBody(body: string): StreamContextState {
  const stream = new StreamContextState(2, 1);
  stream.requestBody = new TextEncoder().encode(body);
  return stream;
}

describe("body buffers, written as Envoy's Buffer::copyFrom allows", () => {
  it.each([
    [0, 0, "X", Status.Ok, "Xabcd"],
    [0, 4, "XY", Status.Ok, "XY"],
    [0, 9, "XY", Status.Ok, "XY"],
    [0, 2, "XY", Status.BadArgument, "abcd"],
    [4, 0, "Z", Status.Ok, "abcdZ"],
    [2, 1, "Z", Status.BadArgument, "abcd"],
  ])("start %i length %i with %s: result %i, body %s", (start, length, data, result, after) => {
    const stream = streamWithBody("abcd");
    const root = new RootContextState(1);
    const view = bufferFor(stream, root, BufferType.HttpRequestBody, sources);
    expect(view?.write?.(start, length, new TextEncoder().encode(data))).toBe(result);
    expect(text(stream.requestBody)).toBe(after);
  });

  it("has an empty, read-only body outside a body callback", () => {
    const view = bufferFor(new StreamContextState(2, 1), new RootContextState(1), BufferType.HttpResponseBody, sources);
    expect(view?.bytes.length).toBe(0);
    expect(view?.write).toBeUndefined();
  });
});

describe("other buffers", () => {
  it("shows the plugin configuration to the root only while it is being configured", () => {
    const root = new RootContextState(1);
    expect(bufferFor(root, root, BufferType.PluginConfiguration, sources)).toBeUndefined();
    root.pluginConfigurationVisible = true;
    expect(text(bufferFor(root, root, BufferType.PluginConfiguration, sources)?.bytes)).toBe("plugin");
    expect(bufferFor(new StreamContextState(2, 1), root, BufferType.PluginConfiguration, sources)).toBeUndefined();
  });

  it("always shows the VM configuration; an empty gRPC buffer outside on_grpc_receive; no HTTP-call body outside its callback", () => {
    const root = new RootContextState(1);
    expect(text(bufferFor(root, root, BufferType.VmConfiguration, sources)?.bytes)).toBe("vm");
    expect(bufferFor(root, root, BufferType.GrpcReceiveBuffer, sources)?.bytes.length).toBe(0);
    expect(bufferFor(root, root, BufferType.HttpCallResponseBody, sources)).toBeUndefined();
    expect(bufferFor(root, root, 42, sources)).toBeUndefined();
  });
});

describe("header maps", () => {
  it("adds request trailers when asked during the last request body chunk", () => {
    const stream = streamWithBody("last");
    stream.endOfStream = true;
    const trailers = mutableMap(stream, MapType.HttpRequestTrailers);
    expect(trailers?.size).toBe(0);
    trailers?.add("x-checksum", "1");
    expect(stream.requestTrailers?.get("x-checksum")).toBe("1");
  });

  it("lets on_log read but not write the request headers", () => {
    const stream = new StreamContextState(2, 1);
    stream.request.add(":path", "/");
    stream.accessLogPhase = true;
    expect(readableMap(stream, new RootContextState(1), MapType.HttpRequestHeaders)?.get(":path")).toBe("/");
    expect(mutableMap(stream, MapType.HttpRequestHeaders)).toBeUndefined();
  });

  it("gives a root context no stream maps", () => {
    const root = new RootContextState(1);
    expect(readableMap(root, root, MapType.HttpRequestHeaders)).toBeUndefined();
    expect(mutableMap(root, MapType.HttpResponseHeaders)).toBeUndefined();
  });
});
