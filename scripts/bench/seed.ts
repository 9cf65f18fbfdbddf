/**
 * The gateway is seeded only through its admin API, as an operator would, with the scripts' one client
 * (scripts/lib/gateway-client.ts): a tenant, an API key, a `plivo` connection whose base_url is the fake
 * provider, two `twilio` connections watching every call (`watch: "all"`) for registrations and Twilio's
 * signed events (their base_url is the fake Plivo too: a request to Twilio fails the run, as none is
 * expected), and a policy document. Anything but the documented success answer stops the run: a
 * benchmark of error answers would measure nothing.
 */
import type { PolicyDocument } from "../../src/policy/schema";
import { expectOk, type GatewayClient } from "../lib/gateway-client";
import type { TwilioAuth } from "../lib/twilio-callback";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN } from "./fake-provider";
import { BENCH_CONNECTION, BENCH_TENANT, CAPPED_CONNECTION, EVENTS_CONNECTION } from "./policy-fixtures";

export const BENCH_TWILIO_AUTH: TwilioAuth = { account_sid: "ACbe0c0000000000000000000000000000", auth_token: "bench-twilio-token" };

export async function seedGateway(operator: GatewayClient, providerUrl: string, policy: PolicyDocument): Promise<{ tenantKey: string }> {
  const tenant = operator.admin.tenants[":tenant"];
  await expectOk("seeding the tenant", tenant.$put({ param: { tenant: BENCH_TENANT }, json: { name: "Benchmark tenant" } }));
  const { key } = await expectOk("seeding a key", tenant.keys.$post({ param: { tenant: BENCH_TENANT }, json: { name: "bench" } }));
  const connections = [
    [BENCH_CONNECTION, { provider: "plivo", credentials: { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN }, base_url: providerUrl }],
    ...[EVENTS_CONNECTION, CAPPED_CONNECTION].map((id) => [id, { provider: "twilio", credentials: { ...BENCH_TWILIO_AUTH }, base_url: providerUrl, watch: "all" }] as const),
  ] as const;
  for (const [connection, json] of connections) {
    await expectOk(`seeding connection ${connection}`, tenant.connections[":connection"].$put({ param: { tenant: BENCH_TENANT, connection }, json }));
  }
  await expectOk("seeding the policy", operator.admin.policies.$put({ json: policy }));
  return { tenantKey: key };
}
