// The tag header in every spelling a CGI-style server folds together (PHP, WSGI and Rack read
// x_shadow_request as x-shadow-request): stripped before the primary sees it, counted as tagged,
// never mirrored, and never sent on to the shadow.
import { describe, expect, it } from "vitest";
import { header, metric, requestHeaders, startFilter } from "./fixture.js";

describe("spellings of the tag header", () => {
  it.each(["x_shadow_request", "x-shadow_request", "x_shadow-request", "x-shadow-request"])(
    "strips %s, and treats the request as tagged",
    async (spelling) => {
      const host = await startFilter();
      const sent = requestHeaders("GET", "/users/1", [[spelling, "true"], ["x-request-id", "abc"]]);
      const stream = host.newStream();
      stream.requestHeaders(sent, true);
      expect(stream.request.pairs()).toEqual(sent.filter(([name]) => name !== spelling));
      expect(metric(host, "shadowdiff.requests_tagged")).toBe(1);
      expect(host.httpCalls).toHaveLength(0);
    },
  );

  it("strips every spelling at once, each value of each", async () => {
    const host = await startFilter();
    const sent = requestHeaders("GET", "/", [
      ["x_shadow_request", "1"], ["x-shadow-request", "2"], ["x_shadow_request", "3"], ["accept", "*/*"],
    ]);
    const stream = host.newStream();
    stream.requestHeaders(sent, true);
    expect(stream.request.pairs()).toEqual(requestHeaders("GET", "/", [["accept", "*/*"]]));
  });

  it("follows a configured tag written with underscores: its dashed spelling is the same header", async () => {
    const host = await startFilter({ tag_header: "x_mirror_copy" });
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/", [["x-mirror-copy", "1"]]), true);
    expect(header(stream.request.pairs(), "x-mirror-copy")).toBeUndefined();
    expect(metric(host, "shadowdiff.requests_tagged")).toBe(1);
    host.newStream().requestHeaders(requestHeaders("GET", "/"), true);
    expect(header(host.httpCalls[0]!.headers, "x_mirror_copy")).toBe("true");
  });

  it("leaves headers that only look alike", async () => {
    const host = await startFilter();
    const sent = requestHeaders("GET", "/", [["x-shadow-requests", "1"], ["xshadowrequest", "1"], ["x.shadow.request", "1"]]);
    const stream = host.newStream();
    stream.requestHeaders(sent, true);
    expect(stream.request.pairs()).toEqual(sent);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
  });
});
