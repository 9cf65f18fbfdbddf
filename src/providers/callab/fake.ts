/**
 * Callab as its "End a Call" document describes it: `POST /calls/end` (under its `/v1` base) with
 * `Authorization: Bearer` and JSON `{ call_id (UUID), disconnect_reason? }`. Success is 200 with its
 * `{status, message, data}` envelope; EVERY error — wrong key, body that is not the documented JSON,
 * call id that is not a UUID, unknown call, call already ended (or hung up here before) — is 200 with an
 * empty body, as the document says its errors are.
 *
 * Its "Get A Call" read, `GET /calls/{id}` (under `/v1`), answers the envelope with the call in `data`:
 * `call_status` `in-progress` and no `ended_at` for a live call; `busy` with `ended_at` for an `ended-` call;
 * `completed` with `ended_at` and the default `disconnect_reason` for one this fake ended; 404 with an error
 * envelope for an `unknown-` call or an id that is not a UUID; 401 for a wrong key (undocumented: its auth
 * layer's likely answer). Vonage's status read has the same path shape (`/v1/calls/{uuid}`): this fake
 * leaves requests carrying a JWT (Vonage's token) to Vonage's fake.
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes, type FakeReply, bearerToken, decodeSegment, isJsonRequest, json, jsonObject, pathOf } from "../testing/fakes";

export const CALLAB_FAKE_AUTH = { api_key: "fake-callab-api-key" } as const;
const PATH = /^\/(?:.*\/)?calls\/end$/;
const STATUS_PATH = /^\/(?:.*\/)?v1\/calls\/([^/]+)$/;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_DISCONNECT_REASON = "Ended Via API call";

const EMPTY_ERROR: FakeReply = { status: 200 };

function envelope(status: number, data: Record<string, unknown> | null, message: string): FakeReply {
  return json(status, { status: data ? "success" : "error", message, data });
}

function statusRead(callId: string, ended: boolean): FakeReply {
  if (callId.startsWith(FAKE_CALL_PREFIXES.unknown) || !(UUID.test(callId) || callId.startsWith(FAKE_CALL_PREFIXES.ended))) {
    return envelope(404, null, "Call not found");
  }
  const now = Date.now();
  const call = { id: callId, call_sid: `CA${crypto.randomUUID().replace(/-/g, "")}`, call_provider: "twilio", call_direction: "outbound", call_to: "+14155550100", started_at: new Date(now - 60_000).toISOString() };
  if (callId.startsWith(FAKE_CALL_PREFIXES.ended)) {
    return envelope(200, { ...call, call_status: "busy", call_duration: 0, ended_at: new Date(now).toISOString(), disconnect_reason: "busy" }, "Call fetched");
  }
  if (ended) {
    return envelope(200, { ...call, call_status: "completed", call_duration: 60, ended_at: new Date(now).toISOString(), disconnect_reason: DEFAULT_DISCONNECT_REASON }, "Call fetched");
  }
  return envelope(200, { ...call, call_status: "in-progress", call_duration: null, ended_at: null, disconnect_reason: null }, "Call fetched");
}

export const fake: FakeProviderRoutes = {
  name: "callab",
  callId(request) {
    if (request.method === "GET") {
      const match = JWT.test(bearerToken(request) ?? "") ? null : STATUS_PATH.exec(pathOf(request));
      return match ? decodeSegment(match[1] ?? "") : undefined;
    }
    if (request.method !== "POST" || !PATH.test(pathOf(request))) return undefined;
    const callId = jsonObject(request.body)?.call_id;
    return typeof callId === "string" ? callId : "";
  },
  answer(request, callId, state) {
    if (request.method === "GET") {
      return bearerToken(request) === CALLAB_FAKE_AUTH.api_key ? statusRead(callId, state.ended.has(`callab:${callId}`)) : envelope(401, null, "Unauthorized");
    }
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
