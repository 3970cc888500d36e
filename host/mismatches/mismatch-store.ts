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
  /** Bytes the examples may take (their text as stored); none when left out. */
  maxBytes?: number;
}

export interface MismatchStoreOptions {
  now?: () => number;
  /** Told when an older file is migrated. */
  log?: Logger;
}

// The file's layout, numbered in SQLite's user_version. 0 with a `mismatch_examples` table is the
// first layout (everything in one JSON column), 2 the layout without the `bytes` column, 3 the
// layout without the `target` column; each is migrated in place the first time it is opened.
const SCHEMA_VERSION = 4;
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
    bytes INTEGER NOT NULL,
    detail TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX mismatches_route ON mismatches (route, id);
  CREATE INDEX mismatches_age ON mismatches (recorded_at_ms);
  PRAGMA user_version = ${SCHEMA_VERSION};
`;
const FROM_FIRST_LAYOUT = `
  INSERT INTO mismatches (id, recorded_at_ms, pair_id, route, outcome, method, path, shadow_failure, summary, bytes, detail)
    SELECT id, recorded_at_ms, pair_id, route, outcome,
           coalesce(json_extract(example, '$.method'), ''), coalesce(json_extract(example, '$.path'), ''),
           json_extract(example, '$.shadowFailure'), summary, 0, example
    FROM mismatch_examples WHERE json_valid(example);
  -- Ids go on from where the old table's left off, so an id once given out never names another row.
  DELETE FROM sqlite_sequence WHERE name = 'mismatches';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'mismatches', seq FROM sqlite_sequence WHERE name = 'mismatch_examples';
  DROP TABLE mismatch_examples;
`;

// Layout 2 had no bytes column; it is added (at the end, where ALTER TABLE puts it).
const FROM_SECOND_LAYOUT = `
  ALTER TABLE mismatches ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
`;
// Layout 3 had no target column: its examples are of the single shadow, whose name was never sent.
const FROM_THIRD_LAYOUT = `
  ALTER TABLE mismatches ADD COLUMN target TEXT NOT NULL DEFAULT '';
  PRAGMA user_version = ${SCHEMA_VERSION};
