// The collector's page with two targets and a secondary, in a real browser (Debian's Chromium
// through playwright-core): the collector takes pairs over real gRPC, as the filter sends them
// with targets v2 and v3 and a secondary on half the requests; the test reads the page the way a
// person would and checks it against the collector's own API.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Verdict } from "../../host/judge/verdict.js";
import type { DifferenceClass } from "../../host/mismatches/difference-classes.js";
import type { MismatchListItem, MismatchView } from "../../host/mismatches/mismatch-view.js";
import type { RouteDetail, Summary } from "../../host/summary/summary.js";
import { targetsSentence } from "../../host/verdict/report.js";
import { launchChromium } from "../../support/browser.js";
import { eventually } from "../../support/eventually.js";
import { ReportClient, type WirePair } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonResponse, multiTargetPair } from "../../support/wire-pairs.js";
import { percentile } from "../../viewer/src/cdf.js";
import { duration } from "../../viewer/src/format.js";

const PRODUCTS = "/products/{id}";
const PAIRS = 200;

/** A product as each version answers it: its own request id and time on every answer; v2 also changes the price. */
function product(i: number, side: string, millis: number): ReturnType<typeof jsonResponse> {
  return jsonResponse({ id: i, name: `product ${i}`, price: side === "v2" ? 12 : 10, requestId: `${side}-${i}`, servedAt: `${i}.${side}` }, millis);
}

/** Products, every other with a secondary (a 50% share), and a few users, where the targets agree with v1. */
function pairs(): WirePair[] {
  const products = Array.from({ length: PAIRS }, (_, i) =>
    multiTargetPair(`/products/${i}`, product(i, "v1", 4), { v2: product(i, "v2", 5), v3: product(i, "v3", 4) }, i % 2 === 0 ? product(i, "v1-again", 4) : undefined),
  );
  const users = Array.from({ length: 10 }, (_, i) => {
    const user = jsonResponse({ id: i, name: "Ada" }, 3);
    return multiTargetPair(`/users/${i}`, user, { v2: user, v3: user }, i % 2 === 0 ? user : undefined);
  });
  return [...products, ...users].map((pair) => ({ ...pair, secondary_share_ppm: 500_000 }));
}

let collector: TestCollector;
let client: ReportClient;
let browser: Browser;
let reported: WirePair[];
let page: Page;
let problems: string[];

const api = async <T,>(path: string): Promise<T> => (await getJson<T>(`${collector.httpUrl}${path}`)).body;
type Example = MismatchView & { classes: DifferenceClass[] };

/** The stored example of the reported pair at `index` with `target`. */
async function exampleOf(index: number, target: string): Promise<Example> {
  const listed = await api<{ mismatches: MismatchListItem[] }>(`/api/mismatches?limit=1000&target=${target}`);
  const item = listed.mismatches.find((each) => each.pairId === reported[index]!.id);
  if (item === undefined) throw new Error(`no example of pair ${index} with ${target}`);
  return api<Example>(`/api/mismatches/${item.id}`);
}

beforeAll(async () => {
  collector = await startTestCollector({ routes: { templates: ["/products/{id}", "/users/{id}"] } });
  client = new ReportClient(collector.grpcAddress);
  reported = pairs();
  expect(await client.reportPairs(reported)).toBe(reported.length);
  await eventually(async () => expect((await api<Summary>("/api/summary")).total.pairs).toBe(reported.length * 2));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  client?.close();
  await collector?.cleanup();
});

/** A fresh page that records every console error, uncaught exception and failed request. */
async function open(hash: string): Promise<Page> {
  page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  problems = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  await page.goto(`${collector.httpUrl}/${hash}`);
  return page;
}

afterEach(async () => {
  if (page && !page.isClosed()) {
    expect(problems).toEqual([]);
    await page.close();
  }
});

const texts = (selector: string) => page.$$eval(selector, (elements) => elements.map((element) => element.textContent?.trim() ?? ""));

