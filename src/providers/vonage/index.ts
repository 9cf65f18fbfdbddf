/**
 * Vonage (Voice API v1) — `PUT {base}/v1/calls/{uuid}` with JSON `{"action":"hangup"}`, authenticated by a
 * short-lived RS256 JWT that the gateway signs itself (with `jose`) from the application's private key (Vonage keeps
 * only the public half). 204 (no body) is a hangup. 404 is Vonage's answer for a uuid it has no live call for,
 * ended or never known: read as `not_found`, since nothing says which. The request is built
 * asynchronously because signing is; the token is fresh for every hangup and outlives its retries.
 */
import { z } from "zod";
import { isEmptyBody, isSuccessStatus, joinUrl, jsonField, readGenericFailure, segment } from "../http";
import { describePrivateKeyProblem, signApplicationJwt } from "./private-key";
import type { ProviderAdapter } from "../types";
import { vonageStatusRead } from "./status";

/** Long enough for every retry inside the send budget, short enough to be worthless if it leaks. */
const TOKEN_LIFETIME_SECONDS = 300;

const credentials = z.object({
  application_id: z.string().min(1),
  private_key: z.string().min(1).superRefine((pem, ctx) => {
    const problem = describePrivateKeyProblem(pem);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  /** The account's signature secret: when present, callbacks must carry its HS256 JWT (./callbacks.ts). */
  signature_secret: z.string().min(1).max(512).optional(),
}).strict();

/** Vonage errors are `{type, title, detail, instance}`; the fragment of `type` names the error ("not-found"). */
function errorCode(body: string): string | undefined {
  const type = jsonField(body, "type");
  if (typeof type !== "string" || !type.includes("#")) return undefined;
  return type.slice(type.indexOf("#") + 1) || undefined;
}

const callPath = (encodedCallId: string) => `/v1/calls/${encodedCallId}`;

export const vonage: ProviderAdapter<z.infer<typeof credentials>> = {
  name: "vonage",
  credentials,
  defaultBaseUrl: "https://api.nexmo.com",
  status: vonageStatusRead,
  address: { pathTail: callPath },

  async buildRequest({ callId, credentials: { application_id, private_key }, baseUrl }) {
    const url = joinUrl(baseUrl, callPath(segment(callId)));
    const iat = Math.floor(Date.now() / 1000);
    const token = await signApplicationJwt({ application_id, iat, exp: iat + TOKEN_LIFETIME_SECONDS, jti: crypto.randomUUID() }, private_key);
    return {
      method: "PUT",
      url,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "hangup" }),
    };
  },

  readResponse(answer) {
    // Its documented success is 204 No Content: a 2xx with a body (its error object included) is something else.
    if (isSuccessStatus(answer.status) && isEmptyBody(answer.body)) return { status: "terminated", detail: "Vonage hung up the call" };
    const code = errorCode(answer.body);
    if (answer.status === 404) return { status: "not_found", code, detail: "Vonage has no live call with this uuid (ended or unknown)" };
    return readGenericFailure(answer, code);
  },
};
