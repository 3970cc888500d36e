// A request whose body follows its headers (content-length, chunked, or HTTP/2 DATA frames: Envoy
// says so with end_of_stream false) is not mirrored, since the shadow would get the headers
// without the body; it is counted, and the primary gets it untouched. The shadow's copy never
// carries framing headers: it has no body.
import { describe, expect, it } from "vitest";
import { header, metric, requestHeaders, startFilter, type HeaderList } from "./fixture.js";

describe("requests with a body", () => {
  it.each<[string, HeaderList]>([
    ["content-length: 5", [["content-length", "5"]]],
    ["transfer-encoding: chunked", [["transfer-encoding", "chunked"]]],
    ["HTTP/2 headers without end of stream", []],
  ])("are not mirrored: a GET with %s", async (_name, framing) => {
    const host = await startFilter();
    const sent = requestHeaders("GET", "/users/1", [...framing, ["x-request-id", "with-body"]]);
    const stream = host.newStream();
    stream.requestHeaders(sent, false);
    stream.requestBody("hello", true);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_with_body")).toBe(1);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(0);
    expect(stream.request.pairs()).toEqual(sent);
    expect(Buffer.from(stream.forwardedRequestBody).toString()).toBe("hello");
  });

  it("are counted only when they would otherwise be mirrored", async () => {
    const host = await startFilter({ sample_percent: 0 });
    host.newStream().requestHeaders(requestHeaders("GET", "/users/1", [["content-length", "5"]]), false);
    host.newStream().requestHeaders(requestHeaders("POST", "/users", [["content-length", "5"]]), false);
    expect(metric(host, "shadowdiff.requests_with_body")).toBe(0);
    expect(metric(host, "shadowdiff.requests_sampled_out")).toBe(1);
    expect(metric(host, "shadowdiff.requests_method_skipped")).toBe(1);
  });
});

describe("the shadow's copy of a body-less request", () => {
  it("carries no content-length or transfer-encoding, whatever the client sent", async () => {
    const host = await startFilter();
    host.newStream().requestHeaders(requestHeaders("GET", "/users/1", [["content-length", "0"], ["accept", "*/*"]]), true);
    const call = host.httpCalls[0]!;
    expect(header(call.headers, "content-length")).toBeUndefined();
    expect(header(call.headers, "transfer-encoding")).toBeUndefined();
    expect(header(call.headers, "accept")).toBe("*/*");
    expect(call.body.length).toBe(0);
  });
});
