// A configuration change under load: Envoy starts a new root context for the new configuration
// (in the same VM) and retires the old one once its last stream has ended. Shadow calls and
// reports of the old root may still be in flight: it sends what it holds, waits for them (its
// on_done answers false), sends each pair as it completes and calls proxy_done when nothing is
// left. Nothing is lost, and the new configuration's version appears in the new pairs.
import { describe, expect, it } from "vitest";
import type { ProxyWasmHost } from "../wasmhost/host.js";
import { BASE_CONFIG, metric, reportedPairs, requestHeaders, startFilter } from "./fixture.js";

/** A mirrored GET whose primary has answered; its shadow call is still in flight. */
function primaryAnswered(host: ProxyWasmHost, id: string): number {
  const stream = host.newStream();
  stream.requestHeaders(requestHeaders("GET", `/items/${id}`, [["x-request-id", id]]), true);
  stream.responseHeaders([[":status", "200"]], true);
  stream.complete();
  return host.httpCalls.at(-1)!.token;
}

function answerReports(host: ProxyWasmHost): void {
  for (const call of host.grpcCalls) if (call.state === "pending") host.respondGrpc(call.token, new Uint8Array());
}

const OLD = { batch_max_pairs: 100, flush_interval_ms: 60000, shadow_timeout_ms: 3000 };
const NEW = JSON.stringify({ ...BASE_CONFIG, ...OLD, sample_percent: 100, max_path_bytes: 512 });

describe("retiring a configuration", () => {
  it("waits for its shadow calls and reports, then finishes; the new root runs beside it", async () => {
    const host = await startFilter(OLD);
    const oldRoot = host.rootContextId;
    const inFlight = [primaryAnswered(host, "old-1"), primaryAnswered(host, "old-2")];
    host.respondHttpCall(inFlight[0]!, { status: 200 }); // complete, held in the batch

    expect(host.reconfigure(NEW)).toBe(true);
    const newRoot = host.rootContextId;
    expect(newRoot).not.toBe(oldRoot);
    const fresh = primaryAnswered(host, "new-1");

    // The old root's last stream has ended: Envoy retires it. It flushes what it holds and waits.
    expect(host.retire(oldRoot)).toBe(false);
    expect(host.liveRootIds).toEqual([oldRoot, newRoot]);
    expect(reportedPairs(host).map((pair) => pair.id)).toEqual(["old-1"]);

    host.respondHttpCall(inFlight[1]!, { status: 200 }); // sent at once: no tick to wait for
    expect(reportedPairs(host).map((pair) => pair.id)).toEqual(["old-1", "old-2"]);
    expect(host.liveRootIds).toEqual([oldRoot, newRoot]); // its reports are still unanswered
    answerReports(host);
    expect(host.liveRootIds).toEqual([newRoot]);

    host.respondHttpCall(fresh, { status: 200 });
    host.advanceClock(60000);
    const pairs = reportedPairs(host);
    expect(pairs.map((pair) => pair.id)).toEqual(["old-1", "old-2", "new-1"]);
    expect(pairs[2]!.configVersion).not.toBe(pairs[0]!.configVersion);
    expect(pairs[1]!.configVersion).toBe(pairs[0]!.configVersion);
    answerReports(host);
    // Both roots count into the same metrics.
    expect(metric(host, "shadowdiff.requests_mirrored")).toBe(3);
    expect(metric(host, "shadowdiff.pairs_sent")).toBe(3);
    expect(metric(host, "shadowdiff.in_flight")).toBe(0);
  });

  it("finishes at once when nothing is in flight", async () => {
    const host = await startFilter(OLD);
    const oldRoot = host.rootContextId;
    expect(host.reconfigure(NEW)).toBe(true);
    expect(host.retire(oldRoot)).toBe(true);
    expect(host.liveRootIds).toEqual([host.rootContextId]);
  });

  it("is bounded by the calls' own timeouts: a shadow that never answers times out, and its pair is sent", async () => {
    const host = await startFilter(OLD);
    const oldRoot = host.rootContextId;
    primaryAnswered(host, "hangs");
    expect(host.reconfigure(NEW)).toBe(true);
    expect(host.retire(oldRoot)).toBe(false);
    host.advanceClock(3000);
    const [pair] = reportedPairs(host);
    expect(pair!.targets[0]!.failure).toBe("SHADOW_FAILURE_TIMEOUT");
    host.advanceClock(2000); // collector_timeout_ms: the report times out, counted as failed
    expect(metric(host, "shadowdiff.pairs_dropped_report")).toBe(1);
    expect(host.liveRootIds).toEqual([host.rootContextId]);
    expect(host.liveRootIds).not.toContain(oldRoot);
  });

  it("counts a report refused on the way out as failed, and still finishes", async () => {
    const host = await startFilter(OLD);
    const oldRoot = host.rootContextId;
    const token = primaryAnswered(host, "refused-report");
    expect(host.retire(oldRoot)).toBe(false);
    host.respondHttpCall(token, { status: 200 });
    host.failGrpc(host.grpcCalls[0]!.token, 16, "missing or wrong token");
    expect(host.liveRootIds).toEqual([]);
    // No tick comes after proxy_done: the root added its last counts before it.
    expect(host.metric("shadowdiff.pairs_dropped_report")).toBe(1);
    expect(host.metric("shadowdiff.requests_mirrored")).toBe(1);
  });
});
