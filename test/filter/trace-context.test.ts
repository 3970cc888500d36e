// What a mirrored copy carries of the trace context (trace_context: keep, mark, drop), and the
// primary's trace id in the pair; the compiled filter in the in-process host.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { BODIES_WASM_PATH, BASE_CONFIG, TARGETS_CONFIG, header, loadHost, reportedPairs, requestHeaders, startFilter, type HeaderList } from "./fixture.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const B3_TRACE = "80f198ee56343ba864fe8b2a57d3eff7";
const B3_SPAN = "e457b5a2e4d86bd1";
const BAGGAGE_MARK = "user_agent.synthetic.type=test";

/** Mirrors one GET carrying `extra`, answers every side and returns the copies' headers and the pair. */
function mirrorOne(host: ProxyWasmHost, extra: HeaderList) {
  const first = host.httpCalls.length;
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", "/users/1", [["x-request-id", `r-${first}`], ...extra]), true);
  stream.responseHeaders([[":status", "200"]], true);
  stream.complete();
  const calls = host.httpCalls.slice(first);
  for (const call of calls) host.respondHttpCall(call.token, { status: 200, body: "" });
  const pairs = reportedPairs(host);
  return { copies: calls.map((call) => call.headers), pair: pairs[pairs.length - 1]!, primary: stream };
}

const names = (headers: HeaderList) => headers.map(([name]) => name);
const count = (headers: HeaderList, name: string) => headers.filter(([n]) => n === name).length;

