/** The one way to reach a call's Durable Object: by the three ids that name it. */
import type { Env } from "../env";
import { callObjectName } from "../storage-keys";

export function callStub(env: Env, tenant: string, connection: string, callId: string) {
  return env.CALLS.get(env.CALLS.idFromName(callObjectName(tenant, connection, callId)));
}
