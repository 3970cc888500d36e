import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExampleStoreError, MismatchStore } from "../../host/examples/mismatch-store.js";
import { startCollector } from "../../host/collector.js";
import { silentLogger } from "../../host/log.js";
import { comparator, pair, response } from "./fixtures.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-store-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function mismatch(id: string) {
  const p = pair(response(`{"id":"${id}","price":1}`), response(`{"id":"${id}","price":2}`), { id });
  return { pair: p, comparison: comparator().compare(p) };
}

describe("mismatch examples in SQLite", () => {
  it("commits the examples added in a batch together, when the batch ends", () => {
    const path = join(dir, "examples.db");
    const store = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    const reader = new Database(path, { readonly: true });
    const committed = () => (reader.prepare("SELECT count(*) AS n FROM mismatch_examples").get() as { n: number }).n;
    let seenInside = -1;
    store.batch(() => {
      for (const id of ["b1", "b2", "b3"]) {
        const { pair: p, comparison } = mismatch(id);
        store.add(p, "/users/{id}", comparison);
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
    const id = store.add(p, "/users/{id}", comparison);
    store.close();

    const reopened = new MismatchStore(path, { maxCount: 10, maxAgeHours: 1 });
    const example = reopened.get(id);
    expect(example).toMatchObject({
      id,
      pairId: "r1",
      route: "/users/{id}",
      outcome: "mismatch",
      primary: { status: 200, body: '{"id":"r1","price":1}', bodyEncoding: "utf8" },
      shadow: { status: 200, body: '{"id":"r1","price":2}' },
      comparison: { body: { differences: [{ path: "$.price", kind: "changed", primary: "1", shadow: "2" }] } },
    });
    expect(reopened.list(10)).toEqual([expect.objectContaining({ id, pairId: "r1", summary: "changed $.price" })]);
    reopened.close();
  });

  it("keeps binary bodies as base64", () => {
    const store = new MismatchStore(":memory:", { maxCount: 10, maxAgeHours: 1 });
    const p = pair(response(Buffer.from([0xff, 0x00]), {}, "image/png"), response(Buffer.from([0xfe]), {}, "image/png"));
    const id = store.add(p, "/img", comparator().compare(p));
    expect(store.get(id)?.primary).toMatchObject({ body: "/wA=", bodyEncoding: "base64" });
    store.close();
  });

  it("keeps at most maxCount, newest first", () => {
    const store = new MismatchStore(join(dir, "count.db"), { maxCount: 5, maxAgeHours: 1 });
    for (let i = 0; i < 120; i++) {
      const { pair: p, comparison } = mismatch(`r${i}`);
      store.add(p, i % 2 === 0 ? "/even" : "/odd", comparison);
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
    const store = new MismatchStore(path, { maxCount: 100, maxAgeHours: 1 }, () => now);
    store.add(mismatch("old").pair, "/a", mismatch("old").comparison);
    now += 30 * 60_000;
    store.add(mismatch("newer").pair, "/a", mismatch("newer").comparison);
    store.close();
    now += 45 * 60_000;
    const reopened = new MismatchStore(path, { maxCount: 100, maxAgeHours: 1 }, () => now);
    expect(reopened.list(10).map((item) => item.pairId)).toEqual(["newer"]);
    reopened.close();
  });

  it("a corrupt file is an error at start-up naming the file", () => {
    const path = join(dir, "corrupt.db");
    writeFileSync(path, "this is not a database, just some text that is long enough".repeat(100));
    expect(() => new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 })).toThrow(ExampleStoreError);
    expect(() => new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 })).toThrow(/examples database ".*corrupt\.db" cannot be used: file is not a database/);
  });

  it("an unwritable location is an error at start-up naming the file", () => {
    const path = join(dir, "missing-directory", "examples.db");
    expect(() => new MismatchStore(path, { maxCount: 1, maxAgeHours: 1 })).toThrow(/examples database ".*examples\.db" cannot be used: Cannot open database because the directory does not exist/);
    const directory = join(dir, "a-directory");
    mkdirSync(directory);
    expect(() => new MismatchStore(directory, { maxCount: 1, maxAgeHours: 1 })).toThrow(ExampleStoreError);
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
    ).rejects.toThrow(ExampleStoreError);
  });
});