`;
/** A row's bytes: the UTF-8 size of its text, plus a little for the rest. */
const ROW_OVERHEAD_BYTES = 64;
const SET_ROW_BYTES = `UPDATE mismatches SET bytes = ${ROW_OVERHEAD_BYTES} + length(CAST(pair_id AS BLOB)) + length(CAST(route AS BLOB))
  + length(CAST(target AS BLOB)) + length(CAST(path AS BLOB)) + length(CAST(summary AS BLOB)) + length(CAST(detail AS BLOB))`;

const HEADLINE_COLUMNS = "id, recorded_at_ms, pair_id, route, target, outcome, method, path, shadow_failure, summary";

interface HeadlineRow {
  id: number;
  recorded_at_ms: number;
  pair_id: string;
  route: string;
  target: string;
  outcome: MismatchRecord["outcome"];
  method: string;
  path: string;
  shadow_failure: MismatchRecord["shadowFailure"];
  summary: string;
}

/** How often (in inserts) the count and age bounds are enforced; also at start-up. The byte bound holds at every insert. */
const PRUNE_EVERY = 50;
const WAL_LIMIT_BYTES = 4 * 1024 * 1024;

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
    newestOfTarget: Database.Statement;
    newestOnRouteOfTarget: Database.Statement;
    count: Database.Statement;
    totalBytes: Database.Statement;
    deleteOlder: Database.Statement;
    deleteBeyondCount: Database.Statement;
    oldest: Database.Statement;
    deleteUpTo: Database.Statement;
  };
  /** The bytes of every row, kept up to date with each insert and delete. */
  private bytes = 0;
  private readonly now: () => number;
  private insertsSincePrune = 0;
  /** Inside batch(): records are added in one transaction, opened by the first of them. */
  private batching = false;
  /** Rows were deleted since the write-ahead log was last emptied. */
  private deletedSinceWipe = false;

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
      // The write-ahead log is cut back to this after each checkpoint, so it stays small on disk.
      db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
      // Deleted examples hold request paths and bodies: their bytes are overwritten with zeros,
      // not left in free pages (see wipeDeleted for the write-ahead log).
      db.pragma("secure_delete = ON");
      const check = db.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new Error(`integrity check failed: ${String(check)}`);
      // BEGIN IMMEDIATE also proves the file is writable and not locked by another process.
      db.exec("BEGIN IMMEDIATE");
      const migrated = bringUpToDate(db);
      db.exec("COMMIT");
      if (migrated !== undefined) options.log?.info("mismatch database migrated", { path, toSchema: SCHEMA_VERSION, ...migrated });
      this.db = db;
      this.statements = {
        insert: db.prepare(
          "INSERT INTO mismatches (recorded_at_ms, pair_id, route, target, outcome, method, path, shadow_failure, summary, bytes, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        byId: db.prepare(`SELECT ${HEADLINE_COLUMNS}, detail FROM mismatches WHERE id = ?`),
        newest: db.prepare(`SELECT ${HEADLINE_COLUMNS} FROM mismatches ORDER BY id DESC LIMIT ?`),
        newestOnRoute: db.prepare(`SELECT ${HEADLINE_COLUMNS} FROM mismatches WHERE route = ? ORDER BY id DESC LIMIT ?`),
        newestOfTarget: db.prepare(`SELECT ${HEADLINE_COLUMNS} FROM mismatches WHERE target = ? ORDER BY id DESC LIMIT ?`),
        newestOnRouteOfTarget: db.prepare(`SELECT ${HEADLINE_COLUMNS} FROM mismatches WHERE route = ? AND target = ? ORDER BY id DESC LIMIT ?`),
        count: db.prepare("SELECT count(*) AS n FROM mismatches"),
        totalBytes: db.prepare("SELECT coalesce(sum(bytes), 0) AS n FROM mismatches"),
        deleteOlder: db.prepare("DELETE FROM mismatches WHERE recorded_at_ms < ? RETURNING bytes"),
        deleteBeyondCount: db.prepare("DELETE FROM mismatches WHERE id NOT IN (SELECT id FROM mismatches ORDER BY id DESC LIMIT ?) RETURNING bytes"),
        oldest: db.prepare("SELECT id, bytes FROM mismatches ORDER BY id"),
        deleteUpTo: db.prepare("DELETE FROM mismatches WHERE id <= ?"),
      };
      this.bytes = (this.statements.totalBytes.get() as { n: number }).n;
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
      this.wipeDeleted();
    }
  }

  /**
   * Once rows were deleted and committed: secure_delete zeroed them in the pages it wrote to the
   * write-ahead log, but the log still holds the frames that wrote them, and the database file
   * their copy from the last checkpoint. A checkpoint that truncates the log moves the zeroed
   * pages into the file and leaves no old frame behind.
   */
  private wipeDeleted(): void {
    if (!this.deletedSinceWipe || this.db.inTransaction) return;
    this.deletedSinceWipe = false;
    this.db.pragma("wal_checkpoint(TRUNCATE)");
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
    const detail = JSON.stringify(record.detail);
    const bytes =
      ROW_OVERHEAD_BYTES +
      Buffer.byteLength(record.pairId) +
      Buffer.byteLength(record.route) +
      Buffer.byteLength(record.target) +
      Buffer.byteLength(record.path) +
      Buffer.byteLength(record.summary) +
      Buffer.byteLength(detail);
    const result = this.statements.insert.run(this.now(), record.pairId, record.route, record.target, record.outcome, record.method, record.path, record.shadowFailure, record.summary, bytes, detail);
    this.bytes += bytes;
    if (++this.insertsSincePrune >= PRUNE_EVERY) this.prune();
    else this.pruneBytes();
    this.wipeDeleted();
    return Number(result.lastInsertRowid);
  }

  /** Bytes the examples take, as counted for examples.maxBytes. */
  get storedBytes(): number {
    return this.bytes;
  }

  get(id: number): StoredMismatch | null {
    const row = this.statements.byId.get(id) as (HeadlineRow & { detail: string }) | undefined;
    if (!row) return null;
    return { ...headline(row), detail: JSON.parse(row.detail) as MismatchDetail };
  }

  /** Newest first; `route` and `target` filter when given. Reads no detail. */
  list(limit: number, route?: string, target?: string): MismatchHeadline[] {
    const { newest, newestOnRoute, newestOfTarget, newestOnRouteOfTarget } = this.statements;
    const rows = (
      route === undefined
        ? target === undefined
          ? newest.all(limit)
          : newestOfTarget.all(target, limit)
        : target === undefined
          ? newestOnRoute.all(route, limit)
          : newestOnRouteOfTarget.all(route, target, limit)
    ) as HeadlineRow[];
    return rows.map(headline);
  }

  count(): number {
    return (this.statements.count.get() as { n: number }).n;
  }

  /** Deletes what is past the age bound, then the oldest beyond the count bound and the byte bound. */
  prune(): void {
    this.insertsSincePrune = 0;
    this.forget(this.statements.deleteOlder.all(this.now() - this.bounds.maxAgeHours * 3_600_000) as { bytes: number }[]);
    this.forget(this.statements.deleteBeyondCount.all(this.bounds.maxCount) as { bytes: number }[]);
    this.pruneBytes();
    this.wipeDeleted();
  }

  private forget(deleted: readonly { bytes: number }[]): void {
    if (deleted.length > 0) this.deletedSinceWipe = true;
    for (const row of deleted) this.bytes -= row.bytes;
  }

  /** Past examples.maxBytes, deletes the oldest examples until a tenth of it is free again. */
  private pruneBytes(): void {
    const { maxBytes } = this.bounds;
    if (maxBytes === undefined || this.bytes <= maxBytes) return;
    const target = maxBytes * 0.9;
    let lastId: number | undefined;
    for (const row of this.statements.oldest.iterate() as IterableIterator<{ id: number; bytes: number }>) {
      if (this.bytes <= target) break;
      this.bytes -= row.bytes;
      lastId = row.id;
    }
    if (lastId !== undefined) {
      this.statements.deleteUpTo.run(lastId);
      this.deletedSinceWipe = true;
    }
  }

  close(): void {
    if (!this.db.open) return;
    this.prune();
    this.db.close();
  }
}

/** Creates or migrates the tables; returns what a migration did, if one ran. */
function bringUpToDate(db: Database.Database): { fromSchema: number; rows: number; rowsDropped: number } | undefined {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version === SCHEMA_VERSION) return undefined;
  const rowCount = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  if (version === 2 || version === 3) {
    if (version === 2) db.exec(FROM_SECOND_LAYOUT);
    db.exec(FROM_THIRD_LAYOUT);
    db.exec(SET_ROW_BYTES);
    return { fromSchema: version, rows: rowCount("mismatches"), rowsDropped: 0 };
  }
  if (version !== 0) throw new Error(`its schema version ${version} is not one this shadowdiff reads (${SCHEMA_VERSION}); it was written by another version`);
  const firstLayout = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mismatch_examples'").get() !== undefined;
  db.exec(SCHEMA);
  if (!firstLayout) return undefined;
  const before = rowCount("mismatch_examples");
  db.exec(FROM_FIRST_LAYOUT);
  db.exec(SET_ROW_BYTES);
  const rows = rowCount("mismatches");
  return { fromSchema: 1, rows, rowsDropped: before - rows };
}

function headline(row: HeadlineRow): MismatchHeadline {
  return {
    id: row.id,
    recordedAtMs: row.recorded_at_ms,
    pairId: row.pair_id,
    route: row.route,
    target: row.target,
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