describe("what is compared, said everywhere", () => {
  it("the header names the primary, every target and the secondary with its share, on every view", async () => {
    const expected = "primary vs v2, v3 · secondary (the primary's version again) on 50.0% of mirrored requests, since the collector started";
    for (const hash of ["#/", `#/route/${encodeURIComponent(PRODUCTS)}`, `#/pair/${(await exampleOf(199, "v2")).id}`]) {
      await open(hash);
      await page.waitForFunction((text) => document.querySelector("[data-compared]")?.textContent === text, expected);
      await page.close();
    }
  });

  it("the banner covers every target, failing ones first, and says where v2 fails", async () => {
    await open("#/");
    await page.waitForSelector(".banner .banner-headline");
    const verdict = await api<Verdict & { lines: Verdict["lines"] }>("/api/verdict");
    const sentence = targetsSentence(verdict.lines);
    expect(sentence).toMatch(/^v2 fails, v3 /);
    await page.waitForFunction((text) => document.querySelector(".banner-headline")?.textContent === text, sentence);
    expect(await texts(".banner-why li")).toEqual([`v2 fails on ${PRODUCTS} (match ratio below 99.0%)`]);
  });

  it("the overview has a row per route and target, each linking to that target's view, with its noise counted after its differing fields", async () => {
    await open("#/");
    await page.waitForSelector('tr[data-route="/products/{id}"][data-target="v3"] .verdict-cell .pill');
    const rows = await page.$$eval("table.routes tbody tr", (trs) => trs.map((tr) => `${tr.getAttribute("data-route")} ${tr.getAttribute("data-target")}`));
    expect(rows[0]).toBe(`${PRODUCTS} v2`);
    expect(new Set(rows)).toEqual(new Set([`${PRODUCTS} v2`, `${PRODUCTS} v3`, "/users/{id} v2", "/users/{id} v3"]));
    expect(await page.getAttribute(`tr[data-route="${PRODUCTS}"][data-target="v3"] th a`, "href")).toBe(`#/route/${encodeURIComponent(PRODUCTS)}?target=v3`);
    const v2 = page.locator(`tr[data-route="${PRODUCTS}"][data-target="v2"] .fields-cell`);
    expect(await v2.locator(".chip-field").allTextContents()).toEqual(["$.price"]);
    expect(await v2.locator(".noise-count").textContent()).toBe("2 noise fields");
    expect(await page.textContent(`tr[data-route="${PRODUCTS}"][data-target="v3"] .fields-cell`)).toBe("2 noise fields");
  });
});