describe("trace_context: mark (the default)", () => {
  it("makes the copy a new span of the same trace, marked in tracestate and baggage", async () => {
    const host = await startFilter();
    const { copies, pair } = mirrorOne(host, [
      ["traceparent", TRACEPARENT],
      ["tracestate", "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7"],
      ["baggage", "userId=alice,isProduction=false"],
    ]);
    const copy = copies[0]!;
    const [version, traceId, spanId, flags] = header(copy, "traceparent")!.split("-");
    expect(version).toBe("00");
    expect(traceId).toBe(TRACE_ID);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(PARENT_ID);
    expect(spanId).not.toBe("0000000000000000");
    expect(flags).toBe("01");
    expect(header(copy, "tracestate")).toBe("shadowdiff=shadow,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    expect(header(copy, "baggage")).toBe(`userId=alice,isProduction=false,${BAGGAGE_MARK}`);
    for (const name of ["traceparent", "tracestate", "baggage"]) expect(count(copy, name), name).toBe(1);
    expect(pair.traceId).toBe(TRACE_ID);
  });

  it("gives each copy, and each request, a span of its own", async () => {
    const host = await startFilter({ sample_percent: 100 }, TARGETS_CONFIG);
    const spans = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const { copies } = mirrorOne(host, [["traceparent", TRACEPARENT]]);
      expect(copies).toHaveLength(4);
      for (const copy of copies) spans.add(header(copy, "traceparent")!.split("-")[2]!);
    }
    expect(spans.size).toBe(12);
  });

  it("marks a copy without any trace context in baggage only, and the pair has no trace id", async () => {
    const host = await startFilter();
    const { copies, pair } = mirrorOne(host, []);
    expect(header(copies[0]!, "baggage")).toBe(BAGGAGE_MARK);
    expect(names(copies[0]!)).not.toContain("traceparent");
    expect(names(copies[0]!)).not.toContain("tracestate");
    expect(pair.traceId).toBe("");
  });

  it("keeps one shadowdiff member in tracestate, first, and at most 32 members", async () => {
    const host = await startFilter();
    const members = Array.from({ length: 40 }, (_, i) => `v${i}=x${i}`);
    const { copies } = mirrorOne(host, [
      ["traceparent", TRACEPARENT],
      ["tracestate", ["shadowdiff=old", ...members.slice(0, 20), "shadowdiff=again", ...members.slice(20)].join(",")],
    ]);
    const state = header(copies[0]!, "tracestate")!.split(",");
    expect(state).toHaveLength(32);
    expect(state[0]).toBe("shadowdiff=shadow");
    expect(state.filter((member) => member.startsWith("shadowdiff="))).toHaveLength(1);
    expect(state.slice(1)).toEqual(members.slice(0, 31));
  });

  it("drops a traceparent it cannot read, and its tracestate, rather than join a trace unmarked", async () => {
    const invalid = [
      `ff-${TRACE_ID}-${PARENT_ID}-01`, // version ff
      `00-${"0".repeat(32)}-${PARENT_ID}-01`, // all-zero trace
      `00-${TRACE_ID}-${"0".repeat(16)}-01`, // all-zero parent
      `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`, // upper case
      `00-${TRACE_ID}-${PARENT_ID}-01-extra`, // more than version 00 holds
      `00-${TRACE_ID}-${PARENT_ID}`, // no flags
      "x".repeat(8000),
    ];
    const host = await startFilter();
    for (const traceparent of invalid) {
      const { copies, pair } = mirrorOne(host, [["traceparent", traceparent], ["tracestate", "a=1"]]);
      expect(names(copies[0]!), traceparent).not.toContain("traceparent");
      expect(names(copies[0]!), traceparent).not.toContain("tracestate");
      expect(pair.traceId, traceparent).toBe("");
    }
  });

  it("reads a later version's traceparent as version 00 and writes 00", async () => {
    const host = await startFilter();
    const { copies, pair } = mirrorOne(host, [["traceparent", `cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-holds`]]);
    expect(header(copies[0]!, "traceparent")).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(pair.traceId).toBe(TRACE_ID);
  });

  it("rewrites B3: a new span whose parent is the primary's, trace and sampling kept", async () => {
    const host = await startFilter();
    const { copies, pair } = mirrorOne(host, [
      ["x-b3-traceid", B3_TRACE],
      ["x-b3-spanid", B3_SPAN],
      ["x-b3-parentspanid", "05e3ac9a4f6e3b90"],
      ["x-b3-sampled", "1"],
      ["x-b3-flags", "1"],
    ]);
    const copy = copies[0]!;
    expect(header(copy, "x-b3-traceid")).toBe(B3_TRACE);
    expect(header(copy, "x-b3-spanid")).toMatch(/^[0-9a-f]{16}$/);
    expect(header(copy, "x-b3-spanid")).not.toBe(B3_SPAN);
    expect(header(copy, "x-b3-parentspanid")).toBe(B3_SPAN);
    expect(header(copy, "x-b3-sampled")).toBe("1");
    expect(header(copy, "x-b3-flags")).toBe("1");
    for (const name of ["x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled"]) expect(count(copy, name), name).toBe(1);
    expect(header(copy, "baggage")).toBe(BAGGAGE_MARK);
    expect(pair.traceId).toBe(B3_TRACE);
  });

  it("drops B3 headers whose trace or span is not valid", async () => {
    const host = await startFilter();
    const { copies, pair } = mirrorOne(host, [["x-b3-traceid", "xyz"], ["x-b3-spanid", B3_SPAN], ["x-b3-sampled", "1"]]);
    expect(names(copies[0]!).filter((name) => name.startsWith("x-b3-"))).toEqual([]);
    expect(pair.traceId).toBe("");
  });

  it("rewrites single-header b3 with 64- and 128-bit trace ids, with and without sampling", async () => {
    const host = await startFilter();
    const cases = [
      { b3: `${B3_TRACE}-${B3_SPAN}-1-05e3ac9a4f6e3b90`, trace: B3_TRACE, sampling: "1" },
      { b3: `${B3_TRACE}-${B3_SPAN}-d`, trace: B3_TRACE, sampling: "d" },
      { b3: `a3ce929d0e0e4736-${B3_SPAN}`, trace: "a3ce929d0e0e4736", sampling: undefined },
    ];
    for (const { b3, trace, sampling } of cases) {
      const { copies, pair } = mirrorOne(host, [["b3", b3]]);
      const parts = header(copies[0]!, "b3")!.split("-");
      expect(parts[0], b3).toBe(trace);
      expect(parts[1], b3).toMatch(/^[0-9a-f]{16}$/);
      expect(parts[1], b3).not.toBe(B3_SPAN);
      expect(parts.slice(2), b3).toEqual(sampling === undefined ? [] : [sampling, B3_SPAN]);
      expect(pair.traceId, b3).toBe(trace);
    }
    for (const b3 of ["0", `${B3_TRACE}-${B3_SPAN}-x`, `${B3_TRACE}-short`, `${B3_TRACE}-${B3_SPAN}-1-nothex0000000000`]) {
      const { copies, pair } = mirrorOne(host, [["b3", b3]]);
      expect(names(copies[0]!), b3).not.toContain("b3");
      expect(pair.traceId, b3).toBe("");
    }
  });

  it("takes the trace id from traceparent first, then b3, then x-b3-traceid", async () => {
    const host = await startFilter();
    const b3 = `${B3_TRACE}-${B3_SPAN}`;
    expect(mirrorOne(host, [["x-b3-traceid", "a3ce929d0e0e4736"], ["x-b3-spanid", B3_SPAN], ["b3", b3], ["traceparent", TRACEPARENT]]).pair.traceId).toBe(TRACE_ID);
    expect(mirrorOne(host, [["x-b3-traceid", "a3ce929d0e0e4736"], ["x-b3-spanid", B3_SPAN], ["b3", b3]]).pair.traceId).toBe(B3_TRACE);
  });

  it("never changes what the primary receives", async () => {
    const host = await startFilter();
    const extra: HeaderList = [["traceparent", TRACEPARENT], ["tracestate", "a=1"], ["baggage", "k=v"], ["b3", `${B3_TRACE}-${B3_SPAN}-1`]];
    const { primary } = mirrorOne(host, extra);
    for (const [name, value] of extra) expect(header(primary.request.pairs(), name)).toBe(value);
  });

  it("marks the copies of writes the bodies module sends", async () => {
    const host = await loadHost(BODIES_WASM_PATH);
    expect(host.start(JSON.stringify({ ...BASE_CONFIG, request_bodies: { methods: ["POST"] } }))).toBe(true);
    const stream = host.newStream();
    stream.requestHeaders(requestHeaders("POST", "/orders", [["x-request-id", "w-1"], ["traceparent", TRACEPARENT], ["content-length", "2"]]), false);
    stream.requestBody("{}", true);
    const copy = host.httpCalls[0]!.headers;
    expect(header(copy, "traceparent")).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(header(copy, "tracestate")).toBe("shadowdiff=shadow");
    expect(header(copy, "content-length")).toBe("2");
  });
});

