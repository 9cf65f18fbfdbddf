/**
 * The provider of the outage run: Plivo's hangup (scripts/lib/plivo-hangup-server.ts) that is down
 * (503 to every request, the call untouched) or up (204, the call hung up; 404 for a call it already
 * hung up, as Plivo answers) on a schedule the run drives. It keeps, per call, every request and when
 * the call was hung up, and the moments it came back up: a call hung up twice, or asked again after it
 * was hung up, is the gateway breaking "exactly once".
 */
import { servePlivoHangups, type PlivoHangupServer } from "../lib/plivo-hangup-server";

export const OUTAGE_AUTH = { auth_id: "MAOUTAGERUN000000000", auth_token: "outage-run-token" } as const;

export interface OutageCall {
  requests: number;
  /** Requests answered 503 because the provider was down. */
  refused: number;
  /** Times the call was hung up (204): more than one is a double termination. */
  hangups: number;
  /** Requests that arrived after the call had been hung up. */
  requestsAfterHangup: number;
  /** When it was hung up (ms since the epoch), or null. */
  hungUpAt: number | null;
}

export interface OutageProvider extends PlivoHangupServer {
  /** Down (503) or up (204) from now on. */
  setUp(up: boolean): void;
  isUp(): boolean;
  /** Every moment it came back up (ms since the epoch), in order. */
  readonly returns: readonly number[];
  call(callId: string): OutageCall;
  /** Calls hung up at least once. */
  hungUp(): number;
}

const fresh = (): OutageCall => ({ requests: 0, refused: 0, hangups: 0, requestsAfterHangup: 0, hungUpAt: null });

/** Starts down: the run registers its calls into an outage. */
export async function startOutageProvider(): Promise<OutageProvider> {
  const calls = new Map<string, OutageCall>();
  const returns: number[] = [];
  let up = false;
  let hungUp = 0;

  const server = await servePlivoHangups(OUTAGE_AUTH, (callId, res) => {
    let state = calls.get(callId);
    if (!state) calls.set(callId, (state = fresh()));
    state.requests++;
    if (!up) {
      state.refused++;
      res.writeHead(503, { "content-type": "application/json" }).end('{"api_id":"outage","error":"service unavailable"}');
      return;
    }
    if (state.hangups > 0) {
      state.requestsAfterHangup++;
      res.writeHead(404, { "content-type": "application/json" }).end('{"api_id":"outage","error":"not found"}');
      return;
    }
    state.hangups++;
    state.hungUpAt = Date.now();
    hungUp++;
    res.writeHead(204).end();
  });

  return {
    ...server,
    setUp(next) {
      if (next && !up) returns.push(Date.now());
      up = next;
    },
    isUp: () => up,
    returns,
    call: (callId) => calls.get(callId) ?? fresh(),
    hungUp: () => hungUp,
  };
}
