/**
 * What both load runs start: the deployable bundle in workerd (scripts/lib/local-gateway.ts, the launcher
 * the bench uses too) with state in a temporary directory, a client for it (scripts/lib/gateway-client.ts),
 * and a tenant with a key and a Plivo connection to the run's provider, seeded through the admin API.
 * `stop()` removes everything, on failure and Ctrl-C too.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PolicyDocument } from "../../src/policy/schema";
import { buildGateway } from "../lib/gateway-build";
import { expectOk, gatewayClient, type GatewayClient } from "../lib/gateway-client";
import { startLocalGateway, type LocalGateway } from "../lib/local-gateway";

export const TENANT = "load";
/** High enough that the run never meets it: the runs measure loss, not the limiter. */
const RUN_RATE_LIMIT_PER_MINUTE = 1_000_000_000;

export interface LocalRun {
  gateway: LocalGateway;
  /** Speaks as the tenant (its fresh key) and as the operator. */
  client: GatewayClient;
  buildCommand: string;
  stop(): Promise<void>;
}

export async function startLocalRun(options: {
  provider: { url: string; auth: { auth_id: string; auth_token: string } };
  connection: string;
  policy?: PolicyDocument;
}): Promise<LocalRun> {
  const workDir = await mkdtemp(join(tmpdir(), "hangup-load-"));
  let gateway: LocalGateway | undefined;
  const stop = async () => {
    await gateway?.close();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const build = await buildGateway(join(workDir, "dist"));
    gateway = await startLocalGateway({ build, storageDir: workDir, tenantRateLimitPerMinute: RUN_RATE_LIMIT_PER_MINUTE });
    const operator = gatewayClient(gateway.gatewayUrl, { adminToken: gateway.adminToken });
    await expectOk("tenant", operator.admin.tenants[":tenant"].$put({ param: { tenant: TENANT }, json: { name: "load run" } }));
    const { key } = await expectOk("key", operator.admin.tenants[":tenant"].keys.$post({ param: { tenant: TENANT }, json: {} }));
    const connection = { provider: "plivo" as const, credentials: options.provider.auth, base_url: options.provider.url };
    await expectOk("connection", operator.admin.tenants[":tenant"].connections[":connection"].$put({ param: { tenant: TENANT, connection: options.connection }, json: connection }));
    if (options.policy) await expectOk("policy", operator.admin.policies.$put({ json: options.policy }));
    return { gateway, client: gatewayClient(gateway.gatewayUrl, { apiKey: key, adminToken: gateway.adminToken }), buildCommand: build.command, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts the run's provider and a gateway speaking to it, runs `body`, and stops both however it ends,
 * Ctrl-C included. Answers `body`'s exit code.
 */
export async function withLocalRun<P extends { url: string; close(): Promise<void> }>(
  startProvider: () => Promise<P>,
  options: { auth: { auth_id: string; auth_token: string }; connection: string; policy?: PolicyDocument },
  body: (provider: P, run: LocalRun) => Promise<number>,
): Promise<number> {
  let provider: P | undefined;
  let run: LocalRun | undefined;
  const stop = async () => {
    await run?.stop();
    await provider?.close();
  };
  process.once("SIGINT", () => void stop().finally(() => process.exit(130)));
  try {
    provider = await startProvider();
    run = await startLocalRun({ provider: { url: provider.url, auth: options.auth }, connection: options.connection, ...(options.policy ? { policy: options.policy } : {}) });
    console.log(`Gateway built (${run.buildCommand}) and started (Miniflare).`);
    return await body(provider, run);
  } finally {
    await stop();
  }
}
