/**
 * TryVox as its hangup document describes it: `DELETE /v1/voice/accounts/{auth_id}/calls/{call_uuid}`
 * with `Authorization: Bearer`; 204 with no body on success, 404 `{"error":"call_already_ended",...}` for a
 * call that is over (or that this fake already hung up) and `{"error":"call_not_found",...}` for one it
 * never had (the document gives no status for that one; 404 here). A wrong key or another account's
 * auth_id gets 401 `{"error":"unauthorized"}` (auth errors are not documented).
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes, bearerToken, decodeSegment, json, pathOf } from "../testing/fakes";

export const TRYVOX_FAKE_AUTH = { auth_id: "fake-tryvox-account", api_key: "tvx_sk_test_fake" } as const;
const PATH = /^\/(?:.*\/)?v1\/voice\/accounts\/([^/]+)\/calls\/([^/]+)$/;

function parse(path: string): { authId: string; callId: string } | undefined {
  const match = PATH.exec(path);
  const authId = decodeSegment(match?.[1] ?? "");
  const callId = decodeSegment(match?.[2] ?? "");
  return match && authId !== undefined && callId !== undefined ? { authId, callId } : undefined;
}

export const fake: FakeProviderRoutes = {
  name: "tryvox",
  callId(request) {
    if (request.method !== "DELETE") return undefined;
    return parse(pathOf(request))?.callId;
  },
  answer(request, callId, state) {
    const authId = parse(pathOf(request))?.authId;
    if (bearerToken(request) !== TRYVOX_FAKE_AUTH.api_key || authId !== TRYVOX_FAKE_AUTH.auth_id) {
      return json(401, { error: "unauthorized", message: "Invalid API key" });
    }
    if (callId.startsWith(FAKE_CALL_PREFIXES.unknown)) {
      return json(404, { error: "call_not_found", message: `Call with UUID ${callId} not found` });
    }
    const key = `tryvox:${callId}`;
    if (callId.startsWith(FAKE_CALL_PREFIXES.ended) || state.ended.has(key)) {
      return json(404, { error: "call_already_ended", message: "Call has already ended" });
    }
    state.ended.add(key);
    return { status: 204 };
  },
};
