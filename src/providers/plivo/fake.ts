/**
 * Plivo as its hangup document describes it: `DELETE /v1/Account/{auth_id}/Call/{call_uuid}/` with Basic
 * auth; 204 with no body on success, 404 `{"api_id","error":"not found"}` for a call it does not have
 * (ended or unknown). A DELETE on `/Call/` without a uuid would hang up every call on the account: the
 * fake answers it like Plivo would (204), and tests assert it never arrives.
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes } from "../testing/fakes";

export const PLIVO_FAKE_AUTH = { auth_id: "MAFAKEAUTHID0000000", auth_token: "fake-plivo-token" } as const;
const PATH = /^\/(?:.*\/)?v1\/Account\/([^/]+)\/Call\/([^/]*)\/?$/;

export const fake: FakeProviderRoutes = {
  name: "plivo",
  callId(request) {
    if (request.method !== "DELETE") return undefined;
    const match = PATH.exec(request.path.split("?")[0] ?? "");
    return match ? decodeURIComponent(match[2] ?? "") : undefined;
  },
  answer(request, callId, state) {
    const expected = "Basic " + Buffer.from(`${PLIVO_FAKE_AUTH.auth_id}:${PLIVO_FAKE_AUTH.auth_token}`).toString("base64");
    if (request.headers.authorization !== expected) {
      return { status: 401, body: JSON.stringify({ api_id: crypto.randomUUID(), error: "authentication failed" }) };
    }
    const notFound = { status: 404, body: JSON.stringify({ api_id: crypto.randomUUID(), error: "not found" }) };
    if (callId.startsWith(FAKE_CALL_PREFIXES.ended) || callId.startsWith(FAKE_CALL_PREFIXES.unknown)) return notFound;
    if (state.ended.has(`plivo:${callId}`)) return notFound;
    // An empty uuid is the account-wide hangup; record it as done so tests can see the damage.
    state.ended.add(`plivo:${callId}`);
    return { status: 204 };
  },
};
