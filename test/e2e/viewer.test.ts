// The collector's page in a real browser (Debian's Chromium through playwright-core): the collector
// takes pairs over real gRPC, and the test looks at the page the way a person would.
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MismatchListItem, MismatchView } from "../../host/mismatches/mismatch-view.js";
import type { Summary } from "../../host/summary/summary.js";
import type { Verdict } from "../../host/judge/verdict.js";
import { launchChromium } from "../../support/browser.js";
import { eventually } from "../../support/eventually.js";
import { ReportClient, type WirePair, type WireResponse } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonPair, jsonResponse, requestBody } from "../../support/wire-pairs.js";
import { duration } from "../../viewer/src/format.js";

const HOSTILE_PATH = "/hostile/<script>window.__pwnedPath=1</script>";
const HOSTILE_BODY = '<img src=x onerror="window.__pwnedBody=1">';
const HOSTILE_HEADER = "<script>window.__pwnedHeader=1</script><b>bold</b>";
const LONG_PATH = `/long/${"segment-".repeat(40)}end`;
const LONG_VALUE = "v".repeat(10_240);

const JSON_TYPE = { name: "content-type", value: "application/json" };

function failed(kind: number): WireResponse {
  return { status: 0, headers: [], body: Buffer.alloc(0), body_size: 0, latency_nanos: 5_000_000_000, failure: kind };
}

function gzipJson(value: unknown, millis: number): WireResponse {
  const body = gzipSync(JSON.stringify(value));
  return { status: 200, headers: [JSON_TYPE, { name: "content-encoding", value: "gzip" }], body, body_size: body.length, latency_nanos: millis * 1e6 };
}

function cut(value: unknown, keep: number): WireResponse {
  const whole = Buffer.from(JSON.stringify(value));
  return { status: 200, headers: [JSON_TYPE], body: whole.subarray(0, keep), body_size: whole.length, truncated: true, latency_nanos: 3e6 };
}

/** The pairs a person checks the page with, named by what they show. */
function examplePairs(): Record<string, WirePair> {
  const report = { id: 5, rows: Array.from({ length: 50 }, (_, day) => ({ day, visits: 100 + day })) };
  return {
    match: jsonPair("/health", jsonResponse({ ok: true }, 2), jsonResponse({ ok: true }, 2)),
    fieldChange: jsonPair("/users/2", jsonResponse({ id: 2, price: 10, name: "Ada" }, 3), jsonResponse({ id: 2, price: 12, name: "Ada", extra: [1] }, 4)),
    statusChange: jsonPair("/orders/3", jsonResponse({ id: 3 }, 3), { ...jsonResponse({ error: "not found" }, 2), status: 404 }),
    timeout: jsonPair("/orders/4", jsonResponse({ id: 4 }, 3), failed(1)),
    truncated: jsonPair("/reports/5", cut(report, 300), cut(report, 300)),
    gzip: jsonPair("/search", gzipJson({ results: ["a", "b"], total: 2 }, 5), gzipJson({ results: ["a", "b"], total: 3 }, 5)),
    hostile: {
      ...jsonPair(HOSTILE_PATH, jsonResponse({ [HOSTILE_BODY]: HOSTILE_BODY, html: "<h1>x</h1>" }, 2), jsonResponse({ [HOSTILE_BODY]: "changed", html: "<h1>y</h1>" }, 2)),
      request_headers: [{ name: "x-evil", value: HOSTILE_HEADER }],
      primary: { ...jsonResponse({ [HOSTILE_BODY]: HOSTILE_BODY, html: "<h1>x</h1>" }, 2), headers: [JSON_TYPE, { name: "x-note", value: HOSTILE_HEADER }] },
    },
    post: {
      ...jsonPair("/orders/8", jsonResponse({ id: 8 }, 3), { ...jsonResponse({ error: "conflict" }, 2), status: 409 }),
      method: "POST",
      request_headers: [JSON_TYPE],
      request_body: requestBody(JSON.stringify({ item: "book", password: "HUNTER2", note: HOSTILE_BODY })),
    },
    postCut: {
      ...jsonPair("/orders/9", jsonResponse({ id: 9 }, 3), { ...jsonResponse({ error: "conflict" }, 2), status: 409 }),
      method: "PUT",
      request_headers: [{ name: "content-type", value: "text/plain" }],
      request_body: requestBody(`first line\n${"x".repeat(5000)}`, 100),
    },
    long: jsonPair(LONG_PATH, jsonResponse({ value: LONG_VALUE, n: 1 }, 2), jsonResponse({ value: `${LONG_VALUE}w`, n: 1 }, 2)),
  };
}

