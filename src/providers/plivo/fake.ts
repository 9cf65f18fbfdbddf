/**
 * Plivo as its hangup document describes it: `DELETE /v1/Account/{auth_id}/Call/{call_uuid}/` with Basic
 * auth; 204 with no body on success, 404 `{"api_id","error":"not found"}` for a call it does not have
 * (ended or unknown). A DELETE on `/Call/` without a uuid would hang up every call on the account: the
 * fake answers it like Plivo would (204), and tests assert it never arrives.
 *
 * Status reads, as its Call API reference describes them: `GET …/Call/{call_uuid}/?status=live` (with or
 * without the slash) answers 200 `{api_id, call_status, call_uuid, …}` for a live call and 404 otherwise;
 * `GET …/Call/{call_uuid}/` answers the call detail record (times `yyyy-MM-dd HH:mm:ss+05:30`, as its
 * example shows them) for a call that ended: an `ended-` call ended normally by the callee, one this fake
 * hung up by "API Request". A live call has no detail record yet (404), an `unknown-` one neither read.
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes, type FakeReply, json } from "../testing/fakes";

export const PLIVO_FAKE_AUTH = { auth_id: "MAFAKEAUTHID0000000", auth_token: "fake-plivo-token" } as const;
const PATH = /^\/(?:.*\/)?v1\/Account\/([^/]+)\/Call\/([^/]*)\/?$/;
const IST_MINUTES = 330;

function notFound(): FakeReply {
  return json(404, { api_id: crypto.randomUUID(), error: "not found" });
}

/** Plivo's CDR time: local time with its offset, `2022-10-12 21:57:47+05:30`. */
function plivoTime(at: Date): string {
  return new Date(at.getTime() + IST_MINUTES * 60_000).toISOString().slice(0, 19).replace("T", " ") + "+05:30";
}

function detailRecord(callId: string, source: string): FakeReply {
  const end = new Date();
  return json(200, {
    api_id: crypto.randomUUID(),
    answer_time: plivoTime(new Date(end.getTime() - 30_000)),
    bill_duration: 30,
    billed_duration: 60,
    call_direction: "outbound",
    call_duration: 30,
    call_state: "ANSWER",
    call_uuid: callId,
    end_time: plivoTime(end),
    from_number: "+14155550199",
    hangup_cause_code: 4000,
    hangup_cause_name: "Normal Hangup",
    hangup_source: source,
    initiation_time: plivoTime(new Date(end.getTime() - 40_000)),
    to_number: "14155550100",
  });
}

function statusRead(callId: string, live: boolean, ended: boolean, liveRead: boolean): FakeReply {
  if (liveRead) {
    if (!live) return notFound();
    return json(200, { api_id: crypto.randomUUID(), call_status: "in-progress", call_uuid: callId, direction: "outbound", from: "14155550199", to: "14155550100" });
  }
  if (callId.startsWith(FAKE_CALL_PREFIXES.ended)) return detailRecord(callId, "Callee");
  return ended ? detailRecord(callId, "API Request") : notFound();
}

export const fake: FakeProviderRoutes = {
  name: "plivo",
  callId(request) {
    if (request.method !== "DELETE" && request.method !== "GET") return undefined;
    const match = PATH.exec(request.path.split("?")[0] ?? "");
    return match ? decodeURIComponent(match[2] ?? "") : undefined;
  },
  answer(request, callId, state) {
    const expected = "Basic " + Buffer.from(`${PLIVO_FAKE_AUTH.auth_id}:${PLIVO_FAKE_AUTH.auth_token}`).toString("base64");
    if (request.headers.authorization !== expected) {
      return { status: 401, body: JSON.stringify({ api_id: crypto.randomUUID(), error: "authentication failed" }) };
    }
    const over = callId.startsWith(FAKE_CALL_PREFIXES.ended) || callId.startsWith(FAKE_CALL_PREFIXES.unknown);
    const hungUp = state.ended.has(`plivo:${callId}`);
    if (request.method === "GET") {
      const liveRead = new URLSearchParams(request.path.split("?")[1] ?? "").get("status") === "live";
      return statusRead(callId, !over && !hungUp, hungUp, liveRead);
    }
    if (over || hungUp) return notFound();
    // An empty uuid is the account-wide hangup; record it as done so tests can see the damage.
    state.ended.add(`plivo:${callId}`);
    return { status: 204 };
  },
};
