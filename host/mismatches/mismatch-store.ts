import Database from "better-sqlite3";
import type { Logger } from "../log.js";
import type { MismatchDetail, MismatchRecord } from "./mismatch-record.js";

/** A stored mismatch: its record, its row id and when it was recorded. */
export interface StoredMismatch extends MismatchRecord {
  id: number;
  recordedAtMs: number;
}

/** What lists read: every column but the detail document. */
export type MismatchHeadline = Omit<StoredMismatch, "detail">;

/** The mismatch database could not be opened or written at start-up. */
export class MismatchStoreError extends Error {}

export interface RetentionBounds {
  maxCount: number;
  maxAgeHours: number;
}

export interface MismatchStoreOptions {
  now?: () => number;
  /** Told when an older file is migrated. */
  log?: Logger;
}

// The file's layout, numbered in SQLite's user_version. 0 with a `mismatch_examples` table is the
// first layout (everything in one JSON column), migrated in place the first time it is opened.
const SCHEMA_VERSION = 2;
const SCHEMA = `
  CREATE TABLE mismatches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at_ms INTEGER NOT NULL,
    pair_id TEXT NOT NULL,
    route TEXT NOT NULL,
    outcome TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    shadow_failure TEXT,
    summary TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX mismatches_route ON mismatches (route, id);
  CREATE INDEX mismatches_age ON mismatches (recorded_at_ms);
  PRAGMA user_version = ${SCHEMA_VERSION};
`;
const FROM_FIRST_LAYOUT = `
  INSERT INTO mismatches (id, recorded_at_ms, pair_id, route, outcome, method, path, shadow_failure, summary, detail)
    SELECT id, recorded_at_ms, pair_id, route, outcome,
           coalesce(json_extract(example, '$.method'), ''), coalesce(json_extract(example, '$.path'), ''),
           json_extract(example, '$.shadowFailure'), summary, example
    FROM mismatch_examples WHERE json_valid(example);
  -- Ids go on from where the old table's left off, so an id once given out never names another row.
  DELETE FROM sqlite_sequence WHERE name = 'mismatches';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'mismatches', seq FROM sqlite_sequence WHERE name = 'mismatch_examples';
  DROP TABLE mismatch_examples;
`;

const HEADLINE_COLUMNS = "id, recorded_at_ms, pair_id, route, outcome, method, path, shadow_failure, summary";

interface HeadlineRow {
  id: number;
  recorded_at_ms: number;
  pair_id: string;
  route: string;
  outcome: MismatchRecord["outcome"];
  method: string;
  path: string;
  shadow_failure: MismatchRecord["shadowFailure"];
  summary: string;
}

/** How often (in inserts) the count and age bounds are enforced; also at start-up. */
const PRUNE_EVERY = 50;

/**
 * Mismatches in one SQLite file, bounded by count and by age, kept across restarts. Opening
 * checks that the file is a database, is writable and is not locked, so each of those is an error
 * at start-up naming the file, not a failure on the first mismatch. Every statement is prepared
 * once, here.
 */
export class MismatchStore {
  private readonly db: Database.Database;
  private readonly statements: {
    insert: Database.Statement;
    byId: Database.Statement;
    newest: Database.Statement;
    newestOnRoute: Database.Statement;
    count: Database.Statement;
    deleteOlder: Database.Statement;
    deleteBeyondCount: Database.Statement;
  };
  private readonly now: () => number;
  private insertsSincePrune = 0;
  /** Inside batch(): records are added in one transaction, opened by the first of them. */
  private batching = false;

