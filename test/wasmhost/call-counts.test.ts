// Every crossing of the VM boundary is counted, both ways: what a module costs Envoy per request.
import { describe, expect, it } from "vitest";
import { compileFixture } from "./fixtures/compile-fixture.js";
import { ProxyWasmHost } from "./host.js";

describe("callCounts", () => {
  it("counts host functions the module calls and exports the host calls, malloc included", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("allocate-only"));
    // Loading runs _initialize, which this module leaves empty.
    expect(host.callCounts()).toEqual({ hostCalls: new Map(), moduleCalls: new Map([["_initialize", 1]]) });
    expect(host.start("plain config")).toBe(true);
    const counts = host.callCounts();
    // proxy_on_configure reads its configuration (the host asks the module for memory to put it
    // in) and logs it; the callbacks the module does not export are not calls.
    expect(counts.hostCalls).toEqual(new Map([["env.proxy_get_buffer_bytes", 1], ["env.proxy_log", 1]]));
    expect(counts.moduleCalls).toEqual(
      new Map([["_initialize", 1], ["proxy_on_configure", 1], ["proxy_on_memory_allocate", 1]]),
    );
  });

  it("hands out snapshots that later calls do not change", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("allocate-only"));
    const before = host.callCounts();
    host.start("plain config");
    expect(before.hostCalls.size).toBe(0);
    expect(host.callCounts().hostCalls.get("env.proxy_log")).toBe(1);
  });
});
