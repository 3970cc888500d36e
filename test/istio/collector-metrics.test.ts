// The collector's real /metrics serves exactly the collector metrics exported-metrics.yaml lists,
// with the listed types and labels, so the rules and the dashboard query what exists.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import { ReportClient } from "../../support/report-client.js";
import { startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { jsonPair, jsonResponse } from "../../support/wire-pairs.js";
import { exportedMetrics } from "./support/exported-metrics.js";

let collector: TestCollector;
let metricsText: string;

beforeAll(async () => {
  collector = await startTestCollector({ examples: { path: ":memory:" } });
  // One matching and one diverging pair, so labelled series exist as well as their declarations.
  const client = new ReportClient(collector.grpcAddress);
  await client.reportPairs([
    jsonPair("/users/1", jsonResponse({ id: 1 }, 3), jsonResponse({ id: 1 }, 4)),
    jsonPair("/users/2", jsonResponse({ id: 2, price: 1 }, 3), jsonResponse({ id: 2, price: 2 }, 4)),
  ]);
  client.close();
  // Comparison runs behind intake; wait until both pairs are counted.
  metricsText = await eventually(
    async () => {
      const text = await (await fetch(`${collector.httpUrl}/metrics`)).text();
      if (!/^shadow_comparison_total\{.*match="false".*\} 1$/m.test(text)) throw new Error("the diverging pair is not counted yet");
      return text;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
});

afterAll(async () => {
  await collector?.cleanup();
});

describe("the collector's /metrics", () => {
  it("declares exactly the listed metrics, with the listed types", () => {
    const declared = new Map([...metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const listed = new Map(exportedMetrics().collector.map((metric) => [metric.name, metric.type]));
    expect(declared).toEqual(listed);
  });

  it("labels its series with the listed labels only", () => {
    const labelsByMetric = new Map(exportedMetrics().collector.map((metric) => [metric.name, new Set([...metric.labels, "le"])]));
    let checked = 0;
    // Label values may hold braces (route="/users/{id}"): the series' labels end at the last "} ".
    for (const match of metricsText.matchAll(/^([a-z_:]+)\{(.*)\} \S+$/gm)) {
      const series = match[1]!.replace(/_(bucket|sum|count)$/, "");
      const name = labelsByMetric.has(match[1]!) ? match[1]! : series;
      const allowed = labelsByMetric.get(name);
      expect(allowed, match[0]).toBeDefined();
      for (const label of match[2]!.matchAll(/(?:^|",)(\w+)="/g)) expect(allowed!.has(label[1]!), `${match[0]}: ${label[1]}`).toBe(true);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(10);
    expect(metricsText).toMatch(/^shadow_comparison_total\{route="\/users\/\{id\}",target="shadow",match="true"\} 1$/m);
  });
});
