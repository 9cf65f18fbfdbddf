/**
 * One running gateway, ready to measure: workerd with both Workers, a client for each, the gateway
 * seeded through its admin API, and the two sides (gateway, bare) that the measurements drive. Every
 * part is registered with the teardown as soon as it exists.
 */
import type { PolicyDocument } from "../../src/policy/schema";
import type { FakeProvider } from "./fake-provider";
import type { GatewayBuild } from "./gateway-build";
import { gatewaySide, passthroughSide, type Side } from "./hangup-sides";
import { httpTarget, type HttpTarget } from "./http-client";
import { seedGateway } from "./seed";
import type { Teardown } from "./teardown";
import { startRuntime, type Runtime } from "./workerd-runtime";

/** Client sockets per Worker: the largest concurrency measured (growth goes to 256). */
const MAX_SOCKETS = 256;

export interface Stack {
  runtime: Runtime;
  gatewayTarget: HttpTarget;
  tenantKey: string;
  gateway: Side;
  bare: Side;
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
}): Promise<Stack> {
  const runtime = await startRuntime({
    gatewayScript: options.build.scriptPath,
    providerUrl: options.provider.url,
    storageDir: options.storageDir,
    inspect: options.inspect ?? false,
  });
  options.teardown.add(`workerd (${options.name})`, () => runtime.close());
  const gatewayTarget = httpTarget(runtime.gatewayUrl, MAX_SOCKETS);
  const bareTarget = httpTarget(runtime.passthroughUrl, MAX_SOCKETS);
  options.teardown.add(`clients (${options.name})`, () => {
    gatewayTarget.close();
    bareTarget.close();
  });
  const { tenantKey } = await seedGateway(gatewayTarget, runtime.adminToken, options.provider.url, options.policy);
  return {
    runtime,
    gatewayTarget,
    tenantKey,
    gateway: gatewaySide(options.name, gatewayTarget, tenantKey, runtime.workerdPid),
    bare: passthroughSide(bareTarget, tenantKey, runtime.workerdPid),
  };
}
