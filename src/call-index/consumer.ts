/**
 * The queue consumer: a batch of reports (up to 100, or whatever arrived within a second) becomes one
 * D1 batch. The same queue carries audit entries that D1 refused when their change was made
 * (src/audit/write.ts); they are written with the batch. A message that is neither is logged and
 * acknowledged (retrying cannot fix it); a D1 error retries the whole batch, which is safe because
 * applying a report or an entry twice changes nothing. After max_retries the batch goes to the
 * dead-letter queue (wrangler.toml); the call's next change carries its whole entry again, so one lost
 * report heals itself.
 */
import type { AuditEntry } from "../audit/entry";
import { purgeAuditIfDue } from "../audit/retention";
import { insertAuditEntries, parseAuditMessage } from "../audit/write";
import { ingestReports, parseReport } from "./ingest";
import type { CallIndexReport } from "./report";
import { purgeIfDue } from "./retention";

const RETRY_DELAY_S = 2;

export async function consumeCallIndexBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const reports: CallIndexReport[] = [];
  const auditEntries: AuditEntry[] = [];
  for (const message of batch.messages) {
    const report = parseReport(message.body);
    const entries = report ? null : parseAuditMessage(message.body);
    if (report) reports.push(report);
    else if (entries) auditEntries.push(...entries);
    else console.error(JSON.stringify({ level: "error", msg: "call index: not a report, dropped", message_id: message.id }));
  }
  try {
    await ingestReports(env.CALL_INDEX_DB, reports);
    await insertAuditEntries(env.CALL_INDEX_DB, auditEntries);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "call index: batch failed, retrying", error: (err as Error).message, size: reports.length + auditEntries.length }));
    batch.retryAll({ delaySeconds: RETRY_DELAY_S });
    return;
  }
  batch.ackAll();
  try {
    await purgeIfDue(env, env.CALL_INDEX_DB);
    await purgeAuditIfDue(env.CALL_INDEX_DB);
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", msg: "call index: purge failed", error: (err as Error).message }));
  }
}
