// collector_token: every report carries it as gRPC initial metadata `authorization: Bearer <token>`
// (the collector refuses reports without it). A secret: it appears in no log line, and nothing
// of it travels in a pair, not even through the configuration's version.
import { describe, expect, it } from "vitest";
import { ProxyWasmHost } from "../wasmhost/host.js";
import { BASE_CONFIG, COLLECTOR_CLUSTER, SHADOW_CLUSTER, WASM_PATH, reportedPairs, requestHeaders, startFilter } from "./fixture.js";

const TOKEN = "tok_9f8e7d6c5b4a39281706";

function mirrorOne(host: ProxyWasmHost): void {
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", "/users/1"), true);
  stream.responseHeaders([[":status", "200"]], true);
  stream.complete();
  host.respondHttpCall(host.httpCalls.at(-1)!.token, { status: 200 });
}

describe("collector_token", () => {
  it("goes with every report as authorization: Bearer", async () => {
    const host = await startFilter({ collector_token: TOKEN });
    mirrorOne(host);
    mirrorOne(host);
    expect(host.grpcCalls).toHaveLength(2);
    for (const call of host.grpcCalls) expect(call.initialMetadata).toEqual([["authorization", `Bearer ${TOKEN}`]]);
  });

  it("is left out when not configured: reports carry no metadata", async () => {
    const host = await startFilter();
    mirrorOne(host);
    expect(host.grpcCalls[0]!.initialMetadata).toEqual([]);
  });

  it("appears in no log line, at any level, configured or failing", async () => {
    // The collector's cluster is unknown to this host: every report is refused and logged.
    const host = await ProxyWasmHost.load(WASM_PATH, { clusters: [SHADOW_CLUSTER], logLevel: "trace" });
    expect(host.start(JSON.stringify({ ...BASE_CONFIG, collector_token: TOKEN }))).toBe(true);
    mirrorOne(host);
    expect(host.logs.some((l) => l.message.includes("reports carry a token"))).toBe(true);
    expect(host.logs.some((l) => l.level === "warn" && l.message.includes("refused"))).toBe(true);
    for (const line of host.logs) expect(line.message).not.toContain(TOKEN.slice(4, 12));
  });

  it("leaves the configuration's version alone: tokens rotate, the version stays", async () => {
    const versions = await Promise.all(
      [TOKEN, "another-token-of-24-chars"].map(async (token) => {
        const host = await startFilter({ collector_token: token });
        mirrorOne(host);
        return reportedPairs(host)[0]!.configVersion;
      }),
    );
    expect(versions[0]).toMatch(/^[0-9a-f]{8}$/);
    expect(versions[1]).toBe(versions[0]);
    const host = await startFilter({ collector_token: TOKEN, sample_percent: 100 });
    mirrorOne(host);
    expect(reportedPairs(host)[0]!.configVersion).not.toBe(versions[0]);
  });

  it("is not in the pairs", async () => {
    const host = await startFilter({ collector_token: TOKEN });
    mirrorOne(host);
    expect(Buffer.from(host.grpcCalls[0]!.message).toString("latin1")).not.toContain(TOKEN);
  });
});
