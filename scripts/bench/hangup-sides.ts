/**
 * The things compared end to end, behind one interface: hang up a new call through the gateway, through
 * the bare pass-through Worker, or through the platform floor (bench/floor-worker.js). All receive the
 * identical request (path, headers, body), so the client's own work is the same on every side. Each checks its answer: a benchmark that silently
 * timed 401s or provider failures would report a fast gateway that does nothing.
 */
import type { Exchange, HttpTarget } from "./http-client";
import { ObjectPacer } from "./object-pacing";
import { BENCH_CONNECTION } from "./policy-fixtures";
import { processCpuMs } from "./process-stats";

export interface Side {
  name: string;
  /** Hangs up a call never seen before (fresh id); throws on any answer but the expected one. */
  hangupNewCall(): Promise<Exchange>;
  /** Calls hung up so far through this side: for the gateway, one Durable Object each. */
  readonly calls: number;
  /** CPU time so far of the process this side runs in (ms), or null where it cannot be read. */
  processCpuMs(): number | null;
  /** For a side whose every call opens a Durable Object: call `reserve(n)` before timing n new calls. */
  readonly pacer: ObjectPacer | null;
}

const REASON = "benchmark";

type AnswerCheck = (exchange: Exchange) => boolean;

function side(name: string, target: HttpTarget, tenantKey: string, workerdPid: number | null, pacer: ObjectPacer | null, expected: AnswerCheck): Side {
  let calls = 0;
  return {
    name,
    get calls() {
      return calls;
    },
    processCpuMs: () => (workerdPid === null ? null : processCpuMs(workerdPid)),
    pacer,
    async hangupNewCall() {
      const callId = `${name.replace(/\W+/g, "-")}-${++calls}`;
      pacer?.started();
      let exchange: Exchange;
      try {
        exchange = await target.send("POST", `/v1/calls/${encodeURIComponent(callId)}/hangup`, {
          headers: { authorization: `Bearer ${tenantKey}` },
          json: { connection: BENCH_CONNECTION, reason: REASON },
        });
      } catch (error) {
        throw new Error(`${name}: hangup of ${callId} failed in transport: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!expected(exchange)) throw new Error(`${name}: hangup of ${callId} answered ${exchange.status}: ${exchange.body.slice(0, 500)}`);
      return exchange;
    },
  };
}

const json = (exchange: Exchange) => JSON.parse(exchange.body) as Record<string, unknown>;

/** The gateway: 200 with the outcome `terminated`. */
export function gatewaySide(name: string, target: HttpTarget, tenantKey: string, workerdPid: number | null): Side {
  return side(name, target, tenantKey, workerdPid, new ObjectPacer(), (exchange) => exchange.status === 200 && json(exchange).status === "terminated");
}

/**
 * The platform floor: 200 saying the provider answered 204. Its calls open Durable Objects in the same
 * workerd as the gateway's, so it is paced by the gateway's pacer.
 */
export function floorSide(target: HttpTarget, tenantKey: string, workerdPid: number | null, pacer: ObjectPacer): Side {
  return side("floor", target, tenantKey, workerdPid, pacer, (exchange) => exchange.status === 200 && json(exchange).provider_status === 204);
}

/** The bare pass-through Worker: 200 saying the provider answered 204. */
export function passthroughSide(target: HttpTarget, tenantKey: string, workerdPid: number | null): Side {
  return side("bare", target, tenantKey, workerdPid, null, (exchange) => exchange.status === 200 && json(exchange).provider_status === 204);
}
