/**
 * The duplicate storm: a thousand hangups of one call, all in flight at once. The contract holds at that
 * size too: the provider hears of the call once, every caller gets the same outcome, and exactly one
 * answer is not marked `Idempotent-Replayed: true`.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, it } from "vitest";
import { app } from "../src/app";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { BASE, createConnection, createTenant, fakeProviderUrl, providerRequests, scriptProvider, uniqueCallId } from "./helpers";

const STORM_SIZE = 1_000;

/**
 * One tenant sending a thousand requests in a second is over its per-minute limit by design
 * (test/abuse.test.ts), which is not what this storm is about: its requests go through the real app
 * (./gateway-fetch.ts says why not `exports.default`) with a limiter that always lets them through.
 */
const unlimited: Pick<RateLimit, "limit"> = { limit: async () => ({ success: true }) };

let key = "";

beforeAll(async () => {
  ({ key } = await createTenant("storm"));
  await createConnection("storm", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
});

function hangup(callId: string): Promise<Response> {
  const request = new Request(`${BASE}/v1/calls/${encodeURIComponent(callId)}/hangup`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ connection: "plivo", reason: "duplicate storm" }),
  });
  return Promise.resolve(app.fetch(request, { ...env, TENANT_RATE_LIMITER: unlimited }, createExecutionContext()));
}

it(`${STORM_SIZE.toLocaleString("en-US")} concurrent hangups of one call reach the provider once, and every answer is the same`, async () => {
  const callId = uniqueCallId("storm");
  // A provider that takes its time, as a real one does, so the storm piles up behind the first request.
  await scriptProvider(callId, [{ status: 204, delay_ms: 20 }]);
  const answers = await Promise.all(Array.from({ length: STORM_SIZE }, () => hangup(callId)));
  const outcomes = await Promise.all(answers.map((answer) => answer.json<Record<string, unknown>>()));

  expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
  expect(await providerRequests(callId)).toHaveLength(1);
  expect(outcomes[0]).toMatchObject({ status: "terminated", call_id: callId, attempts: 1 });
  expect(outcomes).toEqual(Array(STORM_SIZE).fill(outcomes[0]));
  expect(answers.filter((answer) => answer.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
});
