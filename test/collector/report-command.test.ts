// `shadowdiff report` speaks like the page: each row's outcome from the collector's verdict, what
// needs attention first, regressions before noise, and every target's outcome in one sentence.
import { afterEach, describe, expect, it } from "vitest";
import { run as report } from "../../host/commands/report.js";
import type { Summary } from "../../host/summary/summary.js";
import { eventually } from "../../support/eventually.js";
import { ReportClient, type WirePair } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonResponse, multiTargetPair } from "../../support/wire-pairs.js";
import { startJsonServer, type JsonServer } from "../verdict/support/json-server.js";

let collector: TestCollector | undefined;
let client: ReportClient | undefined;
let server: JsonServer | undefined;
afterEach(async () => {
  client?.close();
  await collector?.cleanup();
  await server?.close();
  collector = undefined;
  server = undefined;
});

async function printed(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const written = { stdout: [] as string[], stderr: [] as string[] };
  const originals = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  for (const stream of ["stdout", "stderr"] as const) {
    process[stream].write = ((chunk: string) => {
      written[stream].push(chunk);
      return true;
    }) as typeof process.stdout.write;
  }
  try {
    const code = await report(args);
    return { code, stdout: written.stdout.join(""), stderr: written.stderr.join("") };
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
}

const product = (i: number, side: string, price = 10) => jsonResponse({ id: i, price, requestId: `${side}-${i}` }, 2);

describe("shadowdiff report with several targets and a secondary", () => {
  it("orders rows as the page does, says each row's outcome and every target's in one sentence", async () => {
    collector = await startTestCollector({ routes: { templates: ["/products/{id}"] } });
    client = new ReportClient(collector.grpcAddress);
    const pairs: WirePair[] = Array.from({ length: 60 }, (_, i) => ({
      ...multiTargetPair(`/products/${i}`, product(i, "p"), { v3: product(i, "v3"), v2: product(i, "v2", 12) }, product(i, "s")),
      secondary_share_ppm: 1_000_000,
    }));
    expect(await client.reportPairs(pairs, 20)).toBe(60);
    await eventually(async () => expect((await getJson<Summary>(`${collector!.httpUrl}/api/summary`)).body.total.pairs).toBe(120));

    const { code, stdout } = await printed(["--collector", collector.httpUrl]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^route\s+target\s+verdict\s+pairs\s+mismatched\s+pending\s+matched\s+noise/);
    // v2 fails: it comes first, though v3 comes first by name.
    expect(lines[1]).toMatch(/^\/products\/\{id\}\s+v2\s+FAIL\s+60\s/);
    expect(lines[2]).toMatch(/^\/products\/\{id\}\s+v3\s+not yet\s+60\s+0\s+0\s+60\s+60\s/);
    // The noise, regressions first, in the page's words.
    const price = lines.findIndex((line) => line.startsWith("  $.price changed"));
    expect(price).toBeGreaterThan(lines.findIndex((line) => line.startsWith("noise on /products/{id}: 60 pairs with a secondary, a secondary on 100.0% of mirrored requests")));
    expect(price).toBeLessThan(lines.findIndex((line) => line.startsWith("  $.requestId changed")));
    expect(lines[price]).toContain("v2 100.0% (regression)");
    // The verdict line by line, in the same order, and every target's outcome in the banner's words.
    const verdictRows = lines.slice(lines.indexOf("the verdict, line by line (as shadowdiff verdict --collector says it):")).filter((line) => line.startsWith("/products"));
    expect(verdictRows.map((line) => line.split(/\s+/)[1])).toEqual(["v2", "v3"]);
    expect(lines.at(-2)).toBe("by target: v2 fails, v3 is not decided yet");
  });

  it("a verdict that cannot be read: said, exit 1", async () => {
    const summary = { routes: [], total: { route: "*", pairs: 0, matched: 0, mismatched: 0, inconclusive: 0, matchRatio: null, primaryLatency: { p50: null, p95: null }, shadowLatency: { p50: null, p95: null }, latencyRatioP95: null, topFields: [] } };
    server = await startJsonServer((url) => (url.pathname === "/api/summary" ? { body: summary } : url.pathname === "/api/verdict" ? { body: { verdict: "maybe" } } : undefined));
    const broken = await printed(["--collector", server.url]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^shadowdiff report: cannot read the verdict: the collector's verdict is not as expected at verdict/);
  });
});
