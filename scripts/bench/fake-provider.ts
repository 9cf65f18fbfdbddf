/**
 * A provider with a known, fixed cost: a node HTTP server on 127.0.0.1 that answers Plivo's documented
 * hangup (`DELETE /v1/Account/{auth_id}/Call/{call_uuid}/`, HTTP Basic) with 204 after exactly
 * `latencyMs`. Whatever the benchmarks see above that latency is the cost of what sits in front of it.
 * It notes when each call's hangups arrived, which is how the runs check "exactly once" and the bulk
 * pace; anything it does not expect (a wrong path or wrong credentials) is counted too, and fails the run.
 */
import { servePlivoHangups, type PlivoHangupServer } from "../lib/plivo-hangup-server";

export const FAKE_AUTH_ID = "MABENCHAUTHID0000000";
export const FAKE_AUTH_TOKEN = "bench-auth-token";

export interface FakeProvider extends PlivoHangupServer {
  latencyMs: number;
  /** Hangup requests received for this call id (decoded). */
  hangupsFor(callId: string): number;
  /** Hangup requests received in total. */
  totalHangups(): number;
  /** When (epoch ms) the hangups of calls whose id starts with `prefix` arrived. */
  arrivals(prefix: string): number[];
}

export async function startFakeProvider(latencyMs: number): Promise<FakeProvider> {
  const arrivals = new Map<string, number[]>();
  let total = 0;
  const server = await servePlivoHangups({ auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN }, (callId, res) => {
    arrivals.set(callId, [...(arrivals.get(callId) ?? []), Date.now()]);
    total++;
    setTimeout(() => res.writeHead(204).end(), latencyMs);
  });
  return {
    ...server,
    latencyMs,
    hangupsFor: (callId) => arrivals.get(callId)?.length ?? 0,
    totalHangups: () => total,
    arrivals: (prefix) => [...arrivals].flatMap(([id, at]) => (id.startsWith(prefix) ? at : [])),
  };
}
