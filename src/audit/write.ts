/**
 * Writing audit entries. An entry is written before its change is answered 2xx (./trail.ts):
 *
 * 1. into D1, in one batch with the request's other entries, tried WRITE_ATTEMPTS times;
 * 2. if D1 keeps failing, onto the CALL_INDEX queue as an `audit_entries` message: its consumer writes
 *    them (../call-index/consumer.ts), and the queue retries a failed batch (5 times, then its
 *    dead-letter queue keeps it). `INSERT OR IGNORE` on the entry's id makes every replay harmless;
 * 3. if the queue refuses it too, the entry is `unrecorded` and the request is answered 503 instead of
 *    its 2xx: no 2xx without its entry.
 */
import { z } from "zod";
import { AuditEntrySchema, type AuditEntry } from "./entry";

const WRITE_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [50, 250];

const INSERT = `INSERT OR IGNORE INTO audit_entry (id, at, tenant, actor, action, target, request_id, detail)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`;

export function newEntryId(): string {
  return `au_${crypto.randomUUID().replace(/-/g, "")}`;
}

/** Writes entries in one D1 batch; writing one again changes nothing. */
export async function insertAuditEntries(db: D1Database, entries: readonly AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await db.batch(
    entries.map((e) =>
      db.prepare(INSERT).bind(e.id, e.at, e.tenant ?? null, e.actor, e.action, e.target, e.request_id, e.detail === undefined ? null : JSON.stringify(e.detail)),
    ),
  );
}

/** The queue message that carries entries D1 did not take (the call index's queue; its consumer writes them). */
const AuditMessage = z.object({ audit_entries: z.array(AuditEntrySchema).min(1) });

export function auditMessage(entries: AuditEntry[]): z.infer<typeof AuditMessage> {
  return { audit_entries: entries };
}

/** The entries of an audit message, or null when the message is something else. */
export function parseAuditMessage(body: unknown): AuditEntry[] | null {
  const parsed = AuditMessage.safeParse(body);
  return parsed.success ? parsed.data.audit_entries : null;
}

export type RecordResult = { kind: "written" } | { kind: "queued" } | { kind: "unrecorded" };

export async function recordAuditEntries(env: Pick<Env, "CALL_INDEX_DB" | "CALL_INDEX">, entries: AuditEntry[]): Promise<RecordResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      await insertAuditEntries(env.CALL_INDEX_DB, entries);
      return { kind: "written" };
    } catch (err) {
      console.error(JSON.stringify({ level: "warn", msg: "audit: D1 write failed", attempt, error: (err as Error).message }));
      if (attempt >= WRITE_ATTEMPTS) break;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt - 1]));
    }
  }
  try {
    await env.CALL_INDEX.send(auditMessage(entries));
    return { kind: "queued" };
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "audit: entry neither written nor queued", error: (err as Error).message, request_id: entries[0]?.request_id }));
    return { kind: "unrecorded" };
  }
}