describe("trace_context: keep and drop", () => {
  const context: HeaderList = [
    ["traceparent", TRACEPARENT],
    ["tracestate", "a=1"],
    ["baggage", "k=v"],
    ["b3", `${B3_TRACE}-${B3_SPAN}-1`],
    ["x-b3-traceid", B3_TRACE],
    ["x-b3-spanid", B3_SPAN],
    ["x-b3-sampled", "1"],
  ];

  it("keep forwards every trace header as it came", async () => {
    const host = await startFilter({ trace_context: "keep" });
    const { copies, pair } = mirrorOne(host, context);
    for (const [name, value] of context) expect(header(copies[0]!, name), name).toBe(value);
    expect(pair.traceId).toBe(TRACE_ID);
  });

  it("drop forwards none of it, and the pair still carries the primary's trace id", async () => {
    const host = await startFilter({ trace_context: "drop" });
    const { copies, pair } = mirrorOne(host, [...context, ["accept", "application/json"]]);
    for (const [name] of context) expect(names(copies[0]!), name).not.toContain(name);
    expect(header(copies[0]!, "accept")).toBe("application/json");
    expect(pair.traceId).toBe(TRACE_ID);
  });
});

describe("the trace_context key", () => {
  it.each([
    ["a number", 1],
    ["another case", "Mark"],
    ["an empty string", ""],
    ["null", null],
    ["an array", ["mark"]],
    ["an object", { mode: "mark" }],
    ["a value with a NUL", "mark\u0000"],
    ["a long string", "m".repeat(1000)],
  ])("refuses %s, naming the key", async (_name, value) => {
    const host = await loadHost();
    expect(host.start(JSON.stringify({ ...BASE_CONFIG, trace_context: value }))).toBe(false);
    expect(host.logs.map((line) => line.message)).toContain('shadowdiff: config key "trace_context" must be "keep", "mark" or "drop"');
  });

  it("refuses it twice", async () => {
    const host = await loadHost();
    expect(host.start(`{"shadow_cluster":"${BASE_CONFIG.shadow_cluster}","collector_cluster":"${BASE_CONFIG.collector_cluster}","trace_context":"keep","trace_context":"drop"}`)).toBe(false);
    expect(host.logs.map((line) => line.message)).toContain('shadowdiff: config key "trace_context" appears more than once');
  });

  it.each(["traceparent", "tracestate", "baggage", "b3", "x-b3-sampled", "X_B3_TraceId"])("refuses tag_header %s: the primary's tracing reads it", async (tag) => {
    const host = await loadHost();
    expect(host.start(JSON.stringify({ ...BASE_CONFIG, tag_header: tag }))).toBe(false);
    expect(host.logs.map((line) => line.message).join("\n")).toMatch(/config key "tag_header" must not be ".*": that is a trace context header/);
  });
});
