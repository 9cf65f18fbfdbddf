/**
 * Every provider the gateway speaks, by the name connections use: its hangup module and, where the gateway
 * reads its status callbacks, its callback dialect. This one list feeds the connection schema's enum, the
 * policy schema's provider list and the callback route. Adding a provider is one folder beside the others
 * (`index.ts`, `callbacks.ts`, `fake.ts`, tests) and one row here.
 */
import { alohaa } from "./alohaa";
import { callab } from "./callab";
import type { CallbackDialect } from "./callbacks/types";
import { plivo } from "./plivo";
import { plivoCallbacks } from "./plivo/callbacks";
import { sandbox } from "./sandbox";
import { telnyx } from "./telnyx";
import { telnyxCallbacks } from "./telnyx/callbacks";
import { tryvox } from "./tryvox";
import { tryvoxCallbacks } from "./tryvox/callbacks";
import { twilio } from "./twilio";
import { twilioCallbacks } from "./twilio/callbacks";
import type { ProviderAdapter } from "./types";
import { vonage } from "./vonage";
import { vonageCallbacks } from "./vonage/callbacks";

interface ProviderEntry {
  // `unknown` credentials: each adapter's own schema parses them before its buildRequest sees them.
  adapter: ProviderAdapter<unknown>;
  /** Absent: the provider documents no callback the gateway can read (Alohaa, Callab; the sandbox has none). */
  callbacks?: CallbackDialect;
}

const PROVIDERS = {
  alohaa: { adapter: alohaa },
  tryvox: { adapter: tryvox, callbacks: tryvoxCallbacks },
  plivo: { adapter: plivo, callbacks: plivoCallbacks },
  callab: { adapter: callab },
  twilio: { adapter: twilio, callbacks: twilioCallbacks },
  telnyx: { adapter: telnyx, callbacks: telnyxCallbacks },
  vonage: { adapter: vonage, callbacks: vonageCallbacks },
  sandbox: { adapter: sandbox },
} satisfies Record<string, ProviderEntry>;

export type ProviderName = keyof typeof PROVIDERS;

export const PROVIDER_NAMES = Object.keys(PROVIDERS) as [ProviderName, ...ProviderName[]];

function entry(name: string): ProviderEntry | undefined {
  return Object.hasOwn(PROVIDERS, name) ? (PROVIDERS as Record<string, ProviderEntry>)[name] : undefined;
}

export function getProvider(name: string): ProviderAdapter<unknown> | undefined {
  return entry(name)?.adapter;
}

/** How the provider's status callbacks are read, or undefined when the gateway reads none from it. */
export function getCallbackDialect(name: string): CallbackDialect | undefined {
  return entry(name)?.callbacks;
}
