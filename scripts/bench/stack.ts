/**
 * One running workerd, ready to measure: the gateway seeded through its admin API and, with
 * `baselines`, the platform floor (bench/floor-worker.js) and the bare pass-through Worker beside it;
 * a side for each. Every side receives the identical request (path, headers, body), so the client's
 * own work is the same for all, and checks its answer: a benchmark that silently timed 401s or provider
 * failures would report a fast gateway that does nothing. Everything is registered with the teardown.
 */
import type { PolicyDocument } from "../../src/policy/schema";
import type { GatewayBuild } from "../lib/gateway-build";
import { gatewayClient } from "../lib/gateway-client";
import { startLocalGateway, type LocalGateway } from "../lib/local-gateway";
import { ObjectPacer } from "../lib/object-pacing";
import { processCpuMs } from "../lib/process-stats";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN, type FakeProvider } from "./fake-provider";
import { httpTarget, type Exchange } from "./http-client";
import { BENCH_CONNECTION } from "./policy-fixtures";
import { seedGateway } from "./seed";
import type { Teardown } from "./teardown";

/** Client sockets per Worker: the largest concurrency measured. */
const MAX_SOCKETS = 64;

export interface Side {
  name: "gateway" | "floor" | "bare";
  /** Hangs up a call never seen before (`sideCallId(name, calls)`); throws on any answer but the expected one. */
  hangupNewCall(): Promise<Exchange>;
  readonly calls: number;
  /** CPU time so far of the workerd all sides run in (ms), or null where it cannot be read. */
  processCpuMs(): number | null;
  /** For a side whose every call opens a Durable Object: `reserve(n)` is called before timing n new calls. */
  readonly pacer: ObjectPacer | null;
}

export const sideCallId = (side: string, n: number) => `${side}-${n}`;

const json = (exchange: Exchange) => JSON.parse(exchange.body) as Record<string, unknown>;
/** What each side answers when all went well: the gateway its outcome, the other two the provider's 204. */
const EXPECTED: Record<Side["name"], (exchange: Exchange) => boolean> = {
  gateway: (exchange) => exchange.status === 200 && json(exchange).status === "terminated",
  floor: (exchange) => exchange.status === 200 && json(exchange).provider_status === 204,
  bare: (exchange) => exchange.status === 200 && json(exchange).provider_status === 204,
};

export interface StackOptions {
  build: GatewayBuild;
  provider: FakeProvider;
  storageDir: string;
  policy: PolicyDocument;
  teardown: Teardown;
  baselines: boolean;
}

/** `floor` and `bare` are null without `baselines`. */
export async function startStack({ build, provider, storageDir, policy, teardown, baselines }: StackOptions) {
  const auth = { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN };
  const runtime: LocalGateway = await startLocalGateway({ build, storageDir, ...(baselines ? { passthrough: { providerUrl: provider.url, auth } } : {}) });
  teardown.add("workerd", () => runtime.close());
  const operator = gatewayClient(runtime.gatewayUrl, { adminToken: runtime.adminToken });
  const { tenantKey } = await seedGateway(operator, provider.url, policy);
  // The gateway and the floor open a Durable Object per call in the same workerd: one pacer for both.
  const pacer = new ObjectPacer();

  const side = (name: Side["name"], url: string | null, paced: boolean): Side | null => {
    if (!url) return null;
    const target = httpTarget(url, MAX_SOCKETS);
    teardown.add(`client (${name})`, () => target.close());
    let calls = 0;
    return {
      name,
      get calls() {
        return calls;
      },
      processCpuMs: () => (runtime.workerdPid === null ? null : processCpuMs(runtime.workerdPid)),
      pacer: paced ? pacer : null,
      async hangupNewCall() {
        const callId = sideCallId(name, ++calls);
        if (paced) pacer.started();
        const exchange = await target
          .send("POST", `/v1/calls/${encodeURIComponent(callId)}/hangup`, { headers: { authorization: `Bearer ${tenantKey}` }, json: { connection: BENCH_CONNECTION, reason: "benchmark" } })
          .catch((error: unknown) => {
            throw new Error(`${name}: hangup of ${callId} failed in transport: ${error instanceof Error ? error.message : String(error)}`);
          });
        if (!EXPECTED[name](exchange)) throw new Error(`${name}: hangup of ${callId} answered ${exchange.status}: ${exchange.body.slice(0, 500)}`);
        return exchange;
      },
    };
  };
  return { runtime, operator, pacer, gateway: side("gateway", runtime.gatewayUrl, true)!, floor: side("floor", runtime.floorUrl, true), bare: side("bare", runtime.passthroughUrl, false) };
}
