// `make screenshots`: the collector's page as a person sees it, written to docs/screenshots/ (linked
// from the README). The built collector in its own process takes the showcase pairs over gRPC (two
// targets and a secondary); Chromium opens each view, in light and in dark: the overview, the route
// where v2 regresses, and one of its pairs with the secondary's answer beside it.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { stringify } from "yaml";
import { launchChromium } from "../support/browser.js";
import { startCollectorProcess } from "../support/collector-process.js";
import { eventually } from "../support/eventually.js";
import { repoRoot } from "../support/paths.js";
import { ReportClient } from "../support/report-client.js";
import { SHOWCASE_COLLECTOR_CONFIG, SHOWCASE_TARGETS, showcasePairs } from "../support/showcase-pairs.js";

const OUT = join(repoRoot(), "docs", "screenshots");
const VIEWPORT = { width: 1360, height: 860 };

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const collector = await startCollectorProcess(
    stringify({ ...SHOWCASE_COLLECTOR_CONFIG, grpc: { address: "127.0.0.1:0" }, http: { address: "127.0.0.1:0" }, examples: { path: ":memory:" } }),
  );
  let browser: Browser | undefined;
  try {
    const pairs = showcasePairs();
    const client = new ReportClient(`127.0.0.1:${collector.grpcPort}`);
    await client.reportPairs(pairs);
    client.close();
    await eventually(async () => {
      const summary = (await (await fetch(`${collector.url}/api/summary`)).json()) as { total: { pairs: number } };
      // A comparison per pair and target.
      const comparisons = pairs.length * SHOWCASE_TARGETS.length;
      if (summary.total.pairs < comparisons) throw new Error(`${summary.total.pairs} of ${comparisons} comparisons made`);
    });
    const route = "/products/{id}";
    const target = "v2";
    const listed = (await (await fetch(`${collector.url}/api/mismatches?limit=50&route=${encodeURIComponent(route)}&target=${target}`)).json()) as { mismatches: { id: number }[] };
    // The newest whose pair had a secondary: the page shows its answer as a third column.
    let pairId: number | undefined;
    for (const { id } of listed.mismatches) {
      const example = (await (await fetch(`${collector.url}/api/mismatches/${id}`)).json()) as { secondary: unknown; outcome: string };
      if (example.secondary !== null && example.outcome === "mismatch") {
        pairId = id;
        break;
      }
    }
    if (pairId === undefined) throw new Error(`no mismatch with a secondary stored on ${route} for ${target}`);

    browser = await launchChromium();
    const views = [
      { name: "overview", hash: "#/", ready: ["table.routes tbody tr .verdict-cell .pill", ".banner", "table.mismatches"] },
      { name: "route", hash: `#/route/${encodeURIComponent(route)}?target=${target}`, ready: [".chart-box canvas", ".target-tab .pill", "table.noise", "table.mismatches"] },
      { name: "pair", hash: `#/pair/${pairId}`, ready: ['[data-side="secondary"] [data-diff-path]', ".why"] },
    ];
    for (const colorScheme of ["light", "dark"] as const) {
      const page = await browser.newPage({ viewport: VIEWPORT, colorScheme, deviceScaleFactor: 1 });
      for (const view of views) {
        await page.goto(`${collector.url}/${view.hash}`);
        for (const selector of view.ready) await page.waitForSelector(selector);
        await page.evaluate(() => document.fonts.ready);
        const file = join(OUT, `${view.name}-${colorScheme}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`shadowdiff screenshots: wrote ${file}`);
      }
      await page.close();
    }
  } finally {
    await browser?.close();
    await collector.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`shadowdiff screenshots: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
