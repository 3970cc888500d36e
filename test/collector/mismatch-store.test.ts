import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BodyRedactor } from "../../host/mismatches/body-redaction.js";
import { mismatchRecord } from "../../host/mismatches/mismatch-record.js";
import { MismatchStoreError, MismatchStore } from "../../host/mismatches/mismatch-store.js";
import { mismatchListItem, mismatchView } from "../../host/mismatches/mismatch-view.js";
import { startCollector } from "../../host/collector.js";
import { createLogger, silentLogger } from "../../host/log.js";
import { compareFirst, comparator, pair, response } from "./fixtures.js";

const bodies = new BodyRedactor([]);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-store-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function mismatch(id: string) {
  const p = pair(response(`{"id":"${id}","price":1}`), response(`{"id":"${id}","price":2}`), { id });
  return { pair: p, comparison: compareFirst(comparator(), p) };
}

function record(id: string, route: string) {
  const { pair: p, comparison } = mismatch(id);
  return mismatchRecord(p, route, "shadow", p.targets[0]!, comparison, bodies);
}

describe("mismatch examples in SQLite", () => {
  it("commits the examples added in a batch together, when the batch ends", () => {
    const path = join(dir, "examples.db");
    const store = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    const reader = new Database(path, { readonly: true });
    const committed = () => (reader.prepare("SELECT count(*) AS n FROM mismatches").get() as { n: number }).n;
    let seenInside = -1;
    store.batch(() => {
      for (const id of ["b1", "b2", "b3"]) {
        const { pair: p, comparison } = mismatch(id);
        store.add(mismatchRecord(p, "/users/{id}", "shadow", p.targets[0]!, comparison, bodies));
      }
      seenInside = committed();
    });
    expect(seenInside).toBe(0);
    expect(committed()).toBe(3);
    expect(store.list(10).map((item) => item.pairId)).toEqual(["b3", "b2", "b1"]);
    reader.close();
    store.close();
  });

  it("stores both sides and the diff, and keeps them across a restart", () => {
    const path = join(dir, "examples.db");
    const store = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    const { pair: p, comparison } = mismatch("r1");
    const id = store.add(mismatchRecord(p, "/users/{id}", "shadow", p.targets[0]!, comparison, bodies));
    store.close();

    const reopened = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    const example = mismatchView(reopened.get(id)!);
    expect(example).toMatchObject({
      id,
      pairId: "r1",
      route: "/users/{id}",
      outcome: "mismatch",
      primary: { status: 200, body: '{"id":"r1","price":1}', bodyEncoding: "utf8" },
      shadow: { status: 200, body: '{"id":"r1","price":2}' },
      comparison: { body: { differences: [{ path: "$.price", kind: "changed", primary: "1", shadow: "2" }] } },
    });
    expect(reopened.list(10).map(mismatchListItem)).toEqual([expect.objectContaining({ id, pairId: "r1", summary: "changed $.price" })]);
    reopened.close();
  });

  it("keeps binary bodies as base64", () => {
    const store = new MismatchStore(":memory:", { maxCount: 10, maxAgeHours: 1 });
    const p = pair(response(Buffer.from([0xff, 0x00]), {}, "image/png"), response(Buffer.from([0xfe]), {}, "image/png"));
    const id = store.add(mismatchRecord(p, "/img", "shadow", p.targets[0]!, compareFirst(comparator(), p), bodies));
    expect(store.get(id)?.detail.primary).toMatchObject({ body: "/wA=", bodyEncoding: "base64" });
    store.close();
  });

  it("keeps a request body, redacted, across a restart, and counts its bytes", () => {
    const path = join(dir, "request-body.db");
    const store = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    const { pair: p, comparison } = mismatch("post-1");
    const withBody = { ...p, method: "POST", requestBody: { body: Buffer.from('{"password":"P4SS","qty":3}'), bodySize: 27, truncated: false } };
    const withoutBody = store.add(mismatchRecord(p, "/orders", "shadow", p.targets[0]!, comparison, bodies));
    const bytesWithout = store.storedBytes;
    const id = store.add(mismatchRecord(withBody, "/orders", "shadow", p.targets[0]!, comparison, bodies));
    // The second row is the first plus its request body (and one more character of its method).
    expect(store.storedBytes - bytesWithout - bytesWithout).toBeGreaterThanOrEqual('{"password":"[redacted]","qty":3}'.length);
    store.close();

    const reopened = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    expect(reopened.get(withoutBody)?.detail.requestBody).toBeUndefined();
    expect(mismatchView(reopened.get(id)!).requestBody).toEqual({
      body: '{"password":"[redacted]","qty":3}',
      bodyEncoding: "utf8",
      storedBytes: 33,
      bodyRedacted: true,
      bodySize: 27,
      truncated: false,
    });
    reopened.close();
  });

  it("keeps at most maxCount, newest first", () => {
    const store = new MismatchStore(join(dir, "count.db"), { maxCount: 5, maxAgeHours: 1 });
    for (let i = 0; i < 120; i++) {
      const { pair: p, comparison } = mismatch(`r${i}`);
      store.add(mismatchRecord(p, i % 2 === 0 ? "/even" : "/odd", "shadow", p.targets[0]!, comparison, bodies));
    }
    store.prune();
    expect(store.count()).toBe(5);
    expect(store.list(100).map((item) => item.pairId)).toEqual(["r119", "r118", "r117", "r116", "r115"]);
    expect(store.list(100, "/odd").map((item) => item.pairId)).toEqual(["r119", "r117", "r115"]);
    store.close();
  });

  it("drops examples older than maxAgeHours, also at start-up", () => {
    const path = join(dir, "age.db");
    let now = 1_000_000_000_000;
    const store = new MismatchStore(path, { maxCount: 100, maxAgeHours: 1 }, { now: () => now });
    store.add(record("old", "/a"));
    now += 30 * 60_000;
    store.add(record("newer", "/a"));
    store.close();
    now += 45 * 60_000;
    const reopened = new MismatchStore(path, { maxCount: 100, maxAgeHours: 1 }, { now: () => now });
    expect(reopened.list(10).map((item) => item.pairId)).toEqual(["newer"]);
    reopened.close();
  });

  it("a corrupt file is an error at start-up naming the file", () => {
    const path = join(dir, "corrupt.db");
    writeFileSync(path, "this is not a database, just some text that is long enough".repeat(100));
    expect(() => new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 })).toThrow(MismatchStoreError);
    expect(() => new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 })).toThrow(/examples database ".*corrupt\.db" cannot be used: file is not a database/);
  });

  it("an unwritable location is an error at start-up naming the file", () => {
    const path = join(dir, "missing-directory", "examples.db");
    expect(() => new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 })).toThrow(/examples database ".*examples\.db" cannot be used: Cannot open database because the directory does not exist/);
    const directory = join(dir, "a-directory");
    mkdirSync(directory);
    expect(() => new MismatchStore(directory, { maxCount: 1, maxAgeHours: 1 })).toThrow(MismatchStoreError);
  });

  it("a file locked by another process is an error at start-up", () => {
    const path = join(dir, "locked.db");
    new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 }).close();
    const other = new Database(path);
    other.pragma("locking_mode = EXCLUSIVE");
    other.exec("BEGIN EXCLUSIVE");
    try {
      expect(() => new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 })).toThrow(/examples database ".*locked\.db" cannot be used: database is locked/);
    } finally {
      other.exec("COMMIT");
      other.close();
    }
  });

  it("startCollector refuses to start on a bad database", async () => {
    const path = join(dir, "corrupt.db");
    writeFileSync(path, "garbage".repeat(1000));
    await expect(
      startCollector({ grpc: { address: "127.0.0.1:0" }, http: { address: "127.0.0.1:0" }, examples: { path } }, { log: silentLogger }),
    ).rejects.toThrow(MismatchStoreError);
  });

  it("migrates a file of the first layout (one JSON column) in place, keeping every example and its id", () => {
    const path = join(dir, "first-layout.db");
    const { pair: p, comparison } = mismatch("old-1");
    const record = mismatchRecord(p, "/users/{id}", "shadow", p.targets[0]!, comparison, bodies);
    const firstLayout = { pairId: p.id, route: record.route, outcome: record.outcome, method: p.method, authority: p.authority, path: p.path, proxyId: p.proxyId, configVersion: p.configVersion, requestHeaders: p.requestHeaders, primary: record.detail.primary, shadow: record.detail.shadow, shadowFailure: null, comparison };
    const old = new Database(path);
    old.exec(`
      CREATE TABLE mismatch_examples (id INTEGER PRIMARY KEY AUTOINCREMENT, pair_id TEXT NOT NULL, route TEXT NOT NULL, outcome TEXT NOT NULL,
        recorded_at_ms INTEGER NOT NULL, summary TEXT NOT NULL, example TEXT NOT NULL);
      CREATE INDEX mismatch_examples_route ON mismatch_examples (route, id);
      CREATE INDEX mismatch_examples_age ON mismatch_examples (recorded_at_ms);
    `);
    const insert = old.prepare("INSERT INTO mismatch_examples (id, pair_id, route, outcome, recorded_at_ms, summary, example) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const recordedAt = Date.now() - 60_000;
    insert.run(7, p.id, record.route, record.outcome, recordedAt, record.summary, JSON.stringify(firstLayout));
    insert.run(8, "broken", "/x", "mismatch", recordedAt, "", "{not json");
    old.close();

    const logLines: string[] = [];
    const store = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 }, { log: createLogger((line) => logLines.push(line)) });
    expect(logLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ msg: "mismatch database migrated", path, fromSchema: 1, toSchema: 4, rows: 1, rowsDropped: 1 }),
    ]);
    // Examples kept before request bodies, trace ids, secondaries and gRPC calls were have none of them.
    expect(mismatchView(store.get(7)!)).toEqual({ id: 7, recordedAt: new Date(recordedAt).toISOString(), target: "", requestBody: null, traceId: null, traceUrl: null, secondary: null, grpc: null, ...firstLayout });
    expect(store.list(10).map(mismatchListItem)).toEqual([
      { id: 7, pairId: "old-1", route: "/users/{id}", target: "", outcome: "mismatch", recordedAt: new Date(recordedAt).toISOString(), method: "GET", path: "/users/42", shadowFailure: null, summary: "changed $.price" },
    ]);
    expect(store.add(record)).toBe(9);
    store.close();
    // Opened again, it is already up to date: nothing more to log.
    logLines.length = 0;
    new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 }, { log: createLogger((line) => logLines.push(line)) }).close();
    expect(logLines).toEqual([]);
  });

  it("migrates a file of the second layout (no bytes column) in place, counting its examples' bytes", () => {
    const path = join(dir, "second-layout.db");
    const { pair: p, comparison } = mismatch("old-2");
    const record = mismatchRecord(p, "/users/{id}", "shadow", p.targets[0]!, comparison, bodies);
    const old = new Database(path);
    old.exec(`
      CREATE TABLE mismatches (id INTEGER PRIMARY KEY AUTOINCREMENT, recorded_at_ms INTEGER NOT NULL, pair_id TEXT NOT NULL, route TEXT NOT NULL,
        outcome TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, shadow_failure TEXT, summary TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE INDEX mismatches_route ON mismatches (route, id);
      CREATE INDEX mismatches_age ON mismatches (recorded_at_ms);
      PRAGMA user_version = 2;
    `);
    old.prepare("INSERT INTO mismatches (id, recorded_at_ms, pair_id, route, outcome, method, path, shadow_failure, summary, detail) VALUES (4, ?, ?, ?, ?, ?, ?, NULL, ?, ?)")
      .run(Date.now(), p.id, record.route, record.outcome, p.method, p.path, record.summary, JSON.stringify(record.detail));
    old.close();
    const logLines: string[] = [];
    const store = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 }, { log: createLogger((line) => logLines.push(line)) });
    expect(logLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ msg: "mismatch database migrated", fromSchema: 2, toSchema: 4, rows: 1, rowsDropped: 0 }),
    ]);
    const detailBytes = Buffer.byteLength(JSON.stringify(record.detail));
    expect(store.storedBytes).toBeGreaterThan(detailBytes);
    expect(store.get(4)?.pairId).toBe("old-2");
    expect(store.add(record)).toBe(5);
    expect(store.storedBytes).toBeGreaterThan(2 * detailBytes);
    store.close();
  });

  it("keeps the examples within maxBytes, deleting the oldest, and counts them across a restart", () => {
    const path = join(dir, "examples.db");
    const bounds = { maxCount: 1000, maxAgeHours: 1, maxBytes: 1024 * 1024 };
    const store = new MismatchStore(path, bounds);
    const big = (id: string) => {
      const body = (price: number) => JSON.stringify({ id, price, blob: "x".repeat(60_000) });
      const p = pair(response(body(1)), response(body(2)), { id });
      return mismatchRecord(p, "/big", "shadow", p.targets[0]!, compareFirst(comparator(), p), bodies);
    };
    for (let i = 0; i < 40; i++) store.add(big(`big-${i}`));
    expect(store.storedBytes).toBeLessThanOrEqual(bounds.maxBytes);
    const kept = store.list(1000).map((item) => item.pairId);
    expect(kept[0]).toBe("big-39");
    expect(kept.length).toBeGreaterThan(4);
    expect(kept.length).toBeLessThan(40);
    store.close();
    const reopened = new MismatchStore(path, bounds);
    expect(reopened.storedBytes).toBeLessThanOrEqual(bounds.maxBytes);
    expect(reopened.list(1000)).toHaveLength(kept.length);
    reopened.close();
  });

  describe("an example deleted by retention leaves no readable bytes in the database file or its WAL", () => {
    const MARKER = "hunter2-deleted-marker";
    /** An example whose body, pair id and path hold the marker: small (in its page) or large (overflow pages). */
    const marked = (size: number) => {
      const body = (price: number) => JSON.stringify({ note: MARKER, price, pad: "m".repeat(size) });
      const p = pair(response(body(1)), response(body(2)), { id: `${MARKER}-pair`, path: `/users/${MARKER}` });
      return mismatchRecord(p, "/users/{id}", "shadow", p.targets[0]!, compareFirst(comparator(), p), bodies);
    };
    const bytesOnDisk = (path: string): string =>
      [path, `${path}-wal`].map((file) => (existsSync(file) ? readFileSync(file).toString("latin1") : "")).join("");

    it.each([
      ["maxCount", 100, { maxCount: 3, maxAgeHours: 1 }],
      ["maxCount", 60_000, { maxCount: 3, maxAgeHours: 1 }],
      ["maxBytes", 60_000, { maxCount: 1000, maxAgeHours: 1, maxBytes: 1024 * 1024 }],
      ["maxAgeHours", 100, { maxCount: 1000, maxAgeHours: 1 }],
      ["maxAgeHours", 60_000, { maxCount: 1000, maxAgeHours: 1 }],
    ])("past %s, with a body of %i bytes, while the collector runs and after it stops", (_bound, size, bounds) => {
      const path = join(dir, "examples.db");
      let now = 1_000_000_000_000;
      const store = new MismatchStore(path, bounds, { now: () => now });
      store.batch(() => store.add(marked(size)));
      expect(bytesOnDisk(path)).toContain(MARKER);
      now += 2 * 3_600_000;
      // As the collector adds them: a slice of pairs at a time, each slice one transaction.
      for (let slice = 0; slice < 4; slice++) {
        store.batch(() => {
          for (let i = 0; i < 20; i++) store.add(big(`after-${slice}-${i}`));
        });
      }
      expect(store.list(1000).map((item) => item.pairId)).not.toContain(`${MARKER}-pair`);
      expect(bytesOnDisk(path)).not.toContain(MARKER);
      store.close();
      expect(bytesOnDisk(path)).not.toContain(MARKER);
    });

    /** Examples of 60 KB without the marker, enough to pass every bound above. */
    function big(id: string) {
      const body = (price: number) => JSON.stringify({ id, price, blob: "x".repeat(60_000) });
      const p = pair(response(body(1)), response(body(2)), { id });
      return mismatchRecord(p, "/big", "shadow", p.targets[0]!, compareFirst(comparator(), p), bodies);
    }
  });

  it("lists from the columns alone: a row whose detail cannot be read still lists", () => {
    const path = join(dir, "examples.db");
    const store = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    const id = store.add(record("listed", "/users/{id}"));
    store.close();
    const raw = new Database(path);
    raw.prepare("UPDATE mismatches SET detail = '{not json' WHERE id = ?").run(id);
    raw.close();
    const reopened = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    expect(reopened.list(10).map((item) => item.pairId)).toEqual(["listed"]);
    expect(() => reopened.get(id)).toThrow(SyntaxError);
    reopened.close();
  });

  it("a file from a layout this version does not know is an error at start-up naming the file", () => {
    const path = join(dir, "future.db");
    const future = new Database(path);
    future.pragma("user_version = 7");
    future.close();
    expect(() => new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 })).toThrow(
      /examples database ".*future\.db" cannot be used: its schema version 7 is not one this shadowdiff reads \(4\)/,
    );
  });
});
