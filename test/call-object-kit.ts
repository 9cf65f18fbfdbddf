/**
 * Moving a call's clock in tests: what is stored is changed as time would have changed it, then every
 * object of the test file is restarted (as after a deploy or a crash), so the call's object reads its
 * storage afresh, exactly as a real restart makes it do.
 */
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";

/** Changes one field of the stored call (a JSON path into its document, e.g. `$.details.started_at`). */
export async function editStoredCall(stub: DurableObjectStub, path: string, value: string | number | null): Promise<void> {
  await runInDurableObject(stub, (_, state) => {
    state.storage.sql.exec("UPDATE call_record SET doc = json_set(doc, ?, ?)", path, value);
  });
  await abortAllDurableObjects();
}

/** Time passes: the call now started `seconds` ago. */
export function ageCall(stub: DurableObjectStub, seconds: number): Promise<void> {
  return editStoredCall(stub, "$.details.started_at", new Date(Date.now() - seconds * 1000).toISOString());
}

/** The object's alarm, in days from now (null: no alarm): a settled call keeps only its retention alarm. */
export async function alarmInDays(stub: DurableObjectStub): Promise<number | null> {
  const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
  return alarm === null ? null : (alarm - Date.now()) / 86_400_000;
}

export interface StorageCounts {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  alarmsRun: number;
  databaseSize: number;
}

/**
 * Counts, from now on, what a call's object does with its storage: SQL statements and the rows their
 * cursors report, and alarm runs. The counting wraps the live object from the test (production code has
 * no counters); it lasts as long as the object is not restarted. Answers a reader of the counts so far.
 */
export async function countStorage(stub: DurableObjectStub): Promise<() => Promise<StorageCounts>> {
  await runInDurableObject(stub, (object: { alarm?: () => void | Promise<void> }, state) => {
    const sql = state.storage.sql;
    const exec = sql.exec.bind(sql);
    const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
    sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
      const cursor = exec(query, ...bindings);
      cursors.push(cursor);
      return cursor;
    }) as typeof sql.exec;
    const counts = { alarmsRun: 0 };
    const alarm = object.alarm!.bind(object);
    object.alarm = () => {
      counts.alarmsRun++;
      return alarm();
    };
    (globalThis as { storageCounts?: () => StorageCounts }).storageCounts = () => ({
      statements: cursors.length,
      rowsRead: cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0),
      rowsWritten: cursors.reduce((sum, cursor) => sum + cursor.rowsWritten, 0),
      alarmsRun: counts.alarmsRun,
      databaseSize: sql.databaseSize,
    });
  });
  return () => runInDurableObject(stub, () => (globalThis as unknown as { storageCounts: () => StorageCounts }).storageCounts());
}
