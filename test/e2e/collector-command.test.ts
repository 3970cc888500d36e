// `shadowdiff collector --config FILE` as users run it: the built command in its own process,
// fed over gRPC, read by `shadowdiff report`, stopped by a real SIGTERM.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run as reportCommand } from "../../host/commands/report.js";
import { startCollectorProcess, type CollectorProcess } from "../../support/collector-process.js";
import { eventually } from "../../support/eventually.js";
import { encodeBatch, ReportClient } from "../../support/report-client.js";
import { wirePair } from "../../support/wire-pairs.js";

let dir: string;
let collector: CollectorProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-command-"));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await collector?.stop();
  collector = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe("shadowdiff collector, in its own process", () => {
  it("logs the listening line, serves, reports, and stops on SIGTERM", async () => {
    collector = await startCollectorProcess(`grpc:\n  address: 127.0.0.1:0\nhttp:\n  address: 127.0.0.1:0\nexamples:\n  path: ${join(dir, "examples.db")}\n`);
    expect(collector.grpcPort).toBeGreaterThan(0);
    expect(collector.httpPort).toBeGreaterThan(0);

    const client = new ReportClient(`127.0.0.1:${collector.grpcPort}`);
    expect(await client.report(encodeBatch([wirePair({ id: "one" }), wirePair({ id: "two", path: "/health" })]))).toEqual({ accepted: 2, dropped: 0 });
    client.close();
    const url = collector.url;
    await eventually(async () => {
      const summary = (await (await fetch(`${url}/api/summary`)).json()) as { total: { pairs: number } };
      expect(summary.total.pairs).toBe(2);
    });

    const stdout: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    expect(await reportCommand(["--collector", url])).toBe(0);
    vi.restoreAllMocks();
    const table = stdout.join("");
    // route, target, verdict, pairs, mismatched, pending, matched, noise, inconclusive, match ratio
    expect(table).toMatch(/^\/health\s+shadow\s+not yet\s+1\s+0\s+0\s+1\s+0\s+0\s+1\.0000/m);
    expect(table).toMatch(/^\/users\/\{id\}\s+shadow\s+not yet\s+1\s+0\s+0\s+1\s+0\s+0\s+1\.0000/m);

    expect(await collector.stop()).toBe(0);
    expect(collector.output()).toContain('"msg":"collector stopped"');
  });
});
