import { describe, expect, it } from "vitest";
import { get, lastLog, messages, startEcho } from "./echo-module.js";

const START_NS = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;

describe("ticks and the clock", () => {
  it("records the tick period and fires proxy_on_tick on the root on demand", async () => {
    const host = await startEcho();
    expect(host.tickPeriodMs).toBe(1000);
    host.tick();
    expect(lastLog(host, "tick 1")).toEqual({ now: String(START_NS) });
    expect(host.metric("echo.ticks")).toBe(1);
  });

  it("fires one tick per elapsed period while the clock advances, at the right times", async () => {
    const host = await startEcho();
    host.advanceClock(999);
    expect(host.metric("echo.ticks")).toBe(0);
    host.advanceClock(2001);
    const ticks = messages(host).filter((m) => m.startsWith("tick "));
    expect(ticks).toEqual([
      `tick 1 now=${START_NS + 1_000_000_000n}`,
      `tick 1 now=${START_NS + 2_000_000_000n}`,
      `tick 1 now=${START_NS + 3_000_000_000n}`,
    ]);
    expect(host.nowNanos).toBe(START_NS + 3_000_000_000n);
  });

  it("re-arms the timer from a manual tick", async () => {
    const host = await startEcho();
    host.advanceClock(500);
    host.tick();
    host.advanceClock(999);
    expect(host.metric("echo.ticks")).toBe(1);
    host.advanceClock(1);
    expect(host.metric("echo.ticks")).toBe(2);
  });

  it("serves WASI clocks, proxy time, random bytes and stdout/stderr as Envoy does", async () => {
    const host = await startEcho({ realtimeStartMs: 1_000, randomBytes: (n) => new Uint8Array(n).fill(7) });
    host.advanceClock(250);
    host.newStream().requestHeaders(get("/", [["x-op", "wasi"]]));
    expect(lastLog(host, "wasi")).toEqual({
      realtime: String(1_250_000_000n),
      monotonic: String(1_250_000_000n),
      proxy_now: String(1_250_000_000n),
      bad_clock: "58",
      random: "0",
      random_too_much: "28",
    });
    expect(host.logs).toContainEqual({ level: "info", message: "hello stdout" });
    expect(host.logs).toContainEqual({ level: "error", message: "hello stderr" });
    expect(lastLog(host, "fd_write")).toEqual({ bad_fd: "8" });
  });

  it("fires timers due at the same moment in the order they were armed", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(get("/", [["x-op", "http"], ["x-cluster", "shadow"], ["x-timeout", "1000"]]));
    host.advanceClock(1000);
    const events = messages(host).filter((m) => m.startsWith("tick ") || m.startsWith("http_response"));
    expect(events.map((m) => m.split(" ")[0])).toEqual(["tick", "http_response"]);
  });

  it("answers proxy_get_log_level with the configured level", async () => {
    const host = await startEcho({ logLevel: "warn" });
    const stream = host.newStream();
    stream.requestHeaders(get("/"));
    stream.responseHeaders([[":status", "200"]]);
    expect(lastLog(host, "resp_headers").log_level).toBe("3");
  });

  it("refuses to move the clock backwards", async () => {
    const host = await startEcho();
    expect(() => host.advanceClock(-1)).toThrow(/only moves forward/);
  });
});

describe("metrics", () => {
  it("hands out type-tagged ids, a new one per define, sharing the stat", async () => {
    const host = await startEcho();
    expect(lastLog(host, "metric ids").ids).toBeUndefined();
    expect(messages(host)).toContain("metric ids 4 8 5 6");
    expect(lastLog(host, "define bad")).toEqual({ type: "2" });
    host.newStream().requestHeaders(get("/"));
    host.newStream().requestHeaders(get("/", [["x-op", "metric"]]));
    expect(lastLog(host, "metric get")).toEqual({
      get: "0",
      value: "2",
      again: "0",
      value_again: "2",
      inc_zero: "2",
      gauge_down: "0",
      record_hist: "0",
      get_hist: "2",
      inc_hist: "2",
      get_unknown: "1",
      record_counter: "0",
    });
    expect(host.metric("echo.requests")).toBe(12);
    expect(host.histogram("echo.body_size")).toEqual([42]);
  });

  it("moves a gauge up and down", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/"));
    expect(host.metric("echo.active")).toBe(1);
    stream.complete();
    expect(host.metric("echo.active")).toBe(0);
  });

  it("names an undefined metric in its error", async () => {
    const host = await startEcho();
    expect(() => host.metric("echo.nothing")).toThrow(/no counter or gauge named echo\.nothing/);
    expect(host.metrics().map((m) => `${m.kind}:${m.name}`)).toEqual([
      "counter:echo.requests",
      "gauge:echo.active",
      "histogram:echo.body_size",
      "counter:echo.ticks",
    ]);
  });
});
