/**
 * Twilio's call status read: `GET {base}/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json`, HTTP Basic
 * (as its hangup), answered with the Call resource: `status` in the words of ./lifecycle.ts (`queued`,
 * `ringing`, `in-progress` live; `completed`, `busy`, `failed`, `no-answer`, `canceled` ended), `end_time`
 * (RFC 2822) and `duration`. 404 (error 20404) is a call sid Twilio does not know.
 */
import { basicAuth, joinUrl, jsonField, segment } from "../http";
import { rfc2822Instant } from "../lifecycle/times";
import { endedReading, is2xx, readStatusFailure, undocumentedAnswer } from "../status-answers";
import type { StatusRead } from "../types";
import { twilioStatus } from "./lifecycle";

interface TwilioCredentials {
  account_sid: string;
  auth_token: string;
}

export const twilioStatusRead: StatusRead<TwilioCredentials> = {
  steps: [
    {
      buildRequest({ callId, credentials: { account_sid, auth_token }, baseUrl }) {
        return {
          method: "GET",
          url: joinUrl(baseUrl, `/2010-04-01/Accounts/${segment(account_sid)}/Calls/${segment(callId)}.json`),
          headers: { authorization: basicAuth(account_sid, auth_token) },
        };
      },

      readResponse(answer) {
        if (!is2xx(answer)) return readStatusFailure(answer);
        const status = jsonField(answer.body, "status");
        const meaning = typeof status === "string" ? twilioStatus(status) : undefined;
        if (!meaning) return undocumentedAnswer("Twilio", "a documented call status");
        if (meaning.state !== "ended") return { kind: "live" };
        const endTime = jsonField(answer.body, "end_time");
        return endedReading({
          cause: meaning.cause,
          endedBy: "unknown",
          endedAt: typeof endTime === "string" ? rfc2822Instant(endTime) : null,
          durationSeconds: jsonField(answer.body, "duration"),
        });
      },
    },
  ],
};
