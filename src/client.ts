/**
 * The typed client for code that calls the gateway: Hono's `hc` over the gateway's own route types, so a
 * request that the Worker would reject as malformed does not compile, and every answer is typed.
 *
 * Only types come from ./app (`import type`), so a bundle of this client holds Hono's small client and
 * nothing of the Worker. Published as `hangup-gateway/client` (TypeScript source: for TypeScript code and
 * bundlers).
 *
 * One client can speak as both an operator and a tenant: each request carries the admin token or the API
 * key according to the part of the API it addresses. A key may be limited to some scopes (`Scope`):
 * `client.v1.key.$get()` says which it holds, and a request outside them answers 403 with the problem's
 * `code` `insufficient_scope` and the scope it needs in `required_scope`.
 */
import { hc } from "hono/client";
import type { AppType } from "./app";
import type { Problem } from "./http/problem";

export type { Problem };
export type { Scope } from "./auth/scopes";

const ADMIN_PREFIX = "/admin/";

export interface ClientOptions {
  /** A tenant API key (`hgw_…`), sent to `/v1/*`. */
  apiKey?: string;
  /** The operator's ADMIN_TOKEN, sent to `/admin/*`. */
  adminToken?: string;
  /** Another fetch (tests, proxies, a service binding's `fetch`); the global one by default. */
  fetch?: typeof fetch;
}

export function createClient(baseUrl: string, options: ClientOptions = {}) {
  return hc<AppType>(baseUrl, { fetch: authorizingFetch(baseUrl, options) });
}

/**
 * The problem document of an answer that is not ok. Route types describe successful answers only (errors
 * are thrown inside the Worker), but every error the gateway sends is `application/problem+json`.
 */
export async function readProblem(response: { json(): Promise<unknown> }): Promise<Problem> {
  return (await response.json()) as Problem;
}

/** A fetch that adds `Authorization: Bearer …` with the credential the addressed route expects. */
function authorizingFetch(baseUrl: string, { apiKey, adminToken, fetch: send }: ClientOptions): typeof fetch {
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, "");
  return (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname.slice(basePath.length);
    const credential = path.startsWith(ADMIN_PREFIX) ? adminToken : apiKey;
    if (credential && !request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${credential}`);
    return (send ?? fetch)(request);
  };
}