let collector: TestCollector;
let client: ReportClient;
let browser: Browser;
let pairs: Record<string, WirePair>;
/** Stored example id by the pair's name. */
const ids = new Map<string, number>();
let page: Page;
let problems: string[];

async function summary(): Promise<Summary> {
  return (await getJson<Summary>(`${collector.httpUrl}/api/summary`)).body;
}

beforeAll(async () => {
  collector = await startTestCollector({ routes: { templates: ["/users/{id}", "/orders/{id}", "/reports/{id}"] } });
  client = new ReportClient(collector.grpcAddress);
  pairs = examplePairs();
  await client.reportPairs(Object.values(pairs));
  await eventually(async () => expect((await summary()).total.pairs).toBe(Object.keys(pairs).length));
  const listed = (await getJson<{ mismatches: MismatchListItem[] }>(`${collector.httpUrl}/api/mismatches?limit=100`)).body.mismatches;
  for (const [name, pair] of Object.entries(pairs)) {
    const stored = listed.find((item) => item.pairId === pair.id);
    if (stored) ids.set(name, stored.id);
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  client?.close();
  await collector?.cleanup();
});

/** A fresh page that records every console error, uncaught exception and failed request. */
async function open(hash: string, query = "", colorScheme: "light" | "dark" = "light"): Promise<Page> {
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme });
  problems = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  await page.goto(`${collector.httpUrl}/${query}${hash}`);
  return page;
}

afterEach(async () => {
  if (page && !page.isClosed()) {
    // Nothing the page loaded or ran went wrong, in any test.
    expect(problems).toEqual([]);
    await page.close();
  }
});

/** The highlighted paths of one side's body, with their kinds, as the page marks them. */
async function highlighted(side: "primary" | "shadow"): Promise<string[]> {
  return page.$$eval(`[data-side="${side}"] [data-diff-path]`, (lines) => lines.map((line) => `${line.getAttribute("data-diff-kind")} ${line.getAttribute("data-diff-path")}`).sort());
}

async function collectorDifferences(name: string): Promise<MismatchView> {
  return (await getJson<MismatchView>(`${collector.httpUrl}/api/mismatches/${ids.get(name)}`)).body;
}

function expectedHighlights(view: MismatchView, side: "primary" | "shadow"): string[] {
  const skip = side === "primary" ? "added" : "removed";
  return (view.comparison.body?.differences ?? []).filter((d) => d.kind !== skip).map((d) => `${d.kind} ${d.path}`).sort();
}

