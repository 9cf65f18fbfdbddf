/**
 * The call's Durable Object storage: SQLite tables (shapes in docs/storage-schema.md) and the typed
 * reads and writes the object needs. Writes are synchronous in a Durable Object, and the output gate
 * holds every outgoing message until they are durable, so "pending" is on disk before the provider
 * hears anything.
 */
import type { Decision } from "../policy/types";
import type { AttemptLog } from "../providers/send-hangup";
import {
  MAX_FLAGS_PER_CALL,
  type CallDetails,
  type CallEvent,
  type CallIdentity,
  type CallOutcome,
  type CallRecord,
  type CallState,
  type HangupRecord,
  type HangupSource,
  type JsonObject,
  type RegistrationRecord,
  type WatchedCall,
  type WebhookDelivery,
  type WebhookRecord,
  type WebhookStatus,
} from "./model";

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
CREATE TABLE IF NOT EXISTS registration (
  singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
  fingerprint   TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  decision      TEXT NOT NULL,
  evaluated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook (
  singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
  message_id      TEXT NOT NULL,
  body            TEXT NOT NULL,
  status          TEXT NOT NULL,
  next_attempt_at TEXT,
  created_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_delivery (
  n               INTEGER PRIMARY KEY AUTOINCREMENT,
  attempted_at    TEXT NOT NULL,
  duration_ms     INTEGER NOT NULL,
  http_status     INTEGER,
  error           TEXT,
  next_attempt_at TEXT
);
`;

type Row = Record<string, SqlStorageValue>;

function text(value: SqlStorageValue | undefined): string | null {
  return typeof value === "string" ? value : null;
}

function json<T>(value: SqlStorageValue | undefined, fallback: T): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : fallback;
}

function registrationOf(row: Row): RegistrationRecord {
  return { registered_at: String(row.registered_at), decision: JSON.parse(String(row.decision)) as Decision, evaluated_at: String(row.evaluated_at) };
}

export class CallStore {
  /** Tables are created by the first write, so that looking up an unknown call leaves nothing behind. */
  private migrated: boolean;

  constructor(private readonly sql: SqlStorage) {
    this.migrated = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'call'").toArray().length > 0;
    // An object written by an earlier version gets the tables added since (every statement is IF NOT EXISTS).
    if (this.migrated) sql.exec(SCHEMA);
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

  private touch(at: string): void {
    this.sql.exec("UPDATE call SET updated_at = ? WHERE singleton = 1", at);
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

  /** Stores a newly registered call, live, with the decision taken on registering it. */
  register(call: CallIdentity & CallDetails, fingerprint: string, decision: Decision, now: string): void {
    this.migrate();
    this.sql.exec(
      `INSERT INTO call (singleton, tenant, connection, call_id, provider, state, registered, started_at, from_number, to_number, flags, metadata, created_at, updated_at)
       VALUES (1, ?, ?, ?, ?, 'live', 1, ?, ?, ?, ?, ?, ?, ?)`,
      call.tenant, call.connection, call.call_id, call.provider,
      call.started_at, call.from, call.to, JSON.stringify(call.flags),
      call.metadata === null ? null : JSON.stringify(call.metadata), now, now,
    );
    this.sql.exec(
      "INSERT INTO registration (singleton, fingerprint, registered_at, decision, evaluated_at) VALUES (1, ?, ?, ?, ?)",
      fingerprint, now, JSON.stringify(decision), now,
    );
  }

  /** The fingerprint of the request that registered the call, or null if it was never registered. */
  registrationFingerprint(): string | null {
    return text(this.first("SELECT fingerprint FROM registration")?.fingerprint);
  }

  registration(): RegistrationRecord | null {
    const row = this.first("SELECT registered_at, decision, evaluated_at FROM registration");
    return row ? registrationOf(row) : null;
  }

  saveDecision(decision: Decision, evaluatedAt: string): void {
    this.sql.exec("UPDATE registration SET decision = ?, evaluated_at = ? WHERE singleton = 1", JSON.stringify(decision), evaluatedAt);
  }

  /** The call, if it is one to watch for automatic termination: registered, live, and never hung up. */
  watchedCall(): WatchedCall | null {
    const row = this.first(
      `SELECT call.*, registration.registered_at, registration.decision, registration.evaluated_at
       FROM call JOIN registration WHERE call.state = 'live' AND NOT EXISTS (SELECT 1 FROM hangup)`,
    );
    if (!row) return null;
    return {
      tenant: String(row.tenant),
      connection: String(row.connection),
      call_id: String(row.call_id),
      provider: String(row.provider),
      started_at: String(row.started_at),
      from: text(row.from_number),
      to: text(row.to_number),
      flags: json<string[]>(row.flags, []),
      metadata: json<JsonObject | null>(row.metadata, null),
      registration: registrationOf(row),
    };
  }

  /**
   * Adds the flags (already lower-case and distinct) the call does not carry yet and answers those, or
   * null, changing nothing, when the call would then carry more than MAX_FLAGS_PER_CALL.
   */
  addFlags(flags: readonly string[], now: string): string[] | null {
    const carried = json<string[]>(this.first("SELECT flags FROM call")?.flags, []);
    const added = flags.filter((flag) => !carried.includes(flag));
    if (carried.length + added.length > MAX_FLAGS_PER_CALL) return null;
    if (added.length) {
      this.sql.exec("UPDATE call SET flags = ? WHERE singleton = 1", JSON.stringify([...carried, ...added]));
      this.touch(now);
    }
    return added;
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

  attemptCount(): number {
    return Number(this.first("SELECT count(*) AS n FROM attempt")?.n ?? 0);
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

  /** Queues the outcome webhook, due at once; a call has one terminal outcome, so one message. */
  enqueueWebhook(message: { id: string; body: string }, now: string): void {
    this.sql.exec(
      `INSERT INTO webhook (singleton, message_id, body, status, next_attempt_at, created_at)
       VALUES (1, ?, ?, 'pending', ?, ?) ON CONFLICT (singleton) DO NOTHING`,
      message.id, message.body, now, now,
    );
  }

  /** The webhook still to deliver, with when its next attempt is due. */
  pendingWebhook(): { id: string; body: string; due_at: string } | null {
    const row = this.first("SELECT message_id, body, next_attempt_at FROM webhook WHERE status = 'pending'");
    return row ? { id: String(row.message_id), body: String(row.body), due_at: String(row.next_attempt_at) } : null;
  }

  webhookDeliveryCount(): number {
    return Number(this.first("SELECT count(*) AS n FROM webhook_delivery")?.n ?? 0);
  }

  /** Records one delivery attempt and where that leaves the webhook. */
  recordWebhookDelivery(delivery: Omit<WebhookDelivery, "n">, status: WebhookStatus): void {
    this.sql.exec(
      "INSERT INTO webhook_delivery (attempted_at, duration_ms, http_status, error, next_attempt_at) VALUES (?, ?, ?, ?, ?)",
      delivery.attempted_at, delivery.duration_ms, delivery.http_status, delivery.error, delivery.next_attempt_at,
    );
    this.sql.exec("UPDATE webhook SET status = ?, next_attempt_at = ? WHERE singleton = 1", status, delivery.next_attempt_at);
  }

  /** Settles the webhook without a delivery (the tenant has no webhook). */
  settleWebhook(status: WebhookStatus): void {
    this.sql.exec("UPDATE webhook SET status = ?, next_attempt_at = NULL WHERE singleton = 1", status);
  }

  webhook(): WebhookRecord | null {
    const row = this.first("SELECT message_id, status, next_attempt_at FROM webhook");
    if (!row) return null;
    const deliveries = this.all<Row>("SELECT * FROM webhook_delivery ORDER BY n").map((d) => ({
      n: Number(d.n),
      attempted_at: String(d.attempted_at),
      duration_ms: Number(d.duration_ms),
      http_status: typeof d.http_status === "number" ? d.http_status : null,
      error: text(d.error),
      next_attempt_at: text(d.next_attempt_at),
    }));
    return { id: String(row.message_id), status: row.status as WebhookStatus, next_attempt_at: text(row.next_attempt_at), deliveries };
  }

  addEvent(type: string, data: Record<string, unknown>, at: string): void {
    this.sql.exec("INSERT INTO event (at, type, data) VALUES (?, ?, ?)", at, type, JSON.stringify(data));
  }

  events(): CallEvent[] {
    return this.all<{ at: string; type: string; data: string }>("SELECT at, type, data FROM event ORDER BY id")
      .map((row) => ({ at: row.at, type: row.type, data: JSON.parse(row.data) as JsonObject }));
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
      metadata: json<JsonObject | null>(row.metadata, null),
      registration: this.registration(),
      hangup: this.hangup(),
      attempts: this.attempts(),
      webhook: this.webhook(),
      events: this.events(),
      created_at: String(row.created_at),
      updated_at: String(row.updated_at),
    };
  }
}
