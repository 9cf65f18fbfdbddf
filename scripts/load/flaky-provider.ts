/**
 * The provider of the load run: a node HTTP server on 127.0.0.1 speaking Plivo's hangup
 * (`DELETE /v1/Account/{auth_id}/Call/{call_uuid}/`, HTTP Basic) that fails a share of requests
 * transiently (503, the call untouched) and otherwise hangs the call up (204), or answers 404 for a call
 * it already hung up, as Plivo does. It keeps, per call, every request and every hangup it carried out:
 * a call hung up twice, or asked again after it was hung up, is the gateway breaking "exactly once".
 */
import { servePlivoHangups, type PlivoHangupServer } from "../lib/plivo-hangup-server";

export const FLAKY_AUTH = { auth_id: "MALOADRUN00000000000", auth_token: "load-run-token" } as const;

export interface CallAtProvider {
  /** Hangup requests received for the call. */
  requests: number;
  /** Requests answered 503 on purpose. */
  injectedFailures: number;
  /** Times the call was actually hung up (204): more than one is a double hangup. */
  hangups: number;
  /** Requests that arrived after the call had been hung up. */
  requestsAfterHangup: number;
}

export interface FlakyProvider extends PlivoHangupServer {
  call(callId: string): CallAtProvider;
}

export async function startFlakyProvider(failureRate: number, random: () => number = Math.random): Promise<FlakyProvider> {
  const calls = new Map<string, CallAtProvider>();
  const callState = (callId: string): CallAtProvider => {
    let state = calls.get(callId);
    if (!state) calls.set(callId, (state = { requests: 0, injectedFailures: 0, hangups: 0, requestsAfterHangup: 0 }));
    return state;
  };

  const server = await servePlivoHangups(FLAKY_AUTH, (callId, res) => {
    const state = callState(callId);
    state.requests++;
    if (state.hangups > 0) {
      state.requestsAfterHangup++;
      res.writeHead(404, { "content-type": "application/json" }).end('{"api_id":"load","error":"not found"}');
      return;
    }
    if (random() < failureRate) {
      state.injectedFailures++;
      res.writeHead(503, { "content-type": "application/json" }).end('{"api_id":"load","error":"service unavailable"}');
      return;
    }
    state.hangups++;
    res.writeHead(204).end();
  });

  return {
    ...server,
    call: (callId) => calls.get(callId) ?? { requests: 0, injectedFailures: 0, hangups: 0, requestsAfterHangup: 0 },
  };
}
