// The body mirrored with a request, as stored with a mismatch example and served at
// /api/mismatches/{id}: redacted like response bodies, hostile values first, counted in the
// examples' byte bound. Reported over real gRPC to a real collector.
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { MismatchView } from "../../host/mismatches/mismatch-view.js";
import { eventually } from "../../support/eventually.js";
import { encodeBatch, ReportClient, type WireResponse } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { requestBody, shadowTarget, wirePair } from "../../support/wire-pairs.js";

let collector: TestCollector | undefined;
let client: ReportClient | undefined;
afterEach(async () => {
  client?.close();
  await collector?.cleanup();
  collector = undefined;
});

const JSON_TYPE = { name: "content-type", value: "application/json" };
const DIFFERENT_SHADOW = [shadowTarget({ status: 500, headers: [JSON_TYPE], body: Buffer.from("{}"), body_size: 2 })];

/** A POST whose shadow answered differently, with `body` mirrored and `headers` captured. */
function post(id: string, body: ReturnType<typeof requestBody>, headers: { name: string; value: string }[] = []): Record<string, unknown> {
  return wirePair({ id, method: "POST", path: "/orders", request_headers: headers, request_body: body, targets: DIFFERENT_SHADOW });
}

async function views(c: TestCollector, count: number): Promise<Map<string, MismatchView>> {
  let list: { id: number; pairId: string }[] = [];
  await eventually(async () => {
    list = (await getJson<{ mismatches: { id: number; pairId: string }[] }>(`${c.httpUrl}/api/mismatches?limit=1000`)).body.mismatches;
    expect(list.length).toBe(count);
  });
  const byPair = new Map<string, MismatchView>();
  for (const item of list) byPair.set(item.pairId, (await getJson<MismatchView>(`${c.httpUrl}/api/mismatches/${item.id}`)).body);
  return byPair;
}

function databaseText(c: TestCollector): string {
  return Buffer.concat([c.dbPath, `${c.dbPath}-wal`].filter(existsSync).map((file) => readFileSync(file))).toString("latin1");
}

