/**
 * A Twilio status callback as Twilio sends one (the bench and `npm run load -- --events` send them): form
 * fields, signed in `X-Twilio-Signature` with the base64 HMAC-SHA1, keyed by the auth token, of the URL
 * called followed by every field sorted by name, name then value. Written from Twilio's documentation,
 * independently of the gateway's own check (src/providers/twilio/callbacks.ts), as the tests sign them.
 */
import { createHmac } from "node:crypto";

export interface TwilioAuth {
  account_sid: string;
  auth_token: string;
}

/** Twilio's RFC 2822 time: `Tue, 31 Aug 2010 20:36:28 +0000`. */
export const twilioTime = (ms: number) => new Date(ms).toUTCString().replace("GMT", "+0000");

/** The body and headers of a callback to `url` with `fields` (`AccountSid` added). */
export function twilioCallback(url: string, auth: TwilioAuth, fields: Record<string, string>): { body: string; headers: Record<string, string> } {
  const params: Record<string, string> = { AccountSid: auth.account_sid, ...fields };
  const signed = url + Object.keys(params).sort().map((name) => name + params[name]).join("");
  return {
    body: new URLSearchParams(params).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": createHmac("sha1", auth.auth_token).update(signed).digest("base64") },
  };
}
