// The shadow copy: method, path, scheme, end-to-end headers, authority, tag, timeout.
import { describe, expect, it } from "vitest";
import { header, requestHeaders, startFilter } from "./fixture.js";

describe("the shadow request", () => {
  it("drops hop-by-hop headers, including those named in connection", async () => {
    const host = await startFilter();
    host.newStream().requestHeaders(
      requestHeaders("GET", "/users/1?expand=true", [
        ["connection", "keep-alive, X-Hop-Secret"],
        ["keep-alive", "timeout=5"],
        ["proxy-connection", "keep-alive"],
        ["transfer-encoding", "chunked"],
        ["te", "trailers"],
        ["trailer", "x-checksum"],
        ["upgrade", "websocket"],
        ["x-hop-secret", "1"],
        ["accept", "application/json"],
        ["x-request-id", "req-1"],
        ["authorization", "Bearer abc"],
      ]),
      true,
    );
    const call = host.httpCalls[0]!;
    const names = call.headers.map(([name]) => name);
    for (const hop of ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "x-hop-secret"]) {
      expect(names).not.toContain(hop);
    }
    expect(header(call.headers, ":method")).toBe("GET");
    expect(header(call.headers, ":path")).toBe("/users/1?expand=true");
    expect(header(call.headers, ":scheme")).toBe("http");
    expect(header(call.headers, "accept")).toBe("application/json");
    expect(header(call.headers, "x-request-id")).toBe("req-1");
    // The shadow serves the same users: their credentials go with the copy (redaction is for the collector).
    expect(header(call.headers, "authorization")).toBe("Bearer abc");
  });

  it("adds the tag header, keeps the request's authority and sets the timeout", async () => {
    const host = await startFilter({ shadow_timeout_ms: 750 });
    host.newStream().requestHeaders(requestHeaders("GET", "/"), true);
    const call = host.httpCalls[0]!;
    expect(header(call.headers, "x-shadow-request")).toBe("true");
    expect(header(call.headers, ":authority")).toBe("api.demo.example");
    expect(call.headers.filter(([name]) => name === ":authority")).toHaveLength(1);
    expect(call.timeoutMs).toBe(750);
    expect(call.body.length).toBe(0);
  });

  it("uses shadow_authority and the configured tag", async () => {
    const host = await startFilter({ shadow_authority: "api-v2.demo.svc", tag_header: "x-mirror", tag_value: "v2" });
    host.newStream().requestHeaders(requestHeaders("GET", "/"), true);
    const call = host.httpCalls[0]!;
    expect(header(call.headers, ":authority")).toBe("api-v2.demo.svc");
    expect(header(call.headers, "x-mirror")).toBe("v2");
    expect(header(call.headers, "x-shadow-request")).toBeUndefined();
  });
});
