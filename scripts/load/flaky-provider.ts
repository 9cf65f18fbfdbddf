/**
 * The provider of the load runs: a node HTTP server on 127.0.0.1 speaking Plivo's hangup
 * (`DELETE /v1/Account/{auth_id}/Call/{call_uuid}/`, HTTP Basic; the plain run) or Twilio's
 * (`POST /2010-04-01/Accounts/{sid}/Calls/{sid}.json` with `Status=completed`; the events run) that fails a
 * share of requests transiently (503, the call untouched) and otherwise hangs the call up (Plivo 204,
 * Twilio 200 with the completed call resource), or says the call is already over (Plivo 404, Twilio 400
 * with error 21220), as each provider does. It keeps, per call, every request and every hangup it carried
 * out: a call hung up twice, or asked again after it was hung up, is the gateway breaking "exactly once".
 */
import type { ServerResponse } from "node:http";
import { servePlivoHangups, type PlivoHangupServer } from "../lib/plivo-hangup-server";
import type { TwilioAuth } from "../lib/twilio-callback";
import { serveTwilioHangups } from "./twilio-hangup-server";

export const FLAKY_AUTH = { auth_id: "MALOADRUN00000000000", auth_token: "load-run-token" } as const;
export const FLAKY_TWILIO_AUTH: TwilioAuth = { account_sid: "AC0000000000000000000000000000load", auth_token: "load-run-twilio-token" };

export interface CallAtProvider {
  /** Hangup requests received for the call. */
  requests: number;
  /** Requests answered 503 on purpose. */
  injectedFailures: number;
  /** Times the call was actually hung up: more than one is a double hangup. */
  hangups: number;
  /** Requests that arrived after the call had been hung up. */
  requestsAfterHangup: number;
}

export interface FlakyProvider extends PlivoHangupServer {
  call(callId: string): CallAtProvider;
}

/** How one provider says each of the three things the flaky provider answers. */
interface Answers {
  unavailable(res: ServerResponse): void;
  hungUp(res: ServerResponse, callId: string): void;
  alreadyOver(res: ServerResponse): void;
}

const jsonAnswer = (res: ServerResponse, status: number, body: object) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

const PLIVO: Answers = {
  unavailable: (res) => jsonAnswer(res, 503, { api_id: "load", error: "service unavailable" }),
  hungUp: (res) => res.writeHead(204).end(),
  alreadyOver: (res) => jsonAnswer(res, 404, { api_id: "load", error: "not found" }),
};

const TWILIO: Answers = {
  unavailable: (res) => jsonAnswer(res, 503, { code: 20503, message: "Service Unavailable", status: 503 }),
  hungUp: (res, callId) => jsonAnswer(res, 200, { sid: callId, account_sid: FLAKY_TWILIO_AUTH.account_sid, status: "completed", api_version: "2010-04-01" }),
  alreadyOver: (res) => jsonAnswer(res, 400, { code: 21220, message: "Call is not in-progress. Cannot redirect.", status: 400 }),
};

const fresh = (): CallAtProvider => ({ requests: 0, injectedFailures: 0, hangups: 0, requestsAfterHangup: 0 });

/** The per-call ledger and the answer to one hangup request of `callId`. */
function flakyHandler(failureRate: number, random: () => number, answers: Answers) {
  const calls = new Map<string, CallAtProvider>();
  const handle = (callId: string, res: ServerResponse) => {
    let state = calls.get(callId);
    if (!state) calls.set(callId, (state = fresh()));
    state.requests++;
    if (state.hangups > 0) {
      state.requestsAfterHangup++;
      answers.alreadyOver(res);
      return;
    }
    if (random() < failureRate) {
      state.injectedFailures++;
      answers.unavailable(res);
      return;
    }
    state.hangups++;
    answers.hungUp(res, callId);
  };
  return { handle, call: (callId: string) => calls.get(callId) ?? fresh() };
}

/** Plivo's hangup (the plain run). */
export async function startFlakyProvider(failureRate: number, random: () => number = Math.random): Promise<FlakyProvider> {
  const { handle, call } = flakyHandler(failureRate, random, PLIVO);
  return { ...(await servePlivoHangups(FLAKY_AUTH, handle)), call };
}

/** Twilio's hangup (the events run, whose callbacks are Twilio's). */
export async function startFlakyTwilio(failureRate: number, random: () => number = Math.random): Promise<FlakyProvider> {
  const { handle, call } = flakyHandler(failureRate, random, TWILIO);
  return { ...(await serveTwilioHangups(FLAKY_TWILIO_AUTH, handle)), call };
}