describe("a route, one target at a time", () => {
  it("the address names the target: its counts, regressions and latency beside the primary's and the secondary's", async () => {
    const detail = await api<RouteDetail>(`/api/route?route=${encodeURIComponent(PRODUCTS)}`);
    for (const target of ["v3", "v2"]) {
      await open(`#/route/${encodeURIComponent(PRODUCTS)}?target=${target}`);
      await page.waitForSelector(".chart-box canvas");
      await page.waitForSelector(".target-tab .pill");
      expect(await page.getAttribute('.target-tab[aria-current="page"]', "data-target")).toBe(target);
      expect(await texts(".target-tab")).toEqual([expect.stringMatching(/^FAIL\s*v2$/), expect.stringMatching(/^(pass|not yet)\s*v3$/)]);
      const counts = detail.summary.targets.find((each) => each.target === target)!;
      expect(await page.textContent(".stat:first-child")).toContain(`Pairs with ${target}${counts.pairs}`);
      expect(await page.textContent(".verdict-line")).toContain(target);
      // The chart: the primary, the secondary as the baseline, and the target; percentiles from the collector's own samples.
      const sides = await page.$$eval("table.quantiles tbody tr[data-side]", (trs) => trs.map((tr) => [tr.querySelector("th")?.textContent, tr.querySelector("td")?.textContent]));
      const own = detail.targets.find((each) => each.target === target)!.shadowLatency.seconds;
      expect(sides).toEqual([
        ["primary", duration(percentile(detail.latency.primary.seconds, 0.5))],
        ["secondary", duration(percentile(detail.latency.secondary.seconds, 0.5))],
        [target, duration(percentile(own, 0.5))],
      ]);
      expect(await texts("table.quantiles tr.ratio-row th")).toEqual([`${target} ÷ secondary`, `${target} ÷ primary`]);
      expect(await page.getAttribute(".chart-box", "aria-label")).toBe(`Cumulative latency distribution of primary, secondary and ${target}`);
      // Its regressions only: v3 has none, v2 its price.
      const fields = await texts("table.fields:not(.noise) tbody td:first-child");
      expect(fields).toEqual(target === "v2" ? ["$.price"] : []);
      // The noise stays per route, a column per target, regressions first for the target shown.
      const noise = await page.$$eval("table.noise tbody tr", (trs, shown) => trs.map((tr) => [tr.getAttribute("data-field"), tr.querySelector(`td[data-target="${shown}"] .class`)?.textContent ?? null]), target);
      expect(noise).toEqual(target === "v2" ? [["$.price", "regression"], ["$.requestId", "noise"], ["$.servedAt", "noise"]] : [["$.requestId", "noise"], ["$.servedAt", "noise"], ["$.price", null]]);
      await page.close();
    }
  });

  it("a tab changes the target and the address; the route's list of pairs follows it", async () => {
    await open(`#/route/${encodeURIComponent(PRODUCTS)}?target=v3`);
    await page.waitForSelector(".target-tab .pill");
    await page.click('.target-tab[data-target="v2"]');
    await page.waitForFunction(() => location.hash.endsWith("?target=v2"));
    await page.waitForSelector("table.fields:not(.noise) tbody tr");
    expect(await page.inputValue(".pair-list select")).toBe("v2");
    await page.waitForSelector("table.mismatches tbody tr");
    expect(new Set(await page.$$eval("table.mismatches tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-target"))))).toEqual(new Set(["v2"]));
  });

  it("a target the route has not seen, or not a target's name, is said, and the first target shown; nothing in it runs", async () => {
    await open(`#/route/${encodeURIComponent(PRODUCTS)}?target=v9`);
    await page.waitForSelector(".problem");
    expect(await page.textContent(".problem")).toBe("No pairs with target v9 on this route. Targets here: v2, v3.");
    await page.waitForSelector('.target-tab[aria-current="page"]');
    expect(await page.getAttribute('.target-tab[aria-current="page"]', "data-target")).toBe("v2");
    await page.close();
    await open(`#/route/${encodeURIComponent(PRODUCTS)}?target=%3Cimg%20src%3Dx%20onerror%3D%22window.__pwned%3D1%22%3E&target=v3`);
    await page.waitForSelector(".problem");
    expect(await page.textContent(".problem")).toBe('The address\'s target was not used: "target" is given more than once.');
    await page.close();
    await open(`#/route/${encodeURIComponent(PRODUCTS)}?target=%3Cimg%20src%3Dx%20onerror%3D%22window.__pwned%3D1%22%3E`);
    await page.waitForSelector(".problem");
    expect(await page.textContent(".problem")).toContain('target must be a target\'s name (1 to 32 of a-z, 0-9, _ and -), not "<img src=x onerror="window.__pwned=1">"');
    await page.waitForSelector(".chart-box canvas");
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$eval("main img", (images) => images.length)).toBe(0);
  });
});

describe("every list of pairs", () => {
  it("has a target column and a filter by target, and each line leads with what regressed", async () => {
    await open("#/");
    await page.waitForSelector("table.mismatches tbody tr");
    expect(await texts("table.mismatches thead th")).toEqual(["Recorded", "Outcome", "Route", "Target", "Request", "What differed"]);
    const listed = await api<{ mismatches: MismatchListItem[] }>("/api/mismatches?limit=20");
    expect(await page.$$eval("table.mismatches tbody td.col-target", (tds) => tds.map((td) => td.textContent))).toEqual(listed.mismatches.map((item) => item.target));
    await page.selectOption(".pair-list select", "v3");
    await page.waitForFunction(() => [...document.querySelectorAll("table.mismatches tbody tr")].every((tr) => tr.getAttribute("data-target") === "v3"));
    const v3 = await api<{ mismatches: MismatchListItem[] }>("/api/mismatches?limit=20&target=v3");
    await page.waitForFunction((count) => document.querySelectorAll("table.mismatches tbody tr").length === count, v3.mismatches.length);
    await page.selectOption(".pair-list select", "v2");
    await page.waitForFunction(() => [...document.querySelectorAll("table.mismatches tbody tr")].every((tr) => tr.getAttribute("data-target") === "v2"));
    // Regressions first; the noise only counted, after them.
    for (const summary of await texts("table.mismatches tbody td.summary-cell")) expect(summary).toMatch(/^changed \$\.price(; | \(not settled\)|$)/);
    expect(await texts("table.mismatches tbody td.summary-cell")).toContain("changed $.price; 2 noise differences cancelled");
  });
});

