/**
 * The baseline of the end-to-end benchmark (scripts/bench/end-to-end.ts): the least a Worker can do to
 * hang up a call. It takes the gateway's own request (`POST /v1/calls/{call_id}/hangup`, JSON body),
 * reads the body, sends Plivo's hangup to the provider and answers the provider's status as JSON. No
 * authentication, no validation, no policy, no KV, no Durable Object: the same runtime, the same fake
 * provider and the same client as the gateway, so the difference between the two is what the gateway
 * adds. Bindings: PROVIDER_URL, AUTH_ID, AUTH_TOKEN.
 */
const HANGUP_PATH = /^\/v1\/calls\/([^/]+)\/hangup$/;

export default {
  async fetch(request, env) {
    const match = HANGUP_PATH.exec(new URL(request.url).pathname);
    if (request.method !== "POST" || !match) return new Response("not found", { status: 404 });
    await request.text();
    const encodedCallId = match[1];
    const upstream = await fetch(`${env.PROVIDER_URL}/v1/Account/${env.AUTH_ID}/Call/${encodedCallId}/`, {
      method: "DELETE",
      headers: { authorization: `Basic ${btoa(`${env.AUTH_ID}:${env.AUTH_TOKEN}`)}` },
    });
    await upstream.arrayBuffer();
    return Response.json({ call_id: decodeURIComponent(encodedCallId), provider_status: upstream.status });
  },
};
