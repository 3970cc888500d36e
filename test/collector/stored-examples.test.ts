// What the collector keeps of mismatching pairs is bounded in bytes and holds no secret: checked
// on the database's own files, byte for byte, and on what the API serves.
import { existsSync, readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { MismatchView } from "../../host/mismatches/mismatch-view.js";
import { eventually } from "../../support/eventually.js";
import { encodeBatch, ReportClient, type WireResponse } from "../../support/report-client.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { shadowTarget, wirePair } from "../../support/wire-pairs.js";

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