describe("a pair with a secondary", () => {
  it("names its target, shows the secondary's answer as a third column, and marks each difference regression or noise, regressions first", async () => {
    // A late pair with its own secondary: its noise was cancelled by that secondary.
    const example = await exampleOf(198, "v2");
    expect(example.secondary?.response).not.toBeNull();
    await open(`#/pair/${example.id}`);
    await page.waitForSelector('[data-side="secondary"] .code');
    expect(await page.textContent('.meta dd[data-target]')).toBe("v2");
    expect(await page.getAttribute(".crumbs a.mono", "href")).toBe(`#/route/${encodeURIComponent(PRODUCTS)}?target=v2`);
    expect(await texts(".body-panel h3")).toEqual(["Primary", "Target v2", "Secondary"]);
    expect(await page.textContent('[data-side="secondary"] .code')).toContain('"requestId": "v1-again-198"');
    expect(await texts("table.responses thead th")).toEqual(["", "Primary", "v2", "Secondary"]);
    // Where the secondary differs from the primary, marked as v1's own differences.
    const secondaryMarks = await page.$$eval('[data-side="secondary"] [data-diff-path]', (lines) => lines.map((line) => `${line.getAttribute("data-diff-kind")} ${line.getAttribute("data-diff-path")}`).sort());
    expect(secondaryMarks).toEqual(["noise $.requestId", "noise $.servedAt"]);
    // The regression first, open; the noise folded under it, one click away.
    const standing = await page.$$eval("ul.differences > li", (items) => items.filter((item) => !item.closest("details")).map((item) => item.getAttribute("data-class")));
    expect(standing).toEqual(["regression"]);
    expect(await page.textContent("ul.differences li .why")).toBe(
      `regression: v1 differs from itself here in 0.0% of ${PAIRS / 2} pairs with a secondary; v2 in 100.0%`,
    );
    const folded = page.locator("details.noise-differences");
    expect(await folded.getAttribute("open")).toBeNull();
    expect(await folded.locator("summary").textContent()).toBe("2 noise differences, cancelled: v1 differs from itself there too");
    expect(await folded.locator(".why").first().isVisible()).toBe(false);
    await folded.locator("summary").click();
    expect(await folded.locator(".why").allTextContents()).toEqual([
      `noise: cancelled in this pair by the secondary, which differed here too (v1 differs from itself here in 100.0% of ${PAIRS / 2} pairs with a secondary; v2 in 100.0%)`,
      `noise: cancelled in this pair by the secondary, which differed here too (v1 differs from itself here in 100.0% of ${PAIRS / 2} pairs with a secondary; v2 in 100.0%)`,
    ]);
    // In the bodies, the noise is greyed, the regression marked by its kind.
    const marks = await page.$$eval('[data-side="shadow"] [data-diff-path]', (lines) => lines.map((line) => `${line.getAttribute("data-diff-kind")} ${line.getAttribute("data-diff-path")}`).sort());
    expect(marks).toEqual(["changed $.price", "noise $.requestId", "noise $.servedAt"]);
  });

  it("a pair without one: no third column, its noise cancelled by the route's counts; one that came before they settled says what it was then", async () => {
    const late = await exampleOf(199, "v2");
    expect(late.secondary).toBeNull();
    await open(`#/pair/${late.id}`);
    await page.waitForSelector("details.noise-differences");
    expect(await page.locator('[data-side="secondary"]').count()).toBe(0);
    expect(await texts("table.responses thead th")).toEqual(["", "Primary", "v2"]);
    await page.click("details.noise-differences summary");
    expect(await texts("details.noise-differences .why")).toEqual([
      expect.stringMatching(/^noise: cancelled by the route's counts: v1 differs from itself here in 100\.0% of \d+ pairs with a secondary; v2 in 100\.0%$/),
      expect.stringMatching(/^noise: cancelled by the route's counts: /),
    ]);
    await page.close();

    // The first pair of v3: nothing was settled, so it was kept as not settled; the counts have since made its differences noise.
    const early = await exampleOf(1, "v3");
    expect(early.outcome).toBe("inconclusive");
    await open(`#/pair/${early.id}`);
    await page.waitForSelector("details.noise-differences");
    expect(await page.textContent(".explanations")).toContain("Inconclusive: noise_pending.");
    await page.click("details.noise-differences summary");
    for (const why of await texts("details.noise-differences .why")) expect(why).toMatch(/^noise: cancelled by the route's counts: .* \(not settled when the pair arrived\)$/);
  });
});
