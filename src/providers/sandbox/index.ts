/**
 * The sandbox: a provider simulated inside the gateway, so that every outcome can be tried with no
 * account anywhere. It speaks a tiny REST dialect to itself and goes through the same sending,
 * timeout and retry code as a real provider. The call id chooses the behaviour:
 *
 *   ended-…     the call is already over          → already_ended
 *   unknown-…   the provider never had the call   → not_found
 *   fail-…      the provider keeps failing (503)  → failed, after bounded retries
 *   flaky-…     fails once (503), then hangs up   → terminated on the second attempt
 *   badauth-…   credentials rejected (401)        → failed, not retried
 *   anything else is a live call                   → terminated (and ended from then on)
 */
import { z } from "zod";
import { isEmptyBody, joinUrl, jsonField, readGenericFailure, segment } from "../http";
import type { ProviderAdapter } from "../types";

const SANDBOX_BASE_URL = "https://sandbox.hangup-gateway.invalid";

/**
 * How many calls the sandbox remembers per isolate, all tenants and connections together. Its memory is
 * a convenience (a second hangup of the same call answers "already ended"), not a record: past this many,
 * the oldest are forgotten, so an isolate serving any number of sandbox calls holds a bounded amount of
 * state. A call is remembered under its tenant, connection and id: the same id elsewhere is another call.
 */
export const SANDBOX_MEMORY = 10_000;

/** A set that forgets its oldest members beyond `limit` (insertion order). */
export class BoundedSet {
  readonly #members = new Set<string>();
  constructor(readonly limit: number) {}
  has(member: string): boolean {
    return this.#members.has(member);
  }
  add(member: string): void {
    this.#members.delete(member);
    this.#members.add(member);
    while (this.#members.size > this.limit) this.#members.delete(this.#members.values().next().value!);
  }
  get size(): number {
    return this.#members.size;
  }
}

/** Calls the sandbox has hung up in this isolate (by tenant, connection and id), so that a second hangup finds the call over. */
export const endedCalls = new BoundedSet(SANDBOX_MEMORY);
/** `flaky-` calls that have already failed once. */
const flakyFailed = new BoundedSet(SANDBOX_MEMORY);

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** `/tenants/{tenant}/connections/{connection}/calls/{id}`: the request names whose call it is. */
const CALL_PATH = /^\/tenants\/([^/]+)\/connections\/([^/]+)\/calls\/([^/]+)$/;

function simulate(request: Request): Response {
  const match = CALL_PATH.exec(new URL(request.url).pathname);
  if (!match) return json(404, { error: "call_not_found" });
  const [tenant, connection, callId] = match.slice(1).map(decodeURIComponent) as [string, string, string];
  // One key per (tenant, connection, call id), unambiguous whatever characters the names hold.
  const key = JSON.stringify([tenant, connection, callId]);
  if (callId.startsWith("unknown-")) return json(404, { error: "call_not_found" });
  if (callId.startsWith("ended-") || endedCalls.has(key)) return json(404, { error: "call_already_ended" });
  if (callId.startsWith("fail-")) return json(503, { error: "unavailable" });
  if (callId.startsWith("badauth-")) return json(401, { error: "invalid_credentials" });
  if (callId.startsWith("flaky-") && !flakyFailed.has(key)) {
    flakyFailed.add(key);
    return json(503, { error: "unavailable" });
  }
  endedCalls.add(key);
  return new Response(null, { status: 204 });
}

export const sandbox: ProviderAdapter<Record<string, never>> = {
  name: "sandbox",
  credentials: z.object({}).strict(),
  defaultBaseUrl: SANDBOX_BASE_URL,
  address: { pathTail: (encodedCallId) => `/calls/${encodedCallId}` },
  simulate,

  buildRequest({ callId, scope }) {
    // The sandbox never leaves the gateway, whatever base_url a connection names.
    const path = `/tenants/${segment(scope.tenant)}/connections/${segment(scope.connection)}/calls/${segment(callId)}`;
    return { method: "DELETE", url: joinUrl(SANDBOX_BASE_URL, path), headers: {} };
  },

  readResponse(answer) {
    if (answer.status === 204 && isEmptyBody(answer.body)) return { status: "terminated", detail: "the sandbox hung up the call" };
    const code = jsonField(answer.body, "error");
    if (code === "call_already_ended") return { status: "already_ended", code, detail: "the sandbox call had already ended" };
    if (code === "call_not_found") return { status: "not_found", code, detail: "the sandbox has no such call" };
    return readGenericFailure(answer, typeof code === "string" ? code : undefined);
  },
};