  constructor(
    path: string,
    private readonly bounds: RetentionBounds,
    options: MismatchStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: 1000 });
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      const check = db.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new Error(`integrity check failed: ${String(check)}`);
      // BEGIN IMMEDIATE also proves the file is writable and not locked by another process.
      db.exec("BEGIN IMMEDIATE");
      const migrated = bringUpToDate(db);
      db.exec("COMMIT");
      if (migrated !== undefined) options.log?.info("mismatch database migrated", { path, fromSchema: 1, toSchema: SCHEMA_VERSION, ...migrated });
      this.db = db;
      this.statements = {
        insert: db.prepare(
          "INSERT INTO mismatches (recorded_at_ms, pair_id, route, outcome, method, path, shadow_failure, summary, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        byId: db.prepare(`SELECT ${HEADLINE_COLUMNS}, detail FROM mismatches WHERE id = ?`),
        newest: db.prepare(`SELECT ${HEADLINE_COLUMNS} FROM mismatches ORDER BY id DESC LIMIT ?`),
        newestOnRoute: db.prepare(`SELECT ${HEADLINE_COLUMNS} FROM mismatches WHERE route = ? ORDER BY id DESC LIMIT ?`),
        count: db.prepare("SELECT count(*) AS n FROM mismatches"),
        deleteOlder: db.prepare("DELETE FROM mismatches WHERE recorded_at_ms < ?"),
        deleteBeyondCount: db.prepare("DELETE FROM mismatches WHERE id NOT IN (SELECT id FROM mismatches ORDER BY id DESC LIMIT ?)"),
      };
    } catch (error) {
      if (db?.inTransaction) db.exec("ROLLBACK");
      db?.close();
      throw new MismatchStoreError(`examples database "${path}" cannot be used: ${describe(error)}`);
    }
    this.prune();
  }

  /**
   * Runs `work`, committing every record it adds at once at the end: one commit per slice of
   * pairs rather than one per record (each commit is a write to the WAL file).
   */
  batch(work: () => void): void {
    if (this.batching) return work();
    this.batching = true;
    try {
      work();
    } finally {
      this.batching = false;
      this.commitOpenTransaction();
    }
  }

  private commitOpenTransaction(): void {
    if (!this.db.inTransaction) return;
    try {
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Stores a record; returns its id. */
  add(record: MismatchRecord): number {
    if (this.batching && !this.db.inTransaction) this.db.exec("BEGIN");
    const result = this.statements.insert.run(
      this.now(),
      record.pairId,
      record.route,
      record.outcome,
      record.method,
      record.path,
      record.shadowFailure,
      record.summary,
      JSON.stringify(record.detail),
    );
    if (++this.insertsSincePrune >= PRUNE_EVERY) this.prune();
    return Number(result.lastInsertRowid);
  }

  get(id: number): StoredMismatch | null {
    const row = this.statements.byId.get(id) as (HeadlineRow & { detail: string }) | undefined;
    if (!row) return null;
    return { ...headline(row), detail: JSON.parse(row.detail) as MismatchDetail };
  }

  /** Newest first; `route` filters when given. Reads no detail. */
  list(limit: number, route?: string): MismatchHeadline[] {
    const rows = (route === undefined ? this.statements.newest.all(limit) : this.statements.newestOnRoute.all(route, limit)) as HeadlineRow[];
    return rows.map(headline);
  }

  count(): number {
    return (this.statements.count.get() as { n: number }).n;
  }

  /** Deletes what is past the age bound, then the oldest beyond the count bound. */
  prune(): void {
    this.insertsSincePrune = 0;
    this.statements.deleteOlder.run(this.now() - this.bounds.maxAgeHours * 3_600_000);
    this.statements.deleteBeyondCount.run(this.bounds.maxCount);
  }

  close(): void {
    if (!this.db.open) return;
    this.prune();
    this.db.close();
  }
}

/** Creates or migrates the tables; returns what a migration did, if one ran. */
function bringUpToDate(db: Database.Database): { rows: number; rowsDropped: number } | undefined {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version === SCHEMA_VERSION) return undefined;
  if (version !== 0) throw new Error(`its schema version ${version} is not one this shadowdiff reads (${SCHEMA_VERSION}); it was written by another version`);
  const firstLayout = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mismatch_examples'").get() !== undefined;
  db.exec(SCHEMA);
  if (!firstLayout) return undefined;
  const before = (db.prepare("SELECT count(*) AS n FROM mismatch_examples").get() as { n: number }).n;
  db.exec(FROM_FIRST_LAYOUT);
  const rows = (db.prepare("SELECT count(*) AS n FROM mismatches").get() as { n: number }).n;
  return { rows, rowsDropped: before - rows };
}

function headline(row: HeadlineRow): MismatchHeadline {
  return {
    id: row.id,
    recordedAtMs: row.recorded_at_ms,
    pairId: row.pair_id,
    route: row.route,
    outcome: row.outcome,
    method: row.method,
    path: row.path,
    shadowFailure: row.shadow_failure,
    summary: row.summary,
  };
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  return code ? `${message} (${code})` : message;
}