describe("the request body of a stored example", () => {
  it("is redacted like a response body before it is written or served, whatever its content-type says", async () => {
    collector = await startTestCollector({ examples: { redactBodyPaths: ["$.card.number"] } });
    client = new ReportClient(collector.grpcAddress);
    const secrets = ["PW-DECLARED", "CARD-4111", "PW-SNIFFED", "TOKEN-IN-GZIP", "KEY-IN-CUT", "PW-BROKEN", "PW-HALF"];
    const gzipHeaders = [JSON_TYPE, { name: "content-encoding", value: "gzip" }];
    const pairs = [
      post("declared", requestBody('{"user":"ada","password":"PW-DECLARED","card":{"number":"CARD-4111"},"qty":2}'), [JSON_TYPE]),
      // No content-type captured (request_headers leaves it out): JSON text is still taken for JSON.
      post("sniffed", requestBody(' \n[{"password":"PW-SNIFFED"}]')),
      post("gzip", requestBody(gzipSync('{"token":"TOKEN-IN-GZIP","n":1}')), gzipHeaders),
      // Cut at the filter's cap: the redacted start is kept, and a secret cut in two is left out whole.
      post("cut", requestBody('{"api_key":"KEY-IN-CUT","items":[1,2,3]}', 30), [JSON_TYPE]),
      post("cut-in-secret", requestBody('{"a":1,"password":"PW-HALF-AND-MORE"}', 23), [JSON_TYPE]),
      // Says JSON but is not one JSON value: it cannot be redacted, so it is withheld.
      post("broken", requestBody('{"password":"PW-BROKEN"'), [JSON_TYPE]),
      // Not JSON: kept as sent, as a non-JSON response body is.
      post("form", requestBody("name=ada&qty=2"), [{ name: "content-type", value: "application/x-www-form-urlencoded" }]),
      post("binary", requestBody(Buffer.from([0xff, 0x00, 0xfe, 0x7b]))),
      post("empty", requestBody("")),
      wirePair({ id: "get", targets: DIFFERENT_SHADOW }),
    ];
    expect(await client.report(encodeBatch(pairs))).toEqual({ accepted: pairs.length, dropped: 0 });
    const byPair = await views(collector, pairs.length);
    const served = JSON.stringify([...byPair.values()]);
    const written = databaseText(collector);
    for (const secret of secrets) {
      expect(served, secret).not.toContain(secret);
      expect(written, secret).not.toContain(secret);
    }

    const declared = byPair.get("declared")!.requestBody!;
    expect(JSON.parse(declared.body)).toEqual({ user: "ada", password: "[redacted]", card: { number: "[redacted]" }, qty: 2 });
    expect(declared).toMatchObject({ bodyEncoding: "utf8", bodyRedacted: true, truncated: false, bodySize: 77 });
    expect(byPair.get("sniffed")!.requestBody).toMatchObject({ body: ' \n[{"password":"[redacted]"}]', bodyRedacted: true });
    expect(byPair.get("gzip")!.requestBody).toMatchObject({ bodyDecoded: true, bodyRedacted: true, body: '{"token":"[redacted]","n":1}' });
    expect(byPair.get("cut")!.requestBody).toMatchObject({ body: '{"api_key":"[redacted]",', truncated: true, bodySize: 40, bodyRedacted: true });
    expect(byPair.get("cut-in-secret")!.requestBody).toMatchObject({ body: '{"a":1,"password":', truncated: true });
    expect(byPair.get("broken")!.requestBody).toMatchObject({ body: "", storedBytes: 0, bodyWithheld: expect.stringMatching(/could not be redacted/) });
    expect(byPair.get("form")!.requestBody).toEqual({ body: "name=ada&qty=2", bodyEncoding: "utf8", storedBytes: 14, bodySize: 14, truncated: false });
    expect(byPair.get("binary")!.requestBody).toMatchObject({ body: Buffer.from([0xff, 0x00, 0xfe, 0x7b]).toString("base64"), bodyEncoding: "base64", storedBytes: 4 });
    expect(byPair.get("empty")!.requestBody).toMatchObject({ body: "", bodySize: 0, truncated: false });
    expect(byPair.get("get")!.requestBody).toBeNull();
  });

  it("is cut at the stored bytes, and counted in examples.maxBytes", async () => {
    collector = await startTestCollector({ examples: { maxBytes: 1024 * 1024 } });
    client = new ReportClient(collector.grpcAddress);
    const big = `${"x".repeat(200_000)}`;
    const pairs = Array.from({ length: 30 }, (_, i) => post(`big-${i}`, requestBody(big), [{ name: "content-type", value: "text/plain" }]));
    for (const pair of pairs) expect(await client.report(encodeBatch([pair]))).toEqual({ accepted: 1, dropped: 0 });
    const c = collector;
    // 30 examples of 64 KiB each are past 1 MiB: the oldest go, so the last one stored is the last one sent.
    await eventually(async () => {
      const list = (await getJson<{ mismatches: { id: number; pairId: string }[] }>(`${c.httpUrl}/api/mismatches?limit=1000`)).body.mismatches;
      expect(list[0]?.pairId).toBe("big-29");
    });
    const list = (await getJson<{ mismatches: { id: number; pairId: string }[] }>(`${c.httpUrl}/api/mismatches?limit=1000`)).body.mismatches;
    expect(list.length).toBeLessThan(16);
    const newest = (await getJson<MismatchView>(`${c.httpUrl}/api/mismatches/${list[0]!.id}`)).body.requestBody!;
    expect(newest).toMatchObject({ storedBytes: 64 * 1024, bodyCut: true, bodySize: 200_000, truncated: false });
    expect(newest.body).toBe("x".repeat(64 * 1024));
  });
});
