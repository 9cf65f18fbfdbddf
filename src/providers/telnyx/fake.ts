/**
 * Telnyx Call Control as its API reference describes the hangup command:
 * `POST /v2/calls/{call_control_id}/actions/hangup` with `Authorization: Bearer` and an optional JSON body
 * `{ client_state?, command_id? }`. 200 `{"data":{"result":"ok"}}` on success; a command whose
 * `command_id` was already accepted for the same call is ignored — answered 200 again, the call untouched.
 * Errors are `{ "errors": [{ code, title, detail }] }`: 401 10009 (wrong key), 422 90018 for a call that is
 * over, 404 10005 for a call control id it never had, 400 10015 for a body that is not the documented
 * JSON (`client_state` must be base64).
 *
 * The status read `GET /v2/calls/{call_control_id}` answers `{ data: { is_alive, start_time, end_time?,
 * call_duration, … } }`: alive for a live call, not alive (with `end_time`) for an `ended-` call or one this
 * fake hung up (Telnyx keeps those about 10 minutes), 404 10005 for an `unknown-` one.
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes, bearerToken, decodeSegment, isJsonRequest, json, jsonObject, pathOf } from "../testing/fakes";

export const TELNYX_FAKE_AUTH = { api_key: "KEYFAKETELNYX0000000000000000" } as const;
const PATH = /^\/(?:.*\/)?v2\/calls\/([^/]+)\/actions\/hangup$/;
const STATUS_PATH = /^\/(?:.*\/)?v2\/calls\/([^/]+)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function telnyxError(status: number, code: string, title: string, detail: string) {
  return json(status, { errors: [{ code, title, detail }] });
}

const OK = json(200, { data: { result: "ok" } });

function statusRead(callId: string, ended: boolean) {
  if (callId.startsWith(FAKE_CALL_PREFIXES.unknown)) {
    return telnyxError(404, "10005", "Resource not found", "The requested resource or URL could not be found.");
  }
  const now = Date.now();
  const call = { call_control_id: callId, call_leg_id: crypto.randomUUID(), call_session_id: crypto.randomUUID(), record_type: "call", start_time: new Date(now - 60_000).toISOString() };
  if (!ended) return json(200, { data: { ...call, is_alive: true, call_duration: 60 } });
  return json(200, { data: { ...call, is_alive: false, end_time: new Date(now).toISOString(), call_duration: 60 } });
}

export const fake: FakeProviderRoutes = {
  name: "telnyx",
  callId(request) {
    const match = request.method === "POST" ? PATH.exec(pathOf(request)) : request.method === "GET" ? STATUS_PATH.exec(pathOf(request)) : null;
    return match ? decodeSegment(match[1] ?? "") : undefined;
  },
  answer(request, callId, state) {
    if (bearerToken(request) !== TELNYX_FAKE_AUTH.api_key) {
      return telnyxError(401, "10009", "Authentication failed", "The API key provided is not valid.");
    }
    if (request.method === "GET") return statusRead(callId, callId.startsWith(FAKE_CALL_PREFIXES.ended) || state.ended.has(`telnyx:${callId}`));
    const body = request.body === "" ? {} : jsonObject(request.body);
    const commandId = body?.command_id;
    const clientState = body?.client_state;
    const wellFormed = body !== undefined
      && (request.body === "" || isJsonRequest(request))
      && (commandId === undefined || typeof commandId === "string")
      && (clientState === undefined || (typeof clientState === "string" && BASE64.test(clientState)));
    if (!wellFormed) return telnyxError(400, "10015", "Bad Request", "The request failed because it was not well-formed.");

    const command = typeof commandId === "string" ? `telnyx:${callId}:${commandId}` : undefined;
    if (command && state.commandIds.has(command)) return OK;
    if (callId.startsWith(FAKE_CALL_PREFIXES.unknown)) {
      return telnyxError(404, "10005", "Resource not found", "The requested resource or URL could not be found.");
    }
    const key = `telnyx:${callId}`;
    if (callId.startsWith(FAKE_CALL_PREFIXES.ended) || state.ended.has(key)) {
      return telnyxError(422, "90018", "Call has already ended", "This call is no longer active and can't receive commands.");
    }
    state.ended.add(key);
    if (command) state.commandIds.add(command);
    return OK;
  },
};
