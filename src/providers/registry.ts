/**
 * Every provider the gateway speaks, by the name connections use. Adding a provider is one module
 * beside the others and one row here.
 */
import { alohaa } from "./alohaa";
import { callab } from "./callab";
import { plivo } from "./plivo";
import { sandbox } from "./sandbox";
import { telnyx } from "./telnyx";
import { tryvox } from "./tryvox";
import { twilio } from "./twilio";
import type { ProviderAdapter } from "./types";
import { vonage } from "./vonage";

// `unknown` credentials: each adapter's own schema parses them before its buildRequest sees them.
const adapters: ProviderAdapter<unknown>[] = [sandbox, alohaa, tryvox, plivo, callab, twilio, telnyx, vonage];

const byName = new Map(adapters.map((a) => [a.name, a]));

export const PROVIDER_NAMES = adapters.map((a) => a.name) as [string, ...string[]];

export function getProvider(name: string): ProviderAdapter<unknown> | undefined {
  return byName.get(name);
}
