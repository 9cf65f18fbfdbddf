/**
 * The call's Durable Object storage: one table, one row, holding the whole stored call as JSON
 * (./stored-call.ts). A plain hangup of a new call is one INSERT (the pending round) and one UPDATE (its
 * outcome); reading an unknown call writes nothing, not even the table.
 * Writes are synchronous, and the output gate holds every outgoing message until they are durable, so
 * a pending round is on disk before the provider hears of it. Shapes in docs/storage-schema.md.
 *
 * Two kinds of change: `save` writes at once with a new version (the call changed); `remember` keeps a
 * fact in memory only, written with the next save (the index's confirmation, a judgement that changed
 * nothing), whose loss in a crash costs one repeated duty run, never a missed one.
 *
 * The row carries the schema version its document was written with, and MIGRATIONS (data: one step per
 * version) bring older documents forward when they are read, so a field can be added without a flag day.
 */
import { Invariant } from "../errors";
import { newLifecycle } from "./lifecycle";
import type { StoredCall } from "./stored-call";

export const SCHEMA_VERSION = 2;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS call_record (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  schema_version  INTEGER NOT NULL,
  doc             TEXT NOT NULL,
  version         INTEGER NOT NULL
)`;

type Document = Record<string, unknown>;

/** Step i brings a document from schema version i + 1 to i + 2. */
const MIGRATIONS: ((doc: Document) => Document)[] = [
  // 1 → 2: the clocks that were kept in memory are stored with the call, and its lifecycle replaces `ended`.
  ({ alarm_failures, ended, ...doc }) => {
    const over = ended as { at: string; source: "signal" | "callback" } | null;
    const details = doc.details as Document | null;
    const registration = doc.registration as Document | null;
    const startedAt = (details?.started_at as string | undefined) ?? (doc.created_at as string);
    return {
      ...doc,
      uid: crypto.randomUUID(),
      details: details && { answered_at: null, ...details },
      registration: registration && { source: "api", extended_until: null, ...registration },
      lifecycle: {
        ...newLifecycle(startedAt, null, doc.created_at as string),
        ...(over ? { state: "ended", ended_at: over.at, cause: "unknown", ended_by: "unknown", source: over.source } : {}),
      },
      provider_heard_at: null,
      reconcile: { enabled: false, failures: 0, retry_at: null, reads: [] },
      places: [],
      alarm: { failures: typeof alarm_failures === "number" ? alarm_failures : 0, backoff_until: null },
      index: { reported: 0, retry_at: null },
      retry: doc.retry ? { ...(doc.retry as object), round: 0 } : null,
      // A pending round from before leases was left by an instance long gone: due at once.
      rounds: (doc.rounds as Document[]).map((round) => ({ bulk_job: null, lease_until: null, ...round })),
    };
  },
];

/** The one statement that fails when the object never stored a call (no table yet). */
function isMissingTable(error: unknown): boolean {
  return error instanceof Error && error.message.includes("no such table");
}

export class CallStore {
  private cached: StoredCall | null;
  private tableExists: boolean;

  constructor(private readonly sql: SqlStorage) {
    this.cached = this.load();
    this.tableExists = this.cached !== null;
  }

  /** The row, or null for an object that never stored a call: its read fails for want of the table. */
  private load(): StoredCall | null {
    let row: { schema_version: number; doc: string } | undefined;
    try {
      row = this.sql.exec<{ schema_version: number; doc: string }>("SELECT schema_version, doc FROM call_record").toArray()[0];
    } catch (error) {
      if (isMissingTable(error)) return null;
      throw error;
    }
    if (!row) return null;
    let doc = JSON.parse(row.doc) as Document;
    for (const step of MIGRATIONS.slice(row.schema_version - 1)) doc = step(doc);
    return doc as unknown as StoredCall;
  }

  /** The stored call (with what was remembered since the last write), or null for a call never stored. */
  current(): StoredCall | null {
    return this.cached;
  }

  /** The stored call; a duty or round that finds none has lost a race with retention (a bug if it happens). */
  get(): StoredCall {
    if (!this.cached) throw new Invariant("the call is not stored");
    return this.cached;
  }

  /**
   * Stores `next` as the call, with a version above the one before. The in-memory copy is replaced only
   * once the write went through, so a failed write leaves it as it was on disk.
   */
  save(next: StoredCall, now: number): StoredCall {
    const stored = { ...next, version: Math.max((this.cached?.version ?? 0) + 1, now), updated_at: new Date(now).toISOString() };
    const doc = JSON.stringify(stored);
    if (!this.tableExists) {
      this.sql.exec(CREATE_TABLE);
      this.tableExists = true;
    }
    if (this.cached === null) {
      this.sql.exec("INSERT INTO call_record (id, schema_version, doc, version) VALUES (1, ?, ?, ?)", SCHEMA_VERSION, doc, stored.version);
    } else {
      this.sql.exec("UPDATE call_record SET schema_version = ?, doc = ?, version = ? WHERE id = 1", SCHEMA_VERSION, doc, stored.version);
    }
    this.cached = stored;
    return stored;
  }

  /** Keeps `next` in memory only; the next `save` writes it. Version and updated_at stay: nothing changed. */
  remember(next: StoredCall): StoredCall {
    this.cached = { ...next, version: this.get().version, updated_at: this.get().updated_at };
    return this.cached;
  }

  /** After retention deleted the object's storage. */
  forget(): void {
    this.cached = null;
    this.tableExists = false;
  }
}
