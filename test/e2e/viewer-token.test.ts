// The page of a collector whose HTTP port has a token (http.tokenFile), in a real browser: it asks
// for the token once, keeps it for the tab, and shows the data; a wrong token is asked again.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../support/browser.js";
import { eventually } from "../../support/eventually.js";
import { ReportClient } from "../../support/report-client.js";
import { startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonPair, jsonResponse } from "../../support/wire-pairs.js";

const TOKEN = "page-Tok3n.for_people~0123456789";

let dir: string;
let browser: Browser;
let collector: TestCollector;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-page-token-"));
  writeFileSync(join(dir, "token"), `${TOKEN}\n`);
  collector = await startTestCollector({ http: { tokenFile: join(dir, "token") } });
  const client = new ReportClient(collector.grpcAddress);
  await client.reportPairs([jsonPair("/users/1", jsonResponse({ id: 1 }, 2), jsonResponse({ id: 1 }, 2))]);
  client.close();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await collector?.cleanup();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function tokenPrompt(page: Page): Promise<void> {
  await page.waitForSelector("form.token-prompt");
  expect(await page.locator("main h1").count()).toBeGreaterThan(0);
}

describe("a collector whose HTTP port has a token", () => {
  it("the page asks for it once, then shows the routes, and keeps it for the tab across a reload", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${collector.httpUrl}/`);
      await tokenPrompt(page);
      expect(await page.locator(".routes").count()).toBe(0);
      await page.fill("#token-input", TOKEN);
      await page.click("form.token-prompt button");
      await page.waitForSelector("table.routes");
      expect(await page.textContent("table.routes")).toContain("/users/{id}");
      // The intake takes reports on loopback without a token: the banner says the proxy count is the senders' word.
      await eventually(async () => expect(await page.textContent(".banner-detail")).toContain("intake not authenticated"));
      expect(await page.evaluate(() => sessionStorage.getItem("shadowdiff.token"))).toBe(TOKEN);
      await page.reload();
      await page.waitForSelector("table.routes");
      expect(await page.locator("form.token-prompt").count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it("a wrong token is forgotten and asked for again; nothing of the data shows", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${collector.httpUrl}/`);
      await tokenPrompt(page);
      await page.fill("#token-input", "not-the-token-0123456789");
      await page.click("form.token-prompt button");
      await tokenPrompt(page);
      expect(await page.evaluate(() => sessionStorage.getItem("shadowdiff.token"))).toBeNull();
      expect(await page.locator("table.routes").count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
