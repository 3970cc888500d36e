// What the collector keeps of mismatching pairs is bounded in bytes and holds no secret: checked
// on the database's own files, byte for byte, and on what the API serves; the body mirrored with a
// write is kept under the same rules.
import { existsSync, readFileSync, statSync } from "node:fs";
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

function answer(body: string | Buffer, extra: Partial<WireResponse> = {}): WireResponse {
  const bytes = Buffer.from(body);
  return { status: 200, headers: [JSON_TYPE], body: bytes, body_size: bytes.length, latency_nanos: 1_000_000, ...extra };
}

/** Every byte SQLite wrote for the examples: the database and its write-ahead log. */
function databaseBytes(c: TestCollector): Buffer {
  return Buffer.concat([c.dbPath, `${c.dbPath}-wal`].filter(existsSync).map((file) => readFileSync(file)));
}

function databaseSize(c: TestCollector): number {
  return [c.dbPath, `${c.dbPath}-wal`].filter(existsSync).reduce((sum, file) => sum + statSync(file).size, 0);
}

async function storedCount(c: TestCollector): Promise<number> {
  return (await getJson<{ mismatches: unknown[] }>(`${c.httpUrl}/api/mismatches?limit=1000`)).body.mismatches.length;
}

describe("stored mismatch examples", () => {
  it("redact the default and configured body paths before anything is written or served", async () => {
    collector = await startTestCollector({ examples: { redactBodyPaths: ["$.user.ssn"] } });
    client = new ReportClient(collector.grpcAddress);
    const gzipHeaders = [JSON_TYPE, { name: "content-encoding", value: "gzip" }];
    const secrets = ["HUNTER2-PRIMARY", "HUNTER2-SHADOW", "SSN-123-45-6789", "GZIP-TOKEN-SECRET", "CUT-API-KEY-SECRET", "PARTIAL-SECRET", "BROKEN-JSON-SECRET", "NESTED-SECRET"];
    const pairs = [
      // Both sides hold a password (they differ: the difference's previews must not show them) and a configured path.
      wirePair({
        id: "passwords",
        primary: answer('{"user":{"name":"ada","ssn":"SSN-123-45-6789","password":"HUNTER2-PRIMARY"},"n":12345678901234567890}'),
        targets: [shadowTarget(answer('{"user":{"name":"ada","ssn":"SSN-123-45-6789","password":"HUNTER2-SHADOW"},"n":12345678901234567891}'))],
      }),
      // A compressed body: decoded to be redacted.
      wirePair({
        id: "gzip",
        primary: answer(gzipSync('{"auth":{"token":"GZIP-TOKEN-SECRET"},"items":[{"secret":{"deep":"NESTED-SECRET"}}]}'), { headers: gzipHeaders }),
        targets: [shadowTarget(answer('{"auth":{"token":"x"},"items":[]}'))],
      }),
      // A body cut at the capture limit keeps what was read of it, redacted, up to the cut...
      wirePair({
        id: "cut",
        primary: answer('{"api_key":"CUT-API-KEY-SECRET","rest":', { truncated: true, body_size: 500 }),
        targets: [shadowTarget(answer('{"ok":true}', { status: 500 }))],
      }),
      // ...and a secret cut in half at the capture limit is left out whole.
      wirePair({
        id: "cut-in-secret",
        primary: answer('{"a":1,"password":"PARTIAL-SECR', { truncated: true, body_size: 500 }),
        targets: [shadowTarget(answer('{"ok":true}', { status: 500 }))],
      }),
      // Not JSON though it says so: its bytes and the difference's previews are withheld.
      wirePair({ id: "broken", primary: answer('{"password":"BROKEN-JSON-SECRET"'), targets: [shadowTarget(answer('{"password":"x"}'))] }),
    ];
    expect(await client.report(encodeBatch(pairs))).toEqual({ accepted: 5, dropped: 0 });
    const c = collector;
    await eventually(async () => expect(await storedCount(c)).toBe(5));

    const api = [(await fetch(`${c.httpUrl}/api/mismatches?limit=1000`)).text()];
    const list = (await getJson<{ mismatches: { id: number; pairId: string }[] }>(`${c.httpUrl}/api/mismatches`)).body.mismatches;
    const views = new Map<string, MismatchView>();
    for (const item of list) {
      const response = await fetch(`${c.httpUrl}/api/mismatches/${item.id}`);
      const text = await response.text();
      api.push(Promise.resolve(text));
      views.set(item.pairId, JSON.parse(text) as MismatchView);
    }
    const served = (await Promise.all(api)).join("\n");
    const written = databaseBytes(c).toString("latin1");
    for (const secret of secrets) {
      expect(served, secret).not.toContain(secret);
      expect(written, secret).not.toContain(secret);
    }

    const passwords = views.get("passwords") as MismatchView;
    expect(JSON.parse(passwords.primary.body)).toEqual({ user: { name: "ada", ssn: "[redacted]", password: "[redacted]" }, n: 12345678901234567890 });
    // Redaction keeps every other byte: the 20-digit number keeps its digits.
    expect(passwords.primary.body).toContain('"n":12345678901234567890');
    expect(passwords.comparison.body?.differences).toEqual([
      { path: "$.n", kind: "changed", primary: "12345678901234567890", shadow: "12345678901234567891" },
      { path: "$.user.password", kind: "changed", primary: "[redacted]", shadow: "[redacted]" },
    ]);
    expect(views.get("gzip")?.primary).toMatchObject({ bodyDecoded: true, bodyEncoding: "utf8" });
    expect(JSON.parse((views.get("gzip") as MismatchView).primary.body)).toEqual({ auth: { token: "[redacted]" }, items: [{ secret: "[redacted]" }] });
    expect(views.get("cut")?.primary).toMatchObject({ body: '{"api_key":"[redacted]","rest":', truncated: true });
    expect(views.get("cut-in-secret")?.primary).toMatchObject({ body: '{"a":1,"password":', truncated: true });
    expect(views.get("broken")?.primary.bodyWithheld).toMatch(/could not be redacted/);
    expect(views.get("broken")?.comparison.body?.differences[0]?.primary).toMatch(/^\[withheld/);
  });

  it("20 pairs with headers as large as the contract allows take a few MiB at most, not 141 MB", async () => {
    collector = await startTestCollector({ grpc: { maxMessageBytes: 4 * 1024 * 1024 } });
    client = new ReportClient(collector.grpcAddress);
    const headers = (side: string, count = 64) => Array.from({ length: count }, (_, i) => ({ name: `x-${side}-${i}`, value: `${side}${i}`.padEnd(8192, "h") }));
    const wide = (i: number) =>
      wirePair({
        id: `wide-${i}`,
        request_headers: headers("req"),
        primary: answer('{"a":1}', { headers: [JSON_TYPE, ...headers("p", 63)] }),
        targets: [shadowTarget(answer('{"a":2}', { headers: [JSON_TYPE, ...headers("s", 63)] }))],
      });
    for (let i = 0; i < 20; i += 2) expect(await client.report(encodeBatch([wide(i), wide(i + 1)]))).toEqual({ accepted: 2, dropped: 0 });
    const c = collector;
    await eventually(async () => expect(await storedCount(c)).toBe(20));
    // Each side's headers are kept up to 16 KiB; the rest is flagged as cut.
    const first = (await getJson<MismatchView>(`${c.httpUrl}/api/mismatches/1`)).body;
    expect(first.primary.headersCut).toBe(true);
    expect(JSON.stringify(first.primary.headers).length).toBeLessThan(20 * 1024);
    expect(databaseSize(c)).toBeLessThan(4 * 1024 * 1024);
  });
});

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
    const written = databaseBytes(collector).toString("latin1");
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
