/**
 * The providers whose status callbacks the gateway reads, by provider name. Alohaa and Callab document
 * no callback format to read, and the sandbox has no calls outside the gateway: callbacks on their
 * connections are answered 404.
 */
import { plivoCallbacks } from "./plivo";
import { telnyxCallbacks } from "./telnyx";
import { tryvoxCallbacks } from "./tryvox";
import { twilioCallbacks } from "./twilio";
import type { CallbackDialect } from "./types";
import { vonageCallbacks } from "./vonage";

const dialects = new Map([twilioCallbacks, plivoCallbacks, tryvoxCallbacks, telnyxCallbacks, vonageCallbacks].map((d) => [d.provider, d]));

export function callbackDialect(provider: string): CallbackDialect | undefined {
  return dialects.get(provider);
}
