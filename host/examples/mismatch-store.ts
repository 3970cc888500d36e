import { isUtf8 } from "node:buffer";
import Database from "better-sqlite3";
import type { CapturedResponse, Header, Pair } from "../capture/pair.js";
import type { Comparison } from "../compare/comparison.js";

/** A stored mismatch (or inconclusive pair) as the HTTP API returns it. */
export interface StoredExample {
  id: number;
  pairId: string;
  route: string;
  outcome: string;
  recordedAt: string;
  method: string;
  authority: string;
  path: string;
  proxyId: string;
  configVersion: string;
  requestHeaders: Header[];
  primary: StoredResponse;
  shadow: StoredResponse | null;
  shadowFailure: string | null;
  comparison: Comparison;
}

export interface StoredResponse {
  status: number;
  headers: Header[];
  /** UTF-8 text when the bytes are valid UTF-8, else base64 (see bodyEncoding). */
  body: string;
  bodyEncoding: "utf8" | "base64";
  /** Bytes of the captured body kept here (at most 64 KiB per side, to bound the file). */
  storedBytes: number;
  bodySize: number;
  truncated: boolean;
  latencySeconds: number;
}

export type ExampleListItem = Pick<StoredExample, "id" | "pairId" | "route" | "outcome" | "recordedAt" | "method" | "path" | "shadowFailure"> & {
  summary: string;
};

/** The examples database could not be opened or written at start-up. */
export class ExampleStoreError extends Error {}

