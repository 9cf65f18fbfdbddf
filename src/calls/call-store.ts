/**
 * The call's Durable Object storage: SQLite tables (shapes in docs/storage-schema.md) and the typed
 * reads and writes the object needs. Writes are synchronous in a Durable Object, and the output gate
 * holds every outgoing message until they are durable, so "pending" is on disk before the provider
 * hears anything.
 */
import type { AttemptLog } from "../providers/send-hangup";
import type { CallEvent, CallIdentity, CallOutcome, CallRecord, CallState, HangupRecord, HangupSource } from "./model";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS call (
  singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
  tenant        TEXT NOT NULL,
  connection    TEXT NOT NULL,
  call_id       TEXT NOT NULL,
  provider      TEXT NOT NULL,
  state         TEXT NOT NULL,
  registered    INTEGER NOT NULL DEFAULT 0,
  started_at    TEXT,
  from_number   TEXT,
  to_number     TEXT,
  flags         TEXT NOT NULL DEFAULT '[]',
  metadata      TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hangup (
  singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
  operation_id  TEXT NOT NULL,
  status        TEXT NOT NULL,
  source        TEXT NOT NULL,
  reason        TEXT,
  decision      TEXT,
  requested_at  TEXT NOT NULL,
  completed_at  TEXT,
  outcome       TEXT
);
CREATE TABLE IF NOT EXISTS attempt (
  n             INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at    TEXT NOT NULL,
  entry         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_key (
  key           TEXT PRIMARY KEY,
  fingerprint   TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS event (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at            TEXT NOT NULL,
  type          TEXT NOT NULL,
  data          TEXT NOT NULL
);
`;

type Row = Record<string, SqlStorageValue>;

function text(value: SqlStorageValue | undefined): string | null {
  return typeof value === "string" ? value : null;
}

function json<T>(value: SqlStorageValue | undefined, fallback: T): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : fallback;
}

export class CallStore {
  /** Tables are created by the first write, so that looking up an unknown call leaves nothing behind. */
  private migrated: boolean;

  constructor(private readonly sql: SqlStorage) {
    this.migrated = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'call'").toArray().length > 0;
  }

  private migrate(): void {
    if (this.migrated) return;
    this.sql.exec(SCHEMA);
    this.migrated = true;
  }

  private first(query: string, ...bindings: SqlStorageValue[]): Row | undefined {
    if (!this.migrated) return undefined;
    return this.sql.exec<Row>(query, ...bindings).toArray()[0];
  }

  private all<T extends Row>(query: string): T[] {
    return this.migrated ? this.sql.exec<T>(query).toArray() : [];
  }

  identity(): CallIdentity | null {
    const row = this.first("SELECT tenant, connection, call_id, provider FROM call");
    if (!row) return null;
    return { tenant: String(row.tenant), connection: String(row.connection), call_id: String(row.call_id), provider: String(row.provider) };
  }

  state(): CallState | null {
    return (text(this.first("SELECT state FROM call")?.state) as CallState | null) ?? null;
  }

  /** Creates the call row if this object has none yet; a call is live until something ends it. */
  ensureCall(identity: CallIdentity, now: string): void {
    this.migrate();
    this.sql.exec(
      `INSERT INTO call (singleton, tenant, connection, call_id, provider, state, created_at, updated_at)
       VALUES (1, ?, ?, ?, ?, 'live', ?, ?) ON CONFLICT (singleton) DO NOTHING`,
      identity.tenant, identity.connection, identity.call_id, identity.provider, now, now,
    );
  }

  setState(state: CallState, now: string): void {
    this.sql.exec("UPDATE call SET state = ?, updated_at = ? WHERE singleton = 1", state, now);
  }

  /**
   * Remembers an Idempotency-Key with the fingerprint of its request. Answers false when the key was
   * already used with a different request.
   */
  claimIdempotencyKey(key: string, fingerprint: string, now: string): boolean {
    this.migrate();
    const row = this.first("SELECT fingerprint FROM idempotency_key WHERE key = ?", key);
    if (row) return row.fingerprint === fingerprint;
    this.sql.exec("INSERT INTO idempotency_key (key, fingerprint, created_at) VALUES (?, ?, ?)", key, fingerprint, now);
    return true;
  }

  hangup(): HangupRecord | null {
    const row = this.first("SELECT * FROM hangup");
    if (!row) return null;
    return {
      operation_id: String(row.operation_id),
      status: row.status === "completed" ? "completed" : "pending",
      source: row.source as HangupSource,
      reason: text(row.reason),
      requested_at: String(row.requested_at),
      completed_at: text(row.completed_at),
      outcome: json<CallOutcome | null>(row.outcome, null),
    };
  }

  /** The decision stored with the pending hangup, for an outcome finished after a restart. */
  hangupDecision(): unknown {
    return json(this.first("SELECT decision FROM hangup")?.decision, null);
  }

  beginHangup(hangup: { operation_id: string; source: HangupSource; reason: string | null; decision: unknown; requested_at: string }): void {
    this.sql.exec(
      `INSERT INTO hangup (singleton, operation_id, status, source, reason, decision, requested_at)
       VALUES (1, ?, 'pending', ?, ?, ?, ?)`,
      hangup.operation_id, hangup.source, hangup.reason, JSON.stringify(hangup.decision), hangup.requested_at,
    );
    this.setState("hanging_up", hangup.requested_at);
  }

  recordAttempt(attempt: AttemptLog): void {
    this.sql.exec("INSERT INTO attempt (started_at, entry) VALUES (?, ?)", attempt.started_at, JSON.stringify(attempt));
  }

  attempts(): AttemptLog[] {
    return this.all<{ n: number; entry: string }>("SELECT n, entry FROM attempt ORDER BY n")
      .map((row) => ({ ...(JSON.parse(row.entry) as AttemptLog), n: row.n }));
  }

  completeHangup(outcome: CallOutcome): void {
    this.sql.exec(
      "UPDATE hangup SET status = 'completed', completed_at = ?, outcome = ? WHERE singleton = 1",
      outcome.completed_at, JSON.stringify(outcome),
    );
    // Only a failed hangup leaves the call as it was; every other answer means the call is over.
    this.setState(outcome.status === "failed" ? "live" : "ended", outcome.completed_at);
  }

  addEvent(type: string, data: Record<string, unknown>, at: string): void {
    this.sql.exec("INSERT INTO event (at, type, data) VALUES (?, ?, ?)", at, type, JSON.stringify(data));
  }

  events(): CallEvent[] {
    return this.all<{ at: string; type: string; data: string }>("SELECT at, type, data FROM event ORDER BY id")
      .map((row) => ({ at: row.at, type: row.type, data: JSON.parse(row.data) as Record<string, unknown> }));
  }

  record(): CallRecord | null {
    const row = this.first("SELECT * FROM call");
    if (!row) return null;
    return {
      call_id: String(row.call_id),
      tenant: String(row.tenant),
      connection: String(row.connection),
      provider: String(row.provider),
      state: row.state as CallState,
      registered: row.registered === 1,
      started_at: text(row.started_at),
      from: text(row.from_number),
      to: text(row.to_number),
      flags: json<string[]>(row.flags, []),
      metadata: json<Record<string, unknown> | null>(row.metadata, null),
      hangup: this.hangup(),
      attempts: this.attempts(),
      events: this.events(),
      created_at: String(row.created_at),
      updated_at: String(row.updated_at),
    };
  }
}
