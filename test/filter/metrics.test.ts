// The Envoy metrics the filter defines, by the exact names dashboards, alerts and the promotion
// gate are built on.
import { describe, expect, it } from "vitest";
import { requestHeaders, startFilter } from "./fixture.js";

const COUNTERS = [
  "requests_tagged", "requests_method_skipped", "requests_path_skipped", "requests_sampled_out",
  "requests_with_body", "requests_over_capacity", "requests_mirrored",
  "shadow_ok", "shadow_timeout", "shadow_reset", "shadow_no_cluster", "shadow_overflow",
  "secondary_ok", "secondary_timeout", "secondary_reset", "secondary_no_cluster", "secondary_overflow",
  "pairs_sent", "pairs_dropped_pending", "pairs_dropped_reset", "pairs_dropped_report",
  "reports_sent", "reports_failed",
].map((name) => `shadowdiff.${name}`);

describe("metrics", () => {
  it("defines every counter and the in-flight gauge at configure time, all at zero", async () => {
    const host = await startFilter();
    const defined = host.metrics().map((m) => ({ name: m.name, kind: m.kind, value: m.value }));
    expect(defined.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      [
        ...COUNTERS.map((name) => ({ name, kind: "counter", value: 0 })),
        { name: "shadowdiff.in_flight", kind: "gauge", value: 0 },
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });
});

describe("counts reach Envoy on the tick", () => {
  it("keeps each request's count in the VM until the tick adds it, with nothing pending to send", async () => {
    const host = await startFilter({ sample_percent: 0, flush_interval_ms: 250 });
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/users/1", [["x-request-id", "a1"]]), true);
    stream.complete();
    expect(host.metric("shadowdiff.requests_sampled_out")).toBe(0);
    host.advanceClock(250);
    expect(host.metric("shadowdiff.requests_sampled_out")).toBe(1);
    expect(host.grpcCalls).toEqual([]);
    // A tick adds only what came since the last one.
    host.advanceClock(250);
    expect(host.metric("shadowdiff.requests_sampled_out")).toBe(1);
  });

  it("moves the in-flight gauge by what changed since the last tick", async () => {
    const host = await startFilter({ sample_percent: 100 });
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("GET", "/users/1", [["x-request-id", "a2"]]), true);
    host.tick();
    expect(host.metric("shadowdiff.in_flight")).toBe(1);
    host.respondHttpCall(host.httpCalls[0]!.token, { status: 200 });
    expect(host.metric("shadowdiff.in_flight")).toBe(1);
    host.tick();
    expect(host.metric("shadowdiff.in_flight")).toBe(0);
    expect(host.metric("shadowdiff.shadow_ok")).toBe(1);
  });
});
