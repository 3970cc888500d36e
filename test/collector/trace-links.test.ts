// A pair links to its trace: the collector's traces.urlTemplate, checked when the configuration is
// read (hostile templates refused naming the key and the rule), and filled with the primary's
// trace id in /api/mismatches/{id}.
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../host/config/validate.js";
import { parseConfig } from "../../host/config/load.js";
import { eventually } from "../../support/eventually.js";
import { encodeBatch, ReportClient } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { shadowTarget, wirePair } from "../../support/wire-pairs.js";

const RULE =
  'config key "traces.urlTemplate" must be an http(s) URL of at most 2048 visible ASCII characters, without user or password, ' +
  "holding {traceId} once (other braces percent-encoded as %7B and %7D), e.g. https://jaeger.example.com/trace/{traceId}";

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, {});
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("traces.urlTemplate", () => {
  it.each([
    ["Jaeger", "https://jaeger.example.com/trace/{traceId}"],
    ["Tempo in Grafana's Explore", "https://grafana.example.com/explore?left=%7B%22datasource%22:%22tempo%22,%22queries%22:%5B%7B%22query%22:%22{traceId}%22%7D%5D%7D"],
    ["plain http with a port", "http://127.0.0.1:16686/trace/{traceId}?uiEmbed=v0"],
  ])("takes %s", (_name, template) => {
    expect(parseConfig(`traces:\n  urlTemplate: ${JSON.stringify(template)}\n`, {}).traces.urlTemplate).toBe(template);
  });

  it("is optional: no link without it", () => {
    expect(parseConfig("", {}).traces.urlTemplate).toBeUndefined();
  });

  it.each([
    ["javascript:", "javascript:alert(1)//{traceId}"],
    ["data:", "data:text/html,<script>{traceId}</script>"],
    ["no placeholder", "https://jaeger.example.com/trace/"],
    ["the placeholder twice", "https://jaeger.example.com/trace/{traceId}?again={traceId}"],
    ["another placeholder", "https://jaeger.example.com/{service}/{traceId}"],
    ["a raw brace", "https://grafana.example.com/explore?left={\"q\":\"{traceId}\"}"],
    ["a space", "https://jaeger.example.com/trace/ {traceId}"],
    ["a line break", "https://jaeger.example.com/trace/{traceId}\r\nSet-Cookie: a=b"],
    ["non-ASCII", "https://jäger.example.com/trace/{traceId}"],
    ["a user and password", "https://admin:secret@jaeger.example.com/trace/{traceId}"],
    ["no host", "https:///trace/{traceId}"],
    ["a relative path", "/trace/{traceId}"],
    ["a placeholder in another case", "https://jaeger.example.com/trace/{traceid}"],
    ["2049 characters", `https://jaeger.example.com/${"a".repeat(2049 - 36)}{traceId}`],
    ["a number", 42],
    ["a list", ["https://jaeger.example.com/trace/{traceId}"]],
    ["a mapping", { url: "https://jaeger.example.com/trace/{traceId}" }],
  ])("refuses %s, naming the key and the rule", (name, value) => {
    if (name === "2049 characters") expect(String(value)).toHaveLength(2049);
    expect(problems(`traces:\n  urlTemplate: ${JSON.stringify(value)}\n`)).toEqual([RULE]);
  });

  it("refuses unknown keys under traces", () => {
    expect(problems("traces:\n  url: x\n")).toEqual(['config key "traces.url" is unknown']);
  });
});

describe("a mismatch's trace", () => {
  let collector: TestCollector | undefined;
  let client: ReportClient | undefined;
  afterEach(async () => {
    client?.close();
    await collector?.cleanup();
  });

  const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  const mismatching = { status: 200, headers: [{ name: "content-type", value: "application/json" }], body: Buffer.from('{"id":1}'), body_size: 8, latency_nanos: 1 };

  async function mismatches(config: Parameters<typeof startTestCollector>[0]) {
    collector = await startTestCollector(config);
    client = new ReportClient(collector.grpcAddress);
    const pairs = [
      wirePair({ id: "traced", path: "/a", trace_id: TRACE_ID, targets: [shadowTarget(mismatching)] }),
      wirePair({ id: "untraced", path: "/b", targets: [shadowTarget(mismatching)] }),
    ];
    expect(await client.report(encodeBatch(pairs))).toEqual({ accepted: 2, dropped: 0 });
    const url = collector.httpUrl;
    const list = await eventually(async () => {
      const { body } = await getJson<{ mismatches: { id: number; pairId: string }[] }>(`${url}/api/mismatches`);
      expect(body.mismatches).toHaveLength(2);
      return body.mismatches;
    });
    const one = async (pairId: string) =>
      (await getJson<{ traceId: string | null; traceUrl: string | null }>(`${url}/api/mismatches/${list.find((m) => m.pairId === pairId)!.id}`)).body;
    return { traced: await one("traced"), untraced: await one("untraced") };
  }

  it("is linked with the configured template", async () => {
    const { traced, untraced } = await mismatches({ traces: { urlTemplate: "https://jaeger.example.com/trace/{traceId}?uiFind=x" } });
    expect(traced).toMatchObject({ traceId: TRACE_ID, traceUrl: `https://jaeger.example.com/trace/${TRACE_ID}?uiFind=x` });
    expect(untraced).toMatchObject({ traceId: null, traceUrl: null });
  });

  it("is named without a link when there is no template", async () => {
    const { traced } = await mismatches({});
    expect(traced).toMatchObject({ traceId: TRACE_ID, traceUrl: null });
  });
});
