/**
 * Vonage Voice API v1 as its reference describes the hangup: `PUT /v1/calls/{uuid}` with JSON
 * `{"action":"hangup"}` and `Authorization: Bearer <JWT>`, an RS256 token signed with the application's
 * private key and carrying `application_id`, `iat`, `jti` (and here `exp`). The fake holds only the public
 * half of the test key pair, as Vonage does, and checks the signature and claims. 204 on success; errors
 * are `{type, title, detail, instance}`: 401 for a missing, badly signed or expired token or another
 * application, 400 for a body that is not `{"action":"hangup"}`, 404 for a uuid with no live call
 * (over, unknown, or already hung up here).
 *
 * The status read `GET /v1/calls/{uuid}` (same token) answers the call resource: `answered` for a live call,
 * `completed` for one this fake hung up, `busy` for an `ended-` call (with `end_time` and `duration`), 404
 * for an `unknown-` one. `from` and `to` are `{ type, number }` objects there, as the SDK's types say.
 */
import { FAKE_CALL_PREFIXES, type FakeProviderRoutes, bearerToken, decodeSegment, isJsonRequest, json, jsonObject, pathOf } from "../testing/fakes";
import { createPublicKey, verify } from "node:crypto";
import { VONAGE_TEST_PRIVATE_KEY, VONAGE_TEST_PUBLIC_KEY } from "./test-key";

export const VONAGE_FAKE_AUTH = {
  application_id: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
  private_key: VONAGE_TEST_PRIVATE_KEY,
} as const;

const PATH = /^\/(?:.*\/)?v1\/calls\/([^/]+)$/;
/** Clock difference tolerated between the gateway and this fake. */
const CLOCK_SKEW_SECONDS = 60;

const publicKey = createPublicKey(VONAGE_TEST_PUBLIC_KEY);

function vonageError(status: number, slug: string, title: string, detail: string) {
  return json(status, { type: `https://developer.nexmo.com/api-errors#${slug}`, title, detail, instance: crypto.randomUUID() });
}

function decodePart(part: string): Record<string, unknown> | undefined {
  return jsonObject(Buffer.from(part, "base64url").toString("utf8"));
}

/** A token this fake's application signed, still valid now. */
function isValidToken(token: string | undefined): boolean {
  const [header, claims, signature, ...rest] = token?.split(".") ?? [];
  if (!header || !claims || !signature || rest.length > 0) return false;
  if (decodePart(header)?.alg !== "RS256") return false;
  if (!verify("RSA-SHA256", Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, "base64url"))) return false;
  const { application_id, iat, exp, jti } = decodePart(claims) ?? {};
  const now = Math.floor(Date.now() / 1000);
  return application_id === VONAGE_FAKE_AUTH.application_id
    && typeof jti === "string" && jti !== ""
    && typeof iat === "number" && iat <= now + CLOCK_SKEW_SECONDS
    && (exp === undefined || (typeof exp === "number" && exp > now - CLOCK_SKEW_SECONDS));
}

function statusRead(callId: string, ended: boolean) {
  if (callId.startsWith(FAKE_CALL_PREFIXES.unknown)) {
    return vonageError(404, "not-found", "Not Found", `Call ${callId} was not found.`);
  }
  const now = Date.now();
  const call = {
    uuid: callId,
    conversation_uuid: `CON-${crypto.randomUUID()}`,
    direction: "outbound",
    from: { type: "phone", number: "14155550199" },
    to: { type: "phone", number: "14155550100" },
    start_time: new Date(now - 60_000).toISOString(),
  };
  if (callId.startsWith(FAKE_CALL_PREFIXES.ended)) return json(200, { ...call, status: "busy", end_time: new Date(now).toISOString(), duration: "0" });
  if (ended) return json(200, { ...call, status: "completed", end_time: new Date(now).toISOString(), duration: "60" });
  return json(200, { ...call, status: "answered" });
}

export const fake: FakeProviderRoutes = {
  name: "vonage",
  callId(request) {
    if (request.method !== "PUT" && request.method !== "GET") return undefined;
    const match = PATH.exec(pathOf(request));
    return match ? decodeSegment(match[1] ?? "") : undefined;
  },
  answer(request, callId, state) {
    if (!isValidToken(bearerToken(request))) {
      return vonageError(401, "unauthorized", "Unauthorized", "You did not provide correct credentials.");
    }
    if (request.method === "GET") return statusRead(callId, state.ended.has(`vonage:${callId}`));
    if (!isJsonRequest(request) || jsonObject(request.body)?.action !== "hangup") {
      return vonageError(400, "bad-request", "Bad Request", "The request body is not a valid call modification.");
    }
    const key = `vonage:${callId}`;
    if (callId.startsWith(FAKE_CALL_PREFIXES.ended) || callId.startsWith(FAKE_CALL_PREFIXES.unknown) || state.ended.has(key)) {
      return vonageError(404, "not-found", "Not Found", `Call ${callId} was not found or is not active.`);
    }
    state.ended.add(key);
    return { status: 204 };
  },
};
