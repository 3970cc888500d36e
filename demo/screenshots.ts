// `make screenshots`: the collector's page as a person sees it, written to docs/screenshots/ (linked
// from the README). The built collector in its own process takes the showcase pairs over gRPC;
// Chromium opens each view, in light and in dark.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { stringify } from "yaml";
import { launchChromium } from "../support/browser.js";
import { startCollectorProcess } from "../support/collector-process.js";
import { eventually } from "../support/eventually.js";
import { repoRoot } from "../support/paths.js";
import { ReportClient } from "../support/report-client.js";
import { SHOWCASE_COLLECTOR_CONFIG, showcasePairs } from "../support/showcase-pairs.js";

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
      if (summary.total.pairs < pairs.length) throw new Error(`${summary.total.pairs} of ${pairs.length} pairs compared`);
    });
    const route = "/products/{id}";
    const listed = (await (await fetch(`${collector.url}/api/mismatches?limit=1&route=${encodeURIComponent(route)}`)).json()) as { mismatches: { id: number }[] };
    const pairId = listed.mismatches[0]?.id;
    if (pairId === undefined) throw new Error(`no mismatch stored on ${route}`);

    browser = await launchChromium();
    const views = [
      { name: "overview", hash: "#/", ready: "table.routes tbody tr" },
      { name: "route", hash: `#/route/${encodeURIComponent(route)}`, ready: ".chart-box canvas" },
      { name: "pair", hash: `#/pair/${pairId}`, ready: "[data-diff-path]" },
    ];
    for (const colorScheme of ["light", "dark"] as const) {
      const page = await browser.newPage({ viewport: VIEWPORT, colorScheme, deviceScaleFactor: 1 });
      for (const view of views) {
        await page.goto(`${collector.url}/${view.hash}`);
        await page.waitForSelector(view.ready);
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
