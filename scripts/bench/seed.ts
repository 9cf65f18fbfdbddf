/**
 * The gateway is seeded only through its admin API, as an operator would, with the scripts' one client
 * (scripts/lib/gateway-client.ts): a tenant, an API key, a `plivo` connection whose base_url is the fake
 * provider, and a policy document. Anything but the documented success answer stops the run: a
 * benchmark of error answers would measure nothing.
 */
import type { PolicyDocument } from "../../src/policy/schema";
import { expectOk, type GatewayClient } from "../lib/gateway-client";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN } from "./fake-provider";
import { BENCH_CONNECTION, BENCH_TENANT } from "./policy-fixtures";

export interface Seeded {
  tenantKey: string;
  policyVersion: string;
}

type ConnectionDocument = Parameters<GatewayClient["admin"]["tenants"][":tenant"]["connections"][":connection"]["$put"]>[0]["json"];

/** A connection of the benchmark tenant; `body` is the admin API's connection document. */
export async function putConnection(operator: GatewayClient, connection: string, body: ConnectionDocument): Promise<void> {
  await expectOk(`seeding connection ${connection}`, operator.admin.tenants[":tenant"].connections[":connection"].$put({ param: { tenant: BENCH_TENANT, connection }, json: body }));
}

export async function publishPolicy(operator: GatewayClient, document: PolicyDocument): Promise<string> {
  const { version } = await expectOk("seeding the policy", operator.admin.policies.$put({ json: document }));
  return version;
}

export async function seedGateway(operator: GatewayClient, providerUrl: string, policy: PolicyDocument): Promise<Seeded> {
  await expectOk("seeding the tenant", operator.admin.tenants[":tenant"].$put({ param: { tenant: BENCH_TENANT }, json: { name: "Benchmark tenant" } }));
  const { key } = await expectOk("seeding a key", operator.admin.tenants[":tenant"].keys.$post({ param: { tenant: BENCH_TENANT }, json: { name: "bench" } }));
  await putConnection(operator, BENCH_CONNECTION, {
    provider: "plivo",
    credentials: { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN },
    base_url: providerUrl,
  });
  return { tenantKey: key, policyVersion: await publishPolicy(operator, policy) };
}