export interface RetentionBounds {
  maxCount: number;
  maxAgeHours: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS mismatch_examples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pair_id TEXT NOT NULL,
    route TEXT NOT NULL,
    outcome TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    summary TEXT NOT NULL,
    example TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS mismatch_examples_route ON mismatch_examples (route, id);
  CREATE INDEX IF NOT EXISTS mismatch_examples_age ON mismatch_examples (recorded_at_ms);
`;

const STORED_BODY_BYTES = 64 * 1024;

/** How often (in inserts) the count and age bounds are enforced; also at start-up. */
const PRUNE_EVERY = 50;

/**
 * Mismatch examples in one SQLite file, bounded by count and by age, kept across restarts.
 * Opening checks that the file is a database, is writable and is not locked, so each of those is
 * an error at start-up naming the file, not a failure on the first mismatch.
 */
export class MismatchStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly byId: Database.Statement;
  private insertsSincePrune = 0;
  /** Inside batch(): examples are added in one transaction, opened by the first of them. */
  private batching = false;

  constructor(
    private readonly path: string,
    private readonly bounds: RetentionBounds,
    private readonly now: () => number = Date.now,
  ) {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: 1000 });
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      const check = db.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new Error(`integrity check failed: ${String(check)}`);
      db.exec(SCHEMA);
      // A write at start-up proves the file is writable and not locked by another process.
      db.exec("BEGIN IMMEDIATE; COMMIT;");
      this.db = db;
    } catch (error) {
      db?.close();
      throw new ExampleStoreError(`examples database "${path}" cannot be used: ${describe(error)}`);
    }
    this.insert = this.db.prepare(
      "INSERT INTO mismatch_examples (pair_id, route, outcome, recorded_at_ms, summary, example) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.byId = this.db.prepare("SELECT id, recorded_at_ms, example FROM mismatch_examples WHERE id = ?");
    this.prune();
  }

  /**
   * Runs `work`, committing every example it adds at once at the end: one commit per slice of
   * pairs rather than one per example (each commit is a write to the WAL file).
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

  add(pair: Pair, route: string, comparison: Comparison): number {
    if (this.batching && !this.db.inTransaction) this.db.exec("BEGIN");
    const example = {
      pairId: pair.id,
      route,
      outcome: comparison.outcome,
      method: pair.method,
      authority: pair.authority,
      path: pair.path,
      proxyId: pair.proxyId,
      configVersion: pair.configVersion,
      requestHeaders: pair.requestHeaders,
      primary: storedResponse(pair.primary),
      shadow: pair.shadow ? storedResponse(pair.shadow) : null,
      shadowFailure: pair.shadowFailure,
      comparison,
    };
    const result = this.insert.run(pair.id, route, comparison.outcome, this.now(), summarize(comparison), JSON.stringify(example));
    if (++this.insertsSincePrune >= PRUNE_EVERY) this.prune();
    return Number(result.lastInsertRowid);
  }

  get(id: number): StoredExample | null {
    const row = this.byId.get(id) as { id: number; recorded_at_ms: number; example: string } | undefined;
    if (!row) return null;
    return { id: row.id, recordedAt: new Date(row.recorded_at_ms).toISOString(), ...JSON.parse(row.example) } as StoredExample;
  }

  /** Newest first; `route` filters when given. */
  list(limit: number, route?: string): ExampleListItem[] {
    const rows = (
      route === undefined
        ? this.db.prepare("SELECT id, pair_id, route, outcome, recorded_at_ms, summary, example FROM mismatch_examples ORDER BY id DESC LIMIT ?").all(limit)
        : this.db
            .prepare("SELECT id, pair_id, route, outcome, recorded_at_ms, summary, example FROM mismatch_examples WHERE route = ? ORDER BY id DESC LIMIT ?")
            .all(route, limit)
    ) as { id: number; pair_id: string; route: string; outcome: string; recorded_at_ms: number; summary: string; example: string }[];
    return rows.map((row) => {
      const example = JSON.parse(row.example) as StoredExample;
      return {
        id: row.id,
        pairId: row.pair_id,
        route: row.route,
        outcome: row.outcome,
        recordedAt: new Date(row.recorded_at_ms).toISOString(),
        method: example.method,
        path: example.path,
        shadowFailure: example.shadowFailure,
        summary: row.summary,
      };
    });
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM mismatch_examples").get() as { n: number }).n;
  }

  /** Deletes what is past the age bound, then the oldest beyond the count bound. */
  prune(): void {
    this.insertsSincePrune = 0;
    const oldest = this.now() - this.bounds.maxAgeHours * 3_600_000;
    this.db.prepare("DELETE FROM mismatch_examples WHERE recorded_at_ms < ?").run(oldest);
    this.db
      .prepare("DELETE FROM mismatch_examples WHERE id NOT IN (SELECT id FROM mismatch_examples ORDER BY id DESC LIMIT ?)")
      .run(this.bounds.maxCount);
  }

  close(): void {
    if (!this.db.open) return;
    this.prune();
    this.db.close();
  }
}

function storedResponse(response: CapturedResponse): StoredResponse {
  const kept = response.body.subarray(0, STORED_BODY_BYTES);
  const utf8 = isUtf8(kept);
  return {
    status: response.status,
    headers: response.headers,
    body: kept.toString(utf8 ? "utf8" : "base64"),
    bodyEncoding: utf8 ? "utf8" : "base64",
    storedBytes: kept.length,
    bodySize: response.bodySize,
    truncated: response.truncated,
    latencySeconds: response.latencyNanos / 1e9,
  };
}


/** One line saying what differed, for lists. */
export function summarize(comparison: Comparison): string {
  if (comparison.shadowFailure) return `shadow failed: ${comparison.shadowFailure}`;
  const parts: string[] = [];
  if (comparison.status) parts.push(`status ${comparison.status.primary} → ${comparison.status.shadow}`);
  for (const header of comparison.headers) parts.push(`header ${header.name}`);
  const differences = comparison.body?.differences ?? [];
  for (const difference of differences.slice(0, 5)) parts.push(`${difference.kind} ${difference.path}`);
  if (differences.length > 5) parts.push(`… ${differences.length - 5} more`);
  if (comparison.inconclusive) parts.push(`inconclusive: ${comparison.inconclusive.reason}`);
  return parts.join("; ");
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  return code ? `${message} (${code})` : message;
}
