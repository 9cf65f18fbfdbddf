/**
 * The call's Durable Object storage: one table, one row, holding the whole stored call as JSON
 * (./stored-call.ts). A plain hangup of a new call is one INSERT (the pending round) and one UPDATE (its
 * outcome); reading an unknown call writes nothing.
 * Writes are synchronous, and the output gate holds every outgoing message until they are durable, so
 * a pending round is on disk before the provider hears of it. Shapes in docs/storage-schema.md.
 *
 * The row carries the schema version its document was written with, and MIGRATIONS bring older objects
 * forward when they wake, so a field or a column can be added later without a flag day.
 */
import { migrateLegacyTables } from "./legacy-tables";
import type { StoredCall } from "./stored-call";

export const SCHEMA_VERSION = 1;

/** What the object's SQL cost since it started: the bench reads it (storageStats()). */
export interface SqlCounters {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

/** A typed `exec` that counts statements and the rows the cursor reports. */
export class CountingSql {
  readonly counters: SqlCounters = { statements: 0, rowsRead: 0, rowsWritten: 0 };

  constructor(readonly sql: SqlStorage) {}

  all<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): T[] {
    const cursor = this.sql.exec<T>(query, ...bindings);
    const rows = cursor.toArray();
    this.counters.statements++;
    this.counters.rowsRead += cursor.rowsRead;
    this.counters.rowsWritten += cursor.rowsWritten;
    return rows;
  }

  run(query: string, ...bindings: SqlStorageValue[]): void {
    this.all(query, ...bindings);
  }
}

const CREATE_TABLE = `CREATE TABLE call_record (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  schema_version  INTEGER NOT NULL,
  doc             TEXT NOT NULL,
  version         INTEGER NOT NULL
)`;

/** Steps from one schema version to the next; step i brings a row from version i to i + 1. */
const MIGRATIONS: ((call: StoredCall) => StoredCall)[] = [];

interface Row extends Record<string, SqlStorageValue> {
  schema_version: number;
  doc: string;
}

export class CallStore {
  readonly sql: CountingSql;
  private tableExists: boolean;
  private cached: StoredCall | null;
  /**
   * The highest version the call index was sent, in memory only: a new instance does not know, so it
   * sends the latest again (the index ignores what it already has). That saves a row write per change.
   */
  private indexedVersion = 0;

  constructor(storage: SqlStorage) {
    this.sql = new CountingSql(storage);
    const tables = this.sql.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('call_record', 'call')");
    this.tableExists = tables.some((t) => t.name === "call_record");
    if (!this.tableExists && tables.some((t) => t.name === "call")) {
      // An object written before the one-table layout: carry its record over, then drop the old tables.
      const legacy = migrateLegacyTables(this.sql);
      if (legacy) this.write(legacy, true);
    }
    this.cached = this.tableExists ? this.load() : null;
  }

  private load(): StoredCall | null {
    const row = this.sql.all<Row>("SELECT schema_version, doc FROM call_record")[0];
    if (!row) return null;
    let call = JSON.parse(row.doc) as StoredCall;
    if (row.schema_version < SCHEMA_VERSION) {
      for (const step of MIGRATIONS.slice(row.schema_version - 1)) call = step(call);
      this.write(call, false);
    }
    return call;
  }

  /** The stored call, or null for a call this object has never stored. */
  current(): StoredCall | null {
    return this.cached;
  }

  /**
   * Stores `next` as the call, with a version above the one before. The object's in-memory copy is
   * replaced only once the write went through, so a failed write leaves it as it was on disk.
   */
  save(next: StoredCall, now: number): StoredCall {
    const stored = { ...next, version: Math.max((this.cached?.version ?? 0) + 1, now), updated_at: new Date(now).toISOString() };
    this.write(stored, this.cached === null);
    this.cached = stored;
    return stored;
  }

  private write(call: StoredCall, insert: boolean): void {
    if (!this.tableExists) {
      this.sql.run(CREATE_TABLE);
      this.tableExists = true;
    }
    const doc = JSON.stringify(call);
    if (insert) {
      this.sql.run("INSERT INTO call_record (id, schema_version, doc, version) VALUES (1, ?, ?, ?)", SCHEMA_VERSION, doc, call.version);
    } else {
      this.sql.run("UPDATE call_record SET schema_version = ?, doc = ?, version = ? WHERE id = 1", SCHEMA_VERSION, doc, call.version);
    }
  }

  /** Is there a change the call index has not confirmed yet? */
  indexBehind(): boolean {
    return this.cached !== null && this.indexedVersion < this.cached.version;
  }

  markIndexed(version: number): void {
    this.indexedVersion = Math.max(this.indexedVersion, version);
  }

  /** After retention deleted the object's storage. */
  forget(): void {
    this.cached = null;
    this.tableExists = false;
    this.indexedVersion = 0;
  }
}
