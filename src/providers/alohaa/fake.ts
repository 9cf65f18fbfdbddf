/**
 * Alohaa as its hangup document describes it: `POST /v1/external/call/hangup` with the key in
 * `x-metro-api-key` and JSON `{ "call_id" }`. The document shows bodies but no HTTP status, so this fake
 * sends every body with 200 (the unit tests try other statuses): `{"success":true,"response":{call_id}}`,
 * or `{"success":false,"error":{code,reason}}` with 1002 (wrong key), 1009 (not the documented JSON) or
 * 1040 (no active call: ended, unknown, or already hung up here). 1000 comes only when scripted.
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes, type FakeReply, isJsonRequest, json, jsonObject, pathOf } from "../testing/fakes";

export const ALOHAA_FAKE_AUTH = { api_key: "fake-alohaa-api-key" } as const;
const PATH = /^\/(?:.*\/)?v1\/external\/call\/hangup$/;

function failure(code: number, reason: string): FakeReply {
  return json(200, { success: false, error: { code, reason } });
}

export const fake: FakeProviderRoutes = {
  name: "alohaa",
  callId(request) {
    if (request.method !== "POST" || !PATH.test(pathOf(request))) return undefined;
    const callId = jsonObject(request.body)?.call_id;
    return typeof callId === "string" ? callId : "";
  },
  answer(request, callId, state) {
    if (request.headers["x-metro-api-key"] !== ALOHAA_FAKE_AUTH.api_key) return failure(1002, "Invalid api key id");
    if (!isJsonRequest(request) || callId === "") return failure(1009, "Invalid schema or Missing Data sent");
    const key = `alohaa:${callId}`;
    if (callId.startsWith(FAKE_CALL_PREFIXES.ended) || callId.startsWith(FAKE_CALL_PREFIXES.unknown) || state.ended.has(key)) {
      return failure(1040, "Call details not found");
    }
    state.ended.add(key);
    return json(200, { success: true, response: { call_id: callId } });
  },
};
