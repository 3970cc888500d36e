// The compiled release filter loads into the host (no refused import, no restricted call in
// _initialize) and starts on the smallest configuration the contract allows.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ProxyWasmHost } from "./host.js";

const RELEASE_WASM = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "build", "shadowdiff.wasm");

describe("build/shadowdiff.wasm in the host", () => {
  it("loads, starts on the required keys, and takes a request", async () => {
    const host = await ProxyWasmHost.load(RELEASE_WASM, { clusters: ["shadow", "collector"] });
    expect(host.start(JSON.stringify({ shadow_cluster: "shadow", collector_cluster: "collector" }))).toBe(true);
    const stream = host.newStream();
    stream.requestHeaders([[":method", "GET"], [":path", "/"], [":authority", "api"]], true);
    stream.responseHeaders([[":status", "200"]], true);
    stream.complete();
    expect(host.logs.filter((entry) => entry.level === "critical")).toEqual([]);
  });

  it("refuses an unknown configuration key", async () => {
    const host = await ProxyWasmHost.load(RELEASE_WASM, { clusters: ["shadow", "collector"] });
    expect(host.start(JSON.stringify({ shadow_cluster: "shadow", collector_cluster: "collector", typo: 1 }))).toBe(false);
  });
});
