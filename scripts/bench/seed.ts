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

export async function seedGateway(operator: GatewayClient, providerUrl: string, policy: PolicyDocument): Promise<{ tenantKey: string }> {
  const tenant = operator.admin.tenants[":tenant"];
  await expectOk("seeding the tenant", tenant.$put({ param: { tenant: BENCH_TENANT }, json: { name: "Benchmark tenant" } }));
  const { key } = await expectOk("seeding a key", tenant.keys.$post({ param: { tenant: BENCH_TENANT }, json: { name: "bench" } }));
  await expectOk(
    `seeding connection ${BENCH_CONNECTION}`,
    tenant.connections[":connection"].$put({
      param: { tenant: BENCH_TENANT, connection: BENCH_CONNECTION },
      json: { provider: "plivo", credentials: { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN }, base_url: providerUrl },
    }),
  );
  await expectOk("seeding the policy", operator.admin.policies.$put({ json: policy }));
  return { tenantKey: key };
}
