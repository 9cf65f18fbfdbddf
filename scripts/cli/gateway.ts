/**
 * How the CLI reaches a running gateway: where it is, which credential to send, and what to tell the
 * operator when it answers with a problem (its `detail`, and every entry of `errors`) or not at all.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClientOptions } from "../../src/client";
import { DEV_VARS_FILE, readDevVars } from "../lib/dev-vars";
import { describeFailure, gatewayClient, type GatewayClient } from "../lib/gateway-client";
import type { OptionSpec } from "./command";
import { CliError } from "./errors";

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8787";
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export const URL_OPTION = {
  type: "string",
  placeholder: "url",
  description: `The gateway (default: $HANGUP_GATEWAY_URL, else ${DEFAULT_GATEWAY_URL})`,
} satisfies OptionSpec;
export const TOKEN_OPTION = {
  type: "string",
  placeholder: "token",
  description: "The admin token (default: $ADMIN_TOKEN, else ADMIN_TOKEN in .dev.vars)",
} satisfies OptionSpec;
export const KEY_OPTION = {
  type: "string",
  placeholder: "key",
  description: "A tenant API key, hgw_… (default: $HANGUP_GATEWAY_KEY)",
} satisfies OptionSpec;

export function gatewayUrl(flag: string | undefined): string {
  return flag ?? process.env.HANGUP_GATEWAY_URL ?? DEFAULT_GATEWAY_URL;
}

/** --token, else $ADMIN_TOKEN, else the .dev.vars that `npm start` wrote. */
export function adminToken(flag: string | undefined): string {
  const token = flag ?? process.env.ADMIN_TOKEN ?? readDevVars(join(REPO_ROOT, DEV_VARS_FILE)).ADMIN_TOKEN;
  if (!token) throw new CliError("No admin token: pass --token, set ADMIN_TOKEN, or run `npm start` once to create .dev.vars.");
  return token;
}

export function apiKey(flag: string | undefined): string {
  const key = flag ?? process.env.HANGUP_GATEWAY_KEY;
  if (!key) throw new CliError("No API key: pass --key or set HANGUP_GATEWAY_KEY (`key create` issues one).");
  return key;
}

export interface GatewayAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** `/admin/tenants/{tenant}` and below, each segment percent-encoded: `tenantPath("acme", "keys", id)`, for messages. */
export function tenantPath(tenant: string, ...below: string[]): string {
  return ["/admin/tenants", tenant, ...below].map((part, n) => (n === 0 ? part : encodeURIComponent(part))).join("/");
}

/**
 * Sends one request through the scripts' typed client (scripts/lib/gateway-client.ts); any answer but a
 * 2xx becomes a CliError that quotes the problem (`what` names the request: "PUT /admin/tenants/acme").
 * The operator's values go to the gateway as given, so its own validation answers them: where a route's
 * type is narrower than a command-line string, the command says so with a cast.
 */
export async function callGateway(
  baseUrl: string,
  what: string,
  credentials: ClientOptions,
  send: (client: GatewayClient) => Promise<{ ok: boolean; status: number; headers: Headers; text(): Promise<string> }>,
): Promise<GatewayAnswer> {
  let response: Awaited<ReturnType<typeof send>>;
  try {
    response = await send(gatewayClient(baseUrl.replace(/\/+$/, ""), credentials));
  } catch (error) {
    // fetch reports "fetch failed"; the cause says why (ECONNREFUSED, a DNS failure, a refused port).
    const { cause } = error as { cause?: { code?: string; message?: string } };
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError(`Could not reach the gateway at ${baseUrl} (${why}). Is it running? \`npm start\` starts one; --url points elsewhere.`);
  }
  if (!response.ok) {
    const failure = await describeFailure(what, response as unknown as Response);
    throw new CliError(failure.message, failure.errors);
  }
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? parseJson(text) : null };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
