/**
 * The queue consumer: a batch of reports (up to 100, or whatever arrived within a second) becomes one
 * D1 batch. A message that is not a report is logged and acknowledged (retrying cannot fix it); a D1
 * error retries the whole batch, which is safe because applying a report twice changes nothing.
 * After max_retries the batch goes to the dead-letter queue (wrangler.toml); the call's next change
 * carries its whole entry again, so one lost report heals itself.
 */
import { ingestReports, parseReport } from "./ingest";
import type { CallIndexReport } from "./report";
import { purgeIfDue } from "./retention";

const RETRY_DELAY_S = 2;

export async function consumeCallIndexBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const reports: CallIndexReport[] = [];
  for (const message of batch.messages) {
    const report = parseReport(message.body);
    if (report) reports.push(report);
    else console.error(JSON.stringify({ level: "error", msg: "call index: not a report, dropped", message_id: message.id }));
  }
  try {
    await ingestReports(env.CALL_INDEX_DB, reports);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "call index: batch failed, retrying", error: (err as Error).message, size: reports.length }));
    batch.retryAll({ delaySeconds: RETRY_DELAY_S });
    return;
  }
  batch.ackAll();
  try {
    await purgeIfDue(env, env.CALL_INDEX_DB);
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", msg: "call index: purge failed", error: (err as Error).message }));
  }
}
