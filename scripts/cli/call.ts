/** `call get` and `call hangup`: the tenant API, with a tenant's key, for operators checking a call. */
import { defineCommand, type OptionSpec } from "./command";
import { apiKey, callGateway, gatewayUrl, KEY_OPTION, URL_OPTION } from "./gateway";
import { note, printResult } from "./output";

const CONNECTION_OPTION = { type: "string", required: true, placeholder: "connection", description: "The tenant's connection the call is on" } satisfies OptionSpec;

function callPath(callId: string): string {
  return `/v1/calls/${encodeURIComponent(callId)}`;
}

export const callGet = defineCommand({
  name: "call get",
  summary: "Print the stored record of a call: state, hangup, every attempt and event (GET /v1/calls/{call_id}).",
  args: ["<call_id>"],
  options: { connection: CONNECTION_OPTION, key: KEY_OPTION, url: URL_OPTION },
  async run([callId], values) {
    const answer = await callGateway(gatewayUrl(values.url), `GET ${callPath(callId!)}`, { apiKey: apiKey(values.key) }, (client) =>
      client.v1.calls[":call_id"].$get({ param: { call_id: callId! }, query: { connection: values.connection! } }),
    );
    printResult(answer.body);
  },
});

export const callHangup = defineCommand({
  name: "call hangup",
  summary: "Hang up a call, exactly once (POST /v1/calls/{call_id}/hangup).",
  args: ["<call_id>"],
  options: {
    connection: CONNECTION_OPTION,
    reason: { type: "string", description: "Why, kept in the call's record" },
    "idempotency-key": { type: "string", placeholder: "key", description: "Replays the stored outcome when sent again with the same request" },
    key: KEY_OPTION,
    url: URL_OPTION,
  },
  notes: "Prints the outcome. Every outcome (terminated, already_ended, not_found, failed) exits 0: the gateway answered; read `status`.",
  async run([callId], values) {
    note(`Hanging up ${callId} on ${values.connection} (the gateway retries the provider for up to 15 s)…`);
    const answer = await callGateway(gatewayUrl(values.url), `POST ${callPath(callId!)}/hangup`, { apiKey: apiKey(values.key) }, (client) =>
      client.v1.calls[":call_id"].hangup.$post({
        param: { call_id: callId! },
        header: values["idempotency-key"] === undefined ? {} : { "idempotency-key": values["idempotency-key"] },
        json: { connection: values.connection!, ...(values.reason === undefined ? {} : { reason: values.reason }) },
      }),
    );
    printResult(answer.body);
    const outcome = answer.body as { status: string; provider_response: { detail: string } };
    const replayed = answer.headers.get("idempotent-replayed") === "true" ? " (replayed: the stored outcome)" : "";
    note(`${outcome.status}: ${outcome.provider_response.detail}${replayed}`);
  },
});