describe("the overview", () => {
  it("lists every route with the collector's verdict, failing routes first, each with its intervals", async () => {
    // A route broken in every pair: enough of them to fail at the default confidence.
    const broken = Array.from({ length: 25 }, () => jsonPair("/broken", jsonResponse({ ok: true }, 2), { ...jsonResponse({ error: "boom" }, 2), status: 500 }));
    expect(await client.reportPairs(broken)).toBe(25);
    await eventually(async () => expect((await summary()).routes.find((route) => route.route === "/broken")?.pairs).toBe(25));
    await open("#/");
    await page.waitForSelector('tr[data-route="/broken"] .verdict-cell .pill');
    const rows = await page.$$eval("table.routes tbody tr", (trs) =>
      trs.map((tr) => ({ route: tr.getAttribute("data-route"), verdict: tr.querySelector(".verdict-cell .pill")?.textContent })),
    );
    const verdict = (await getJson<{ lines: Verdict["lines"] }>(`${collector.httpUrl}/api/verdict`)).body;
    const words = { pass: "pass", fail: "FAIL", "not-yet": "not yet" };
    expect(rows).toHaveLength(verdict.lines.length);
    expect(new Map(rows.map((row) => [row.route, row.verdict]))).toEqual(new Map(verdict.lines.map((line) => [line.route, words[line.outcome]])));
    expect(rows[0]).toEqual({ route: "/broken", verdict: "FAIL" });
    expect(rows.find((row) => row.route === "/health")?.verdict).toBe("not yet");
    expect(await page.textContent('tr[data-route="/broken"] td.interval')).toMatch(/^0\.0% \[0\.0, \d+\.\d\]/);
    expect(await page.textContent(".banner")).toContain("shadow fails");
  });

  it("with shadowdiff verdict's default settings: a route of a few pairs is not decided yet", async () => {
    await open("#/");
    await page.waitForSelector("table.routes tbody tr");
    const verdicts = await page.$$eval("table.routes tbody tr", (trs) => trs.filter((tr) => tr.getAttribute("data-route") !== "/broken").map((tr) => tr.querySelector(".verdict-cell .pill")?.textContent));
    expect(new Set(verdicts)).toEqual(new Set(["not yet"]));
    expect(await page.textContent(".banner")).toContain("at 95% confidence for all lines together");
  });

  it("names a bad threshold in the address and falls back to the defaults", async () => {
    await open("#/", "?min-match-ratio=2");
    await page.waitForSelector(".problem");
    expect(await page.textContent(".problem")).toContain("min-match-ratio must be a number from 0 to 1");
    await open("#/", "?min_pairs=5");
    await page.waitForSelector(".problem");
    expect(await page.textContent(".problem")).toContain('"min_pairs" is not a parameter');
  });

  it("updates itself when more pairs arrive", async () => {
    await open("#/");
    const healthPairs = () => page.textContent('tr[data-route="/health"] td.num');
    await page.waitForSelector('tr[data-route="/health"]');
    expect((await healthPairs())?.trim()).toBe("1");
    const more = [1, 2, 3].map(() => jsonPair("/health", jsonResponse({ ok: true }, 2), jsonResponse({ ok: true }, 2)));
    await client.reportPairs(more);
    await page.waitForFunction(() => document.querySelector('tr[data-route="/health"] td.num')?.textContent?.trim() === "4", undefined, { timeout: 20_000 });
  });
});

describe("from a route to a pair", () => {
  it("a click opens the route's fields and latency chart, and another the pair with the collector's differences highlighted on both sides", async () => {
    await open("#/");
    await page.click('tr[data-route="/users/{id}"] th a');
    await page.waitForSelector("table.fields tbody tr");
    expect(page.url()).toContain(`#/route/${encodeURIComponent("/users/{id}")}`);
    const fields = await page.$$eval("table.fields tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent).join(" ")));
    expect(fields.sort()).toEqual(["$.extra added", "$.price changed"]);
    await page.waitForSelector(".chart-box canvas");
    // The chart's percentiles are the collector's own, from the same reservoir sample.
    const users = (await summary()).routes.find((route) => route.route === "/users/{id}")!;
    const p50s = await page.$$eval("table.quantiles tbody tr", (trs) => trs.slice(0, 2).map((tr) => tr.querySelector("td")?.textContent));
    expect(p50s).toEqual([duration(users.primaryLatency.p50), duration(users.shadowLatency.p50)]);

    await page.click("table.mismatches tbody tr a");
    await page.waitForSelector("[data-diff-path]");
    expect(page.url()).toContain(`#/pair/${ids.get("fieldChange")}`);
    const view = await collectorDifferences("fieldChange");
    expect(expectedHighlights(view, "primary")).toEqual(["changed $.price"]);
    expect(await highlighted("primary")).toEqual(expectedHighlights(view, "primary"));
    expect(await highlighted("shadow")).toEqual(expectedHighlights(view, "shadow"));
  });

  it("is all reachable from the keyboard: Tab to a route, Enter, and focus lands on the new view's heading", async () => {
    await open("#/", "?min-pairs=1");
    await page.waitForSelector("table.routes tbody tr");
    const firstRoute = await page.$eval("table.routes tbody tr th a", (a) => a.textContent);
    let focused = "";
    for (let tab = 0; tab < 10 && focused !== firstRoute; tab++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => (document.activeElement?.closest("table.routes") ? (document.activeElement.textContent ?? "") : ""));
    }
    expect(focused).toBe(firstRoute);
    await page.keyboard.press("Enter");
    await page.waitForSelector("h1.route-title");
    await page.waitForFunction(() => document.activeElement?.tagName === "H1");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(firstRoute);
  });
});

