/**
 * One round at the provider, from the call's identity to one result: find the connection, open its
 * credentials, ask the connection's circuit breaker, build the request in the provider's dialect and
 * send it with the bounded retries of ../providers/send-hangup.ts. Whatever stops it before the provider
 * answers (connection removed, key rotated, circuit open) is a `failed` reading that says whether
 * anything was sent, so every round ends with a stored, truthful outcome. The answer has the shape a
 * send has (`SendResult`): an open circuit is a reading that asks for a pause (`retryAfterMs`).
 */
import { getProvider } from "../providers/registry";
import { sendHangup, type AttemptLog, type SendResult } from "../providers/send-hangup";
import type { Reading } from "../providers/types";
import { getConnection, type ConnectionRecord } from "../tenants/store";
import { openProviderCredentials } from "../tenants/provider-credentials";
import { admitHangup, reportHangup, CIRCUIT_OPEN_CODE, type WaitUntil } from "../health/admission";
import type { CallIdentity } from "./stored-call";

function notSent(detail: string, extra: Partial<Reading> = {}): SendResult {
  return { reading: { status: "failed", detail, ...extra }, httpStatus: null, attempts: [] };
}

export async function dispatchHangup(
  env: Env,
  call: CallIdentity,
  round: { operationId: string; reason: string | null },
  onRetry: (attempt: AttemptLog) => void,
  preloaded: ConnectionRecord | undefined,
  waitUntil: WaitUntil,
): Promise<SendResult> {
  const connection = preloaded ?? (await getConnection(env, call.tenant, call.connection));
  const adapter = connection && getProvider(connection.provider);
  if (!connection || !adapter) return notSent("the connection no longer exists; nothing was sent");
  let credentials: unknown;
  try {
    credentials = await openProviderCredentials(env, connection, adapter.credentials);
  } catch {
    return notSent("the stored credentials could not be opened or are not valid for this provider; nothing was sent", { credentialsRejected: true });
  }

  const admission = await admitHangup(env, call, waitUntil);
  if (admission.kind === "refuse") {
    const until = new Date(admission.retryAt).toISOString();
    return notSent(
      `the provider failed the last ${admission.failures} hangups on this connection, so the gateway sends it nothing until ${until} (circuit open); nothing was sent`,
      { code: CIRCUIT_OPEN_CODE, retryAfterMs: Math.max(0, admission.retryAt - Date.now()) },
    );
  }

  let sentAttempts = 0;
  try {
    const sent = await sendHangup(
      adapter,
      {
        callId: call.call_id,
        operationId: round.operationId,
        credentials,
        baseUrl: connection.base_url ?? adapter.defaultBaseUrl,
        scope: { tenant: call.tenant, connection: call.connection },
        ...(round.reason ? { reason: round.reason } : {}),
      },
      {
        onAttempt: (attempt) => {
          sentAttempts++;
          if (attempt.retryable) onRetry(attempt);
        },
      },
    );
    reportHangup(env, call, admission, sent.reading, waitUntil);
    return sent;
  } catch {
    // The error's text is not kept: it may quote what it failed on.
    return sentAttempts === 0
      ? notSent("the hangup request could not be built; nothing was sent")
      : notSent("the gateway failed while reading the provider's answer; the provider may have hung up, so the call is tried again", { retryable: true });
  }
}
