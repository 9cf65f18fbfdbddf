/**
 * Vonage's call status read: `GET {base}/v1/calls/{uuid}` with the application's RS256 JWT (as its hangup),
 * answered with the call resource: `status` in the words of its event webhooks (./lifecycle.ts), `end_time`
 * (ISO 8601) and `duration`. It says no more about why or by whom a call ended than its status word.
 */
import { joinUrl, jsonField, segment } from "../http";
import { isoInstant } from "../lifecycle/times";
import { endedReading, is2xx, readStatusFailure, undocumentedAnswer } from "../status-answers";
import type { StatusRead } from "../types";
import { vonageStatus } from "./lifecycle";
import { signApplicationJwt } from "./private-key";

/** One read, one token: a minute is ample and worth little if it leaks. */
const TOKEN_LIFETIME_SECONDS = 60;

export const vonageStatusRead: StatusRead<{ application_id: string; private_key: string }> = {
  steps: [
    {
      async buildRequest({ callId, credentials: { application_id, private_key }, baseUrl }) {
        const url = joinUrl(baseUrl, `/v1/calls/${segment(callId)}`);
        const iat = Math.floor(Date.now() / 1000);
        const token = await signApplicationJwt({ application_id, iat, exp: iat + TOKEN_LIFETIME_SECONDS, jti: crypto.randomUUID() }, private_key);
        return { method: "GET", url, headers: { authorization: `Bearer ${token}` } };
      },

      readResponse(answer) {
        if (!is2xx(answer)) return readStatusFailure(answer);
        const status = jsonField(answer.body, "status");
        const meaning = typeof status === "string" ? vonageStatus(status) : undefined;
        if (!meaning) return undocumentedAnswer("Vonage", "a documented call status");
        if (meaning.state !== "ended") return { kind: "live" };
        const endTime = jsonField(answer.body, "end_time");
        return endedReading({
          cause: meaning.cause,
          endedAt: typeof endTime === "string" ? isoInstant(endTime) : null,
          durationSeconds: jsonField(answer.body, "duration"),
        });
      },
    },
  ],
};