describe("a pair, by its deep link", () => {
  it("a status change: both statuses, the difference, and the request's curl", async () => {
    await open(`#/pair/${ids.get("statusChange")}`);
    await page.waitForSelector("table.responses");
    expect(await page.textContent("h1")).toBe("GET /orders/3");
    const statuses = await page.$$eval("table.responses tbody tr:first-child td", (tds) => tds.map((td) => [td.textContent, td.classList.contains("cell-differs")]));
    expect(statuses).toEqual([
      ["200", true],
      ["404", true],
    ]);
    expect(await page.textContent("ul.differences")).toContain("200 → 404");
    expect(await page.textContent(".curl pre")).toBe("curl --globoff 'http://api.shop.svc.cluster.local/orders/3'");
  });

  it("a POST: its body beside the request's headers, redacted, with its size; the curl sends it and says it was redacted", async () => {
    await open(`#/pair/${ids.get("post")}`);
    await page.waitForSelector('section[aria-label="Request body"]');
    expect(await page.textContent("h1")).toBe("POST /orders/8");
    const body = page.locator('section[aria-label="Request body"]');
    const sent = JSON.stringify({ item: "book", password: "HUNTER2", note: HOSTILE_BODY });
    expect(await body.locator(".body-meta").textContent()).toBe(`application/json · ${sent.length} B`);
    const shown = await body.locator(".code").textContent();
    expect(shown).toContain('"password": "[redacted]"');
    expect(shown).toContain("<img src=x onerror=");
    expect(shown).not.toContain("HUNTER2");
    expect(await body.textContent()).toContain("values redacted");
    expect(await page.evaluate(() => (window as unknown as { __pwnedBody?: number }).__pwnedBody)).toBeUndefined();
    const curl = await page.textContent(".curl pre");
    expect(curl).toMatch(/^curl --globoff --request 'POST' --header 'content-type: application\/json' --data-binary '\{"item":"book","password":"\[redacted\]"/);
    expect(await page.textContent(".curl-body-note")).toMatch(/redacted.*does not replay the request exactly/);
  });

  it("a PUT cut at the filter's cap: the start of its body, its whole size, and no body in the curl", async () => {
    await open(`#/pair/${ids.get("postCut")}`);
    await page.waitForSelector('section[aria-label="Request body"]');
    const body = page.locator('section[aria-label="Request body"]');
    expect(await body.locator(".body-meta").textContent()).toBe("text/plain · 4.9 KiB (cut)");
    expect(await body.textContent()).toContain("max_body_bytes cut it");
    expect(await body.locator(".code").textContent()).toContain("first line");
    expect(await page.textContent(".curl pre")).not.toContain("--data-binary");
    expect(await page.textContent(".curl-body-note")).toContain("only its first 100 of 5011 bytes were captured");
  });

  it("a GET: no request body section", async () => {
    await open(`#/pair/${ids.get("statusChange")}`);
    await page.waitForSelector(".curl pre");
    expect(await page.locator('section[aria-label="Request body"]').count()).toBe(0);
  });

  it("a shadow timeout: said plainly, with no shadow body", async () => {
    await open(`#/pair/${ids.get("timeout")}`);
    await page.waitForSelector(".explanation");
    // The target is named: a single shadow is the target "shadow".
    expect(await page.textContent(".explanation")).toContain("shadow failed: timeout.");
    expect(await page.textContent('section[aria-label="Target shadow body"]')).toContain("No response: timeout.");
  });

  it("a truncated pair: inconclusive, and why", async () => {
    await open(`#/pair/${ids.get("truncated")}`);
    await page.waitForSelector(".explanation");
    const text = await page.textContent(".explanations");
    expect(text).toContain("Inconclusive: truncated.");
    expect(text).toContain("The primary's body was cut.");
    expect(await page.textContent('[data-side="primary"] .body-note')).toMatch(/^the start of a [\d.]+ KiB body: the filter's max_body_bytes cut it$/);
  });

  it("gzip bodies: decoded, and the difference highlighted in the decoded JSON", async () => {
    await open(`#/pair/${ids.get("gzip")}`);
    await page.waitForSelector("[data-diff-path]");
    expect(await page.textContent('[data-side="shadow"] .body-note')).toContain("gzip-decoded");
    expect(await highlighted("shadow")).toEqual(["changed $.total"]);
    expect(await highlighted("primary")).toEqual(expectedHighlights(await collectorDifferences("gzip"), "primary"));
  });

  it("hostile content in the path, bodies and headers is shown as text and never runs", async () => {
    await open(`#/pair/${ids.get("hostile")}`);
    await page.waitForSelector("[data-diff-path]");
    expect(await page.textContent("h1")).toBe(`GET ${HOSTILE_PATH}`);
    expect(await page.evaluate(() => [(window as never as Record<string, unknown>).__pwnedPath, (window as never as Record<string, unknown>).__pwnedBody, (window as never as Record<string, unknown>).__pwnedHeader])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(await page.$$eval("main img, main script, main h1 h1, main b", (elements) => elements.length)).toBe(0);
    const main = await page.textContent("main");
    // As the body writes it: a JSON string, quotes escaped.
    expect(main).toContain(JSON.stringify(HOSTILE_BODY));
    expect(main).toContain(HOSTILE_HEADER);
    expect(await highlighted("primary")).toEqual(expectedHighlights(await collectorDifferences("hostile"), "primary"));
    // The hostile path as the route's deep link too.
    const route = (await collectorDifferences("hostile")).route;
    await page.goto(`${collector.httpUrl}/#/route/${encodeURIComponent(route)}`);
    await page.waitForSelector("h1.route-title");
    expect(await page.textContent("h1.route-title")).toBe(route);
    expect(await page.evaluate(() => (window as never as Record<string, unknown>).__pwnedPath)).toBeUndefined();
  });

  it("a 10 KB value and a 300-character path fit the window: folded, wrapped, no sideways scroll", async () => {
    await open(`#/pair/${ids.get("long")}`);
    await page.waitForSelector("[data-diff-path]");
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(await page.textContent('[data-side="primary"] .fold')).toBe("… 9,642 more characters"); // 10,240 and two quotes, less 600 shown
    await page.click('[data-side="primary"] .fold');
    expect(await page.textContent('[data-side="primary"] [data-diff-path="$.value"]')).toContain(LONG_VALUE);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.goto(`${collector.httpUrl}/?min-pairs=1#/`);
    await page.waitForSelector("table.routes tbody tr");
    expect(await overflow()).toBeLessThanOrEqual(0);
  });

  it("a pair the collector no longer keeps: said so", async () => {
    await open("#/pair/999999");
    await page.waitForSelector(".problem");
    expect(await page.textContent(".problem")).toContain("Not stored.");
    // The collector's 404 is the page's message, not an error of the page.
    problems = problems.filter((problem) => !problem.includes("404"));
  });
});

describe("dark mode", () => {
  it("follows the system, and the toggle switches it", async () => {
    await open("#/", "", "dark");
    await page.waitForSelector("table.routes tbody tr");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await background()).toBe("rgb(15, 20, 25)");
    expect(await page.textContent(".theme-toggle")).toBe("Theme: auto");
    await page.click(".theme-toggle");
    expect(await page.textContent(".theme-toggle")).toBe("Theme: dark");
    await page.click(".theme-toggle");
    expect(await page.textContent(".theme-toggle")).toBe("Theme: light");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
    expect(await background()).toBe("rgb(246, 247, 249)");
  });
});
