/**
 * One running gateway, ready to measure: workerd with both Workers, a client for each, the gateway
 * seeded through its admin API, and the two sides (gateway, bare) that the measurements drive. Every
 * part is registered with the teardown as soon as it exists.
 */
import type { PolicyDocument } from "../../src/policy/schema";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN, type FakeProvider } from "./fake-provider";
import type { GatewayBuild } from "../lib/gateway-build";
import { floorSide, gatewaySide, passthroughSide, type Side } from "./hangup-sides";
import { gatewayClient, type GatewayClient } from "../lib/gateway-client";
import { httpTarget, type HttpTarget } from "./http-client";
import { seedGateway } from "./seed";
import type { Teardown } from "./teardown";
import { startLocalGateway, type LocalGateway } from "../lib/local-gateway";

/** Client sockets per Worker: the largest concurrency measured (growth goes to 256). */
const MAX_SOCKETS = 256;

export interface Stack {
  runtime: LocalGateway;
  gatewayTarget: HttpTarget;
  /** The operator's client (admin token), for seeding and publishing. */
  operator: GatewayClient;
  tenantKey: string;
  gateway: Side;
  bare: Side;
  /** The platform floor (bench/floor-worker.js), paced with the gateway: both open a Durable Object per call. */
  floor: Side;
}

export async function startStack(options: {
  /** Names the gateway side in reports ("gateway", "gateway, storage on disk"). */
  name: string;
  build: GatewayBuild;
  provider: FakeProvider;
  storageDir: string;
  policy: PolicyDocument;
  teardown: Teardown;
  /** Open workerd's DevTools endpoint (for profiles). */
  inspect?: boolean;
  /** Count the gateway's KV reads (never for a timed measurement: ../lib/local-gateway.ts). */
  countKvReads?: boolean;
}): Promise<Stack> {
  const runtime = await startLocalGateway({
    build: options.build,
    passthrough: { providerUrl: options.provider.url, auth: { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN } },
    storageDir: options.storageDir,
    inspect: options.inspect ?? false,
    countKvReads: options.countKvReads ?? false,
  });
  options.teardown.add(`workerd (${options.name})`, () => runtime.close());
  const gatewayTarget = httpTarget(runtime.gatewayUrl, MAX_SOCKETS);
  const bareTarget = httpTarget(runtime.passthroughUrl!, MAX_SOCKETS);
  const floorTarget = httpTarget(runtime.floorUrl!, MAX_SOCKETS);
  options.teardown.add(`clients (${options.name})`, () => {
    gatewayTarget.close();
    bareTarget.close();
    floorTarget.close();
  });
  const operator = gatewayClient(runtime.gatewayUrl, { adminToken: runtime.adminToken });
  const { tenantKey } = await seedGateway(operator, options.provider.url, options.policy);
  const gateway = gatewaySide(options.name, gatewayTarget, tenantKey, runtime.workerdPid);
  return {
    runtime,
    gatewayTarget,
    operator,
    tenantKey,
    gateway,
    bare: passthroughSide(bareTarget, tenantKey, runtime.workerdPid),
    floor: floorSide(floorTarget, tenantKey, runtime.workerdPid, gateway.pacer!),
  };
}
