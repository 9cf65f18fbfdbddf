/**
 * The typed client in a few lines: hang up a call, then read its record. Against `npm start`:
 *
 *   HANGUP_GATEWAY_KEY=hgw_… npx tsx examples/client.ts call-123
 *
 * `npm run typecheck` compiles this file, so it keeps up with the API.
 */
import { createClient, readProblem } from "hangup-gateway/client";

const baseUrl = process.env.HANGUP_GATEWAY_URL ?? "http://127.0.0.1:8787";
const callId = process.argv[2] ?? "call-123";
const gateway = createClient(baseUrl, { apiKey: process.env.HANGUP_GATEWAY_KEY });

const hangup = await gateway.v1.calls[":call_id"].hangup.$post({
  param: { call_id: callId },
  json: { connection: "sandbox", reason: "typed client example" },
  header: { "idempotency-key": `example-${callId}` },
});
if (!hangup.ok) {
  // Every error is application/problem+json: a stable `code`, and a `detail` that says what to fix.
  const problem = await readProblem(hangup);
  throw new Error(`${hangup.status} ${problem.code}: ${problem.detail}`);
}
const outcome = await hangup.json();
console.log(`${outcome.call_id}: ${outcome.status} (${outcome.provider_response.detail})`);

const record = await gateway.v1.calls[":call_id"].$get({ param: { call_id: callId }, query: { connection: "sandbox" } });
if (record.ok) {
  const call = await record.json();
  console.log(`state ${call.state}, ${call.attempts.length} attempt(s), ${call.events.length} event(s)`);
}
