/**
 * Callab as its "End a Call" document describes it: `POST /calls/end` (under its `/v1` base) with
 * `Authorization: Bearer` and JSON `{ call_id (UUID), disconnect_reason? }`. Success is 200 with its
 * `{status, message, data}` envelope; EVERY error — wrong key, body that is not the documented JSON,
 * call id that is not a UUID, unknown call, call already ended (or hung up here before) — is 200 with an
 * empty body, as the document says its errors are.
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes, type FakeReply, bearerToken, isJsonRequest, json, jsonObject, pathOf } from "../testing/fakes";

export const CALLAB_FAKE_AUTH = { api_key: "fake-callab-api-key" } as const;
const PATH = /^\/(?:.*\/)?calls\/end$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_DISCONNECT_REASON = "Ended Via API call";

const EMPTY_ERROR: FakeReply = { status: 200 };

export const fake: FakeProviderRoutes = {
  name: "callab",
  callId(request) {
    if (request.method !== "POST" || !PATH.test(pathOf(request))) return undefined;
    const callId = jsonObject(request.body)?.call_id;
    return typeof callId === "string" ? callId : "";
  },
  answer(request, callId, state) {
    const body = jsonObject(request.body);
    const reason = body?.disconnect_reason;
    if (bearerToken(request) !== CALLAB_FAKE_AUTH.api_key) return EMPTY_ERROR;
    if (!isJsonRequest(request) || !body || (reason !== undefined && typeof reason !== "string")) return EMPTY_ERROR;
    const key = `callab:${callId}`;
    const over = callId.startsWith(FAKE_CALL_PREFIXES.ended) || callId.startsWith(FAKE_CALL_PREFIXES.unknown) || state.ended.has(key);
    if (!UUID.test(callId) || over) return EMPTY_ERROR;
    state.ended.add(key);
    return json(200, {
      status: "success",
      message: "Call ended successfully",
      data: { call_id: callId, disconnect_reason: reason ?? DEFAULT_DISCONNECT_REASON },
    });
  },
};
