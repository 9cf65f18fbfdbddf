/**
 * Objects written before the one-table layout kept a call in eight tables (call, registration, hangup,
 * attempt, idempotency_key, webhook, webhook_delivery, event). When such an object wakes, its record is
 * read from them once, as a stored call of schema 1, and the old tables are dropped. Their single
 * hangup becomes round 1; its webhook becomes that round's message.
 */
import type { Decision } from "../policy/types";
import type { AttemptLog } from "../providers/send-hangup";
import type { HangupOutcome, HangupSource } from "../vocabulary";
import type { CountingSql } from "./call-store";
import { appendEvent, type CallEvent } from "./events";
import type { OutboxMessage, WebhookDelivery, WebhookStatus } from "./outbox";
import { newStoredCall, type JsonObject, type StoredCall } from "./stored-call";

const LEGACY_TABLES = ["call", "registration", "hangup", "attempt", "idempotency_key", "webhook", "webhook_delivery", "event"];

type Row = Record<string, SqlStorageValue>;

function text(value: SqlStorageValue | undefined): string | null {
  return typeof value === "string" ? value : null;
}

function json<T>(value: SqlStorageValue | undefined, fallback: T): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : fallback;
}

export function migrateLegacyTables(sql: CountingSql): StoredCall | null {
  const present = new Set(sql.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((t) => String(t.name)));
  const rows = (table: string): Row[] => (present.has(table) ? sql.all<Row>(`SELECT * FROM ${table}`) : []);
  const call = rows("call")[0];
  const result = call ? fromLegacy(call, rows) : null;
  for (const table of LEGACY_TABLES) if (present.has(table)) sql.run(`DROP TABLE ${table}`);
  return result;
}

function fromLegacy(call: Row, rows: (table: string) => Row[]): StoredCall {
  const identity = { tenant: String(call.tenant), connection: String(call.connection), call_id: String(call.call_id), provider: String(call.provider) };
  const stored = newStoredCall(identity, String(call.created_at));
  stored.updated_at = String(call.updated_at);
  stored.registered = call.registered === 1;
  stored.flags = json<string[]>(call.flags, []);
  if (stored.registered) {
    stored.details = {
      started_at: String(call.started_at),
      from: text(call.from_number),
      to: text(call.to_number),
      metadata: json<JsonObject | null>(call.metadata, null),
    };
  }
  const registration = rows("registration")[0];
  if (registration) {
    stored.registration = {
      fingerprint: String(registration.fingerprint),
      registered_at: String(registration.registered_at),
      decision: JSON.parse(String(registration.decision)) as Decision,
      evaluated_at: String(registration.evaluated_at),
    };
  }
  const hangup = rows("hangup")[0];
  if (hangup) {
    const legacyOutcome = json<Omit<HangupOutcome, "round" | "source"> | null>(hangup.outcome, null);
    const source = String(hangup.source) as HangupSource;
    stored.rounds = [{
      n: 1,
      operation_id: String(hangup.operation_id),
      source,
      reason: text(hangup.reason),
      decision: json<Decision | null>(hangup.decision, null),
      requested_at: String(hangup.requested_at),
      status: hangup.status === "completed" ? "completed" : "pending",
      completed_at: text(hangup.completed_at),
      outcome: legacyOutcome ? { ...legacyOutcome, round: 1, source } : null,
      attempts: rows("attempt").map((a) => ({ ...(JSON.parse(String(a.entry)) as AttemptLog), n: Number(a.n) })),
    }];
  }
  stored.idempotency = rows("idempotency_key").map((k) => ({ key: String(k.key), fingerprint: String(k.fingerprint), round: 1 }));
  const webhook = rows("webhook")[0];
  if (webhook) {
    const message: OutboxMessage = {
      id: String(webhook.message_id),
      type: "call.hangup.completed",
      body: String(webhook.body),
      status: String(webhook.status) as WebhookStatus,
      next_attempt_at: text(webhook.next_attempt_at),
      deliveries: rows("webhook_delivery").map((d): WebhookDelivery => ({
        n: Number(d.n),
        attempted_at: String(d.attempted_at),
        duration_ms: Number(d.duration_ms),
        http_status: typeof d.http_status === "number" ? d.http_status : null,
        error: text(d.error),
        next_attempt_at: text(d.next_attempt_at),
      })),
    };
    stored.outbox = [message];
  }
  if (call.state === "ended" && !stored.rounds[0]?.outcome) stored.ended = { at: String(call.updated_at), source: "signal" };
  // The newest events of each type survive, as the bounded log keeps them.
  const log = rows("event")
    .map((e): CallEvent => ({ at: String(e.at), type: String(e.type), data: JSON.parse(String(e.data)) as JsonObject }))
    .reduce((sofar, event) => appendEvent(sofar, event), { events: [] as CallEvent[], events_omitted: {} as Record<string, number> });
  stored.events = log.events;
  stored.events_omitted = log.events_omitted;
  stored.version = Date.parse(stored.updated_at) || 1;
  return stored;
}
