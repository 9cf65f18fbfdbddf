/**
 * One status read of the call at its provider, from the call's identity to one reading: find the
 * connection, open its credentials, wait for a slot of the connection's status-read pace
 * (../pace/status-reads.ts), ask the connection's circuit breaker, and read
 * (../providers/read-status.ts). Whatever stops it before the provider answers (connection removed or no
 * longer reconciling, credentials unreadable, circuit open) is said as a reading, so the duty that asked
 * always has something to record.
 */
import { getProvider } from "../providers/registry";
import { readStatus } from "../providers/read-status";
import type { StatusReading } from "../providers/types";
import { getConnection } from "../tenants/store";
import { openProviderCredentials } from "../tenants/provider-credentials";
import { takeReadSlot } from "../pace/status-reads";
import { admitHangup, reportHangup, type WaitUntil } from "../health/admission";
import type { CallIdentity } from "./stored-call";

export type StatusAnswer =
  | { kind: "read"; reading: StatusReading; httpStatus: number | null }
  | { kind: "not_reconciled" }
  /** The connection's read pace is taken for the next few seconds: nothing was sent; ask again at `at`. */
  | { kind: "paced"; at: number };

export async function readCallStatus(env: Env, call: CallIdentity, waitUntil: WaitUntil): Promise<StatusAnswer> {
  const connection = await getConnection(env, call.tenant, call.connection);
  const adapter = connection && getProvider(connection.provider);
  if (!connection || !adapter?.status || !connection.reconcile) return { kind: "not_reconciled" };
  const nothingSent = (detail: string, retryable: boolean, retryAfterMs?: number): StatusAnswer => ({
    kind: "read",
    reading: { kind: "error", retryable, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    httpStatus: null,
  });
  let credentials: unknown;
  try {
    credentials = await openProviderCredentials(env, connection, adapter.credentials);
  } catch {
    return nothingSent("the stored credentials could not be opened or are not valid for this provider; nothing was sent", false);
  }
  // The pace first: an admission (it may be the circuit's one probe) is always followed by its report.
  const slot = await takeReadSlot(env, call.tenant, call.connection);
  if (slot.kind === "later") return { kind: "paced", at: slot.at };
  const admission = await admitHangup(env, call, waitUntil);
  if (admission.kind === "refuse") return nothingSent("the connection's circuit is open; nothing was sent", true, Math.max(0, admission.retryAt - Date.now()));
  try {
    const result = await readStatus(adapter.status, { callId: call.call_id, credentials, baseUrl: connection.base_url ?? adapter.defaultBaseUrl });
    // The breaker hears what a hangup's answer would tell it: any answer means the provider is up.
    const reading = result.reading;
    reportHangup(env, call, admission, reading.kind === "error" ? { status: "failed", detail: reading.detail, retryable: reading.retryable } : { status: "terminated", detail: "answered" }, waitUntil);
    return { kind: "read", reading, httpStatus: result.httpStatus };
  } catch {
    return nothingSent("the status read could not be built; nothing was sent", false);
  }
}
