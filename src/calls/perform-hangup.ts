/**
 * One hangup at the provider, from the call's identity to a reading: find the connection, open its
 * credentials, build the request in the provider's dialect and send it with bounded retries. Anything
 * that stops it before the provider answers (connection removed, key rotated) is a `failed` reading,
 * so the call always ends with a stored, truthful outcome.
 */
import type { Env } from "../env";
import { ProblemError } from "../http/problem";
import { getProvider } from "../providers/registry";
import { sendHangup, type AttemptLog, type SendOptions } from "../providers/send-hangup";
import type { Reading } from "../providers/types";
import { getConnection, openCredentials, type ConnectionRecord } from "../tenants/store";
import { sendThroughCircuit } from "./connection-health";
import type { CallIdentity } from "./model";

export interface PerformedHangup {
  reading: Reading;
  httpStatus: number | null;
}

export async function performHangup(
  env: Env,
  call: CallIdentity,
  operation: { operationId: string; reason: string | null },
  onAttempt: (attempt: AttemptLog) => void,
  preloaded?: ConnectionRecord,
  options: Omit<SendOptions, "onAttempt"> = {},
): Promise<PerformedHangup> {
  const connection = preloaded ?? (await getConnection(env, call.tenant, call.connection));
  const adapter = connection && getProvider(connection.provider);
  if (!connection || !adapter) {
    return { reading: { status: "failed", detail: "the connection no longer exists" }, httpStatus: null };
  }
  let credentials: unknown;
  try {
    credentials = adapter.credentials.parse(await openCredentials(env, connection));
  } catch (error) {
    const detail = error instanceof ProblemError ? error.problem.detail : "the stored credentials are not valid for this provider";
    return { reading: { status: "failed", detail, credentialsRejected: true }, httpStatus: null };
  }
  try {
    return await sendThroughCircuit(env, call, () => sendHangup(
      adapter,
      {
        callId: call.call_id,
        operationId: operation.operationId,
        credentials,
        baseUrl: connection.base_url ?? adapter.defaultBaseUrl,
        ...(operation.reason ? { reason: operation.reason } : {}),
      },
      { ...options, onAttempt },
    ));
  } catch {
    // Building the request failed (a guard refused the call id, a key did not import): nothing was sent.
    // The error's text is not kept: it may quote what it failed on.
    return { reading: { status: "failed", detail: "the hangup request could not be built; nothing was sent" }, httpStatus: null };
  }
}
