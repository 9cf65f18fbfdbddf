/**
 * What every load run starts: the deployable bundle in workerd (scripts/lib/local-gateway.ts, the launcher
 * the bench uses too) with state in a temporary directory, a client for it (scripts/lib/gateway-client.ts),
 * and a tenant with a key (and the run's webhook, if any) and a connection to the run's provider, seeded
 * through the admin API. `stop()` removes everything, on failure and Ctrl-C too.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PolicyDocument } from "../../src/policy/schema";
import type { WebhookEventType } from "../../src/webhooks/event-types";
import { buildGateway } from "../lib/gateway-build";
import { expectOk, gatewayClient, type GatewayClient } from "../lib/gateway-client";
import { startLocalGateway, type LocalGateway } from "../lib/local-gateway";

export const TENANT = "load";
/** High enough that the run never meets it: the runs measure loss, not the limiter. */
const RUN_RATE_LIMIT_PER_MINUTE = 1_000_000_000;

/** The run's connection, to the run's provider (its `base_url`). */
export interface RunConnection {
  id: string;
  provider: "plivo" | "twilio";
  credentials: Record<string, string>;
  /** `all`: the provider's events register every call (the events run). */
  watch?: "all";
}

/** The tenant's webhook: where the gateway posts the message types listed. */
export interface RunWebhook {
  url: string;
  secret: string;
  events: WebhookEventType[];
}

export interface LocalRunOptions {
  connection: RunConnection;
  policy?: PolicyDocument;
  webhook?: RunWebhook;
}

export interface LocalRun {
  gateway: LocalGateway;
  /** Speaks as the tenant (its fresh key) and as the operator. */
  client: GatewayClient;
  buildCommand: string;
  stop(): Promise<void>;
}

export async function startLocalRun(providerUrl: string, options: LocalRunOptions): Promise<LocalRun> {
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
    const tenant = { name: "load run", ...(options.webhook ? { webhook: options.webhook } : {}) };
    await expectOk("tenant", operator.admin.tenants[":tenant"].$put({ param: { tenant: TENANT }, json: tenant }));
    const { key } = await expectOk("key", operator.admin.tenants[":tenant"].keys.$post({ param: { tenant: TENANT }, json: {} }));
    const { id, ...connection } = options.connection;
    await expectOk("connection", operator.admin.tenants[":tenant"].connections[":connection"].$put({ param: { tenant: TENANT, connection: id }, json: { ...connection, base_url: providerUrl } }));
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
  options: LocalRunOptions,
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
    run = await startLocalRun(provider.url, options);
    console.log(`Gateway built (${run.buildCommand}) and started (Miniflare).`);
    return await body(provider, run);
  } finally {
    await stop();
  }
}
