// The mirroring decision, in order: tagged, method, path, sample, body, in-flight cap. Each is counted.
import { describe, expect, it } from "vitest";
import { SHADOW_CLUSTER, header, metric, requestHeaders, startFilter } from "./fixture.js";

describe("which requests are mirrored", () => {
  it("mirrors a GET and leaves a POST alone", async () => {
    const host = await startFilter();
    host.newStream().requestHeaders(requestHeaders("GET", "/users/1"), true);
    host.newStream().requestHeaders(requestHeaders("POST", "/users", [["content-length", "2"]]), false);
    expect(host.httpCalls).toHaveLength(1);
    expect(host.httpCalls[0]!.cluster).toBe(SHADOW_CLUSTER);
    expect(header(host.httpCalls[0]!.headers, ":method")).toBe("GET");
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(1);
    expect(metric(host, "shadowdiff.requests_method_skipped")).toBe(1);
  });

  it("mirrors HEAD only when configured", async () => {
    const defaults = await startFilter();
    defaults.newStream().requestHeaders(requestHeaders("HEAD", "/users/1"), true);
    expect(defaults.httpCalls).toHaveLength(0);
    const withHead = await startFilter({ methods: ["GET", "HEAD"] });
    withHead.newStream().requestHeaders(requestHeaders("HEAD", "/users/1"), true);
    expect(withHead.httpCalls).toHaveLength(1);
  });

  it("never mirrors a request that carries the tag header, and counts it", async () => {
    const host = await startFilter();
    host.newStream().requestHeaders(requestHeaders("GET", "/users/1", [["x-shadow-request", "true"]]), true);
    expect(host.httpCalls).toHaveLength(0);
    expect(metric(host, "shadowdiff.requests_tagged")).toBe(1);
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(0);
  });

  it("strips a client's tag header before the primary sees it, and changes nothing else", async () => {
    const host = await startFilter({ tag_header: "x-mirror", tag_value: "yes" });
    const sent = requestHeaders("GET", "/users/1", [["x-mirror", "anything"], ["x-request-id", "abc"]]);
    const stream = host.newStream();
    stream.requestHeaders(sent, true);
    const left = stream.request.pairs();
    expect(header(left, "x-mirror")).toBeUndefined();
    expect(left).toEqual(sent.filter(([name]) => name !== "x-mirror"));
  });

  it("leaves an untagged request's headers exactly as they came", async () => {
    const host = await startFilter();
    const sent = requestHeaders("GET", "/users/1", [["x-request-id", "abc"], ["cookie", "a=b"]]);
    const stream = host.newStream();
    stream.requestHeaders(sent, true);
    expect(stream.request.pairs()).toEqual(sent);
  });

  it("skips excluded paths, and paths outside the included prefixes", async () => {
    const host = await startFilter({ include_paths: ["/api/"], exclude_paths: ["/api/admin"] });
    for (const path of ["/api/users", "/api/admin/keys", "/health", "/api"]) {
      host.newStream().requestHeaders(requestHeaders("GET", path), true);
    }
    expect(host.httpCalls.map((c) => header(c.headers, ":path"))).toEqual(["/api/users"]);
    expect(metric(host, "shadowdiff.requests_path_skipped")).toBe(3);
  });

  it("stops at max_in_flight shadow calls and counts the rest", async () => {
    const host = await startFilter({ max_in_flight: 2 });
    for (let i = 0; i < 3; i++) host.newStream().requestHeaders(requestHeaders("GET", `/users/${i}`), true);
    expect(host.httpCalls).toHaveLength(2);
    expect(metric(host, "shadowdiff.requests_over_capacity")).toBe(1);
    expect(metric(host, "shadowdiff.in_flight")).toBe(2);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200, body: "{}" });
    expect(metric(host, "shadowdiff.in_flight")).toBe(1);
    host.newStream().requestHeaders(requestHeaders("GET", "/users/9"), true);
    expect(host.httpCalls).toHaveLength(3);
  });
});

describe("sampling", () => {
  const IDS = Array.from({ length: 10_000 }, (_, i) => `${(i * 2654435761) >>> 0}-req-${i}-${i % 7}`);

  async function mirroredIds(percent: number): Promise<Set<string>> {
    const host = await startFilter({ sample_percent: percent, max_in_flight: 100000 });
    for (const id of IDS) host.newStream().requestHeaders(requestHeaders("GET", "/items", [["x-request-id", id]]), true);
    const ids = new Set(host.httpCalls.map((c) => header(c.headers, "x-request-id") ?? ""));
    expect(metric(host, "shadowdiff.requests_mirrored") + metric(host, "shadowdiff.requests_sampled_out")).toBe(IDS.length);
    return ids;
  }

  it.each([0, 0.5, 10, 100])("mirrors %s percent of 10,000 request ids within 1.5 points", async (percent) => {
    const mirrored = await mirroredIds(percent);
    const share = (mirrored.size / IDS.length) * 100;
    expect(Math.abs(share - percent)).toBeLessThanOrEqual(1.5);
    if (percent === 0) expect(mirrored.size).toBe(0);
    if (percent === 100) expect(mirrored.size).toBe(IDS.length);
  });

  it("makes the same decision for the same id, in another VM too", async () => {
    const first = await mirroredIds(10);
    const second = await mirroredIds(10);
    expect([...second].sort()).toEqual([...first].sort());
  });

  it("hashes the configured sample header", async () => {
    const host = await startFilter({ sample_percent: 50, sample_header: "x-session", max_in_flight: 100000 });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 200; i++) {
        host.newStream().requestHeaders(requestHeaders("GET", "/", [["x-session", `s-${i}`], ["x-request-id", `r-${round}-${i}`]]), true);
      }
    }
    const sessions = host.httpCalls.map((c) => header(c.headers, "x-session"));
    const firstRound = sessions.slice(0, sessions.length / 2);
    expect(sessions.slice(sessions.length / 2)).toEqual(firstRound);
    expect(firstRound.length).toBeGreaterThan(60);
    expect(firstRound.length).toBeLessThan(140);
  });

  it("samples requests without the header at random, near the percentage", async () => {
    const host = await startFilter({ sample_percent: 30, max_in_flight: 100000 });
    for (let i = 0; i < 2000; i++) host.newStream().requestHeaders(requestHeaders("GET", "/"), true);
    const share = (host.httpCalls.length / 2000) * 100;
    expect(share).toBeGreaterThan(25);
    expect(share).toBeLessThan(35);
  });
});
