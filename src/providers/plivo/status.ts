/**
 * Plivo's call status read, in two steps (HTTP Basic, as its hangup):
 * 1. the live call: `GET {base}/v1/Account/{auth_id}/Call/{call_uuid}/?status=live`: 200 with `call_status`
 *    while the call is live; 404 once it is not (or never was);
 * 2. then its call detail record: `GET {base}/v1/Account/{auth_id}/Call/{call_uuid}/`: 200 with
 *    `hangup_cause_name`, `hangup_cause_code`, `hangup_source`, `answer_time`, `end_time`, `call_duration`
 *    for a call that ended; 404 for a call Plivo does not know (both reads 404).
 * Plivo writes the detail record shortly after the end, so a call read in that moment reads `unknown`.
 */
import { basicAuth, joinUrl, jsonField, segment } from "../http";
import { plivoInstant } from "../lifecycle/times";
import { endedReading, is2xx, readStatusFailure, undocumentedAnswer } from "../status-answers";
import type { StatusInput, StatusRead } from "../types";
import { plivoCause, plivoEndedBy, plivoStatus } from "./lifecycle";

interface PlivoCredentials {
  auth_id: string;
  auth_token: string;
}

function callUrl({ callId, credentials: { auth_id }, baseUrl }: StatusInput<PlivoCredentials>): string {
  return joinUrl(baseUrl, `/v1/Account/${segment(auth_id)}/Call/${segment(callId)}/`);
}

function authorization({ credentials: { auth_id, auth_token } }: StatusInput<PlivoCredentials>) {
  return { authorization: basicAuth(auth_id, auth_token) };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export const plivoStatusRead: StatusRead<PlivoCredentials> = {
  steps: [
    {
      buildRequest(input) {
        return { method: "GET", url: `${callUrl(input)}?status=live`, headers: authorization(input) };
      },

      readResponse(answer) {
        // 404: not live (over, or never known); the detail record tells which.
        if (answer.status === 404) return { kind: "next" };
        if (!is2xx(answer)) return readStatusFailure(answer);
        const status = jsonField(answer.body, "call_status");
        if (typeof status !== "string") return undocumentedAnswer("Plivo", "call_status");
        return plivoStatus(status)?.state === "ended" ? { kind: "next" } : { kind: "live" };
      },
    },
    {
      buildRequest(input) {
        return { method: "GET", url: callUrl(input), headers: authorization(input) };
      },

      readResponse(answer) {
        if (!is2xx(answer)) return readStatusFailure(answer);
        const field = (name: string) => jsonField(answer.body, name);
        const name = text(field("hangup_cause_name"));
        const code = field("hangup_cause_code");
        const endTime = text(field("end_time"));
        if (name === undefined && code === undefined && endTime === undefined) {
          return undocumentedAnswer("Plivo", "a call detail record (hangup_cause_name, end_time)");
        }
        const source = text(field("hangup_source"));
        return endedReading({
          cause: plivoCause({ causeCode: typeof code === "number" || typeof code === "string" ? code : undefined, source }),
          endedBy: plivoEndedBy(source),
          providerCause: name,
          endedAt: plivoInstant(endTime),
          answeredAt: plivoInstant(text(field("answer_time"))),
          durationSeconds: field("call_duration"),
        });
      },
    },
  ],
};
