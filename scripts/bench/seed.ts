/**
 * The gateway is seeded only through its admin API, as an operator would: a tenant, an API key, a
 * `plivo` connection whose base_url is the fake provider, and a policy document. Anything but the
 * documented success answer stops the run: a benchmark of error answers would measure nothing.
 */
import type { PolicyDocument } from "../../src/policy/schema";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN } from "./fake-provider";
import type { HttpTarget } from "./http-client";
import { BENCH_CONNECTION, BENCH_TENANT } from "./policy-fixtures";

export interface Seeded {
  tenantKey: string;
  policyVersion: string;
}

async function adminCall(target: HttpTarget, adminToken: string, method: string, path: string, body: unknown, expected: number[]): Promise<unknown> {
  const answer = await target.send(method, path, { headers: { authorization: `Bearer ${adminToken}` }, json: body });
  if (!expected.includes(answer.status)) throw new Error(`seeding: ${method} ${path} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
  return JSON.parse(answer.body) as unknown;
}

/** A connection of the benchmark tenant; `body` is the admin API's connection document. */
export async function putConnection(target: HttpTarget, adminToken: string, connection: string, body: Record<string, unknown>): Promise<void> {
  await adminCall(target, adminToken, "PUT", `/admin/tenants/${BENCH_TENANT}/connections/${connection}`, body, [200, 201]);
}

export async function publishPolicy(target: HttpTarget, adminToken: string, document: PolicyDocument): Promise<string> {
  const { version } = (await adminCall(target, adminToken, "PUT", "/admin/policies", document, [200])) as { version: string };
  return version;
}

export async function seedGateway(target: HttpTarget, adminToken: string, providerUrl: string, policy: PolicyDocument): Promise<Seeded> {
  await adminCall(target, adminToken, "PUT", `/admin/tenants/${BENCH_TENANT}`, { name: "Benchmark tenant" }, [200, 201]);
  const { key } = (await adminCall(target, adminToken, "POST", `/admin/tenants/${BENCH_TENANT}/keys`, { name: "bench" }, [201])) as { key: string };
  await putConnection(target, adminToken, BENCH_CONNECTION, {
    provider: "plivo",
    credentials: { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN },
    base_url: providerUrl,
  });
  return { tenantKey: key, policyVersion: await publishPolicy(target, adminToken, policy) };
}
