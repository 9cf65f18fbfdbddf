/**
 * One running workerd, ready to measure: the gateway seeded through its admin API and, with `baselines`,
 * the platform floor (bench/floor-worker.js) and the bare pass-through Worker beside it; each kind of
 * request the benchmarks send is a side. A side's requests differ only in their call id, so the client's
 * own work is the same for all, and each answer is checked: a benchmark that silently timed 401s or
 * provider failures would report a fast gateway that does nothing. Everything is registered with the teardown.
 */
import type { PolicyDocument } from "../../src/policy/schema";
import type { GatewayBuild } from "../lib/gateway-build";
import { gatewayClient } from "../lib/gateway-client";
import { startLocalGateway } from "../lib/local-gateway";
import { ObjectPacer } from "../lib/object-pacing";
import { processCpuMs } from "../lib/process-stats";
import { twilioCallback, twilioTime } from "../lib/twilio-callback";
import { FAKE_AUTH_ID, FAKE_AUTH_TOKEN, type FakeProvider } from "./fake-provider";
import { httpTarget, runLoad, type Exchange, type HttpTarget, type SendOptions } from "../lib/http-client";
import { BENCH_CONNECTION, BENCH_TENANT, CAPPED_CONNECTION, EVENTS_CONNECTION } from "./policy-fixtures";
import { BENCH_TWILIO_AUTH, seedGateway } from "./seed";
import type { Teardown } from "../lib/teardown";

/** Client sockets per Worker: the largest concurrency measured. */
const MAX_SOCKETS = 64;
/** The untimed work around a round (calls prepared, calls ended) goes this many at a time. */
const UNTIMED_CONCURRENCY = 16;
const NUMBERS = { From: "+14155550100", To: "+442071838750" };

export interface Side {
  name: string;
  /** Sends the side's next request; throws on any answer but the expected one. */
  send(): Promise<Exchange>;
  /** The calls of its requests so far, in order. */
  readonly calls: readonly string[];
  /** Untimed, before a round of `count` requests: waits for the pacer (../lib/object-pacing.ts), prepares the calls. */
  before(count: number): Promise<void>;
  /** Untimed, after a round (or several): ends the calls it made known since, so that none stays watched and wakes every minute. */
  after(): Promise<void>;
  /** CPU time so far of the workerd every side runs in (ms), or null where it cannot be read. */
  processCpuMs(): number | null;
}

type Request = { method: string; path: string } & SendOptions;

interface SideSpec {
  url: string;
  /** The requests about call `id`: all but the last are sent untimed before the round (in `before`), the last is timed. */
  requests(id: string): Request[];
  /** The expected answer: its status, and text its body contains. */
  status: number;
  contains?: string;
  /** Each request opens a Durable Object (the gateway's and the floor's). */
  paced: boolean;
  /** Untimed, after the round, for each of its calls (answered 204). */
  end?(id: string): Request;
}

export interface StackOptions {
  build: GatewayBuild;
  provider: FakeProvider;
  storageDir: string;
  policy: PolicyDocument;
  teardown: Teardown;
  baselines: boolean;
}

export async function startStack({ build, provider, storageDir, policy, teardown, baselines }: StackOptions) {
  const passthrough = { providerUrl: provider.url, auth: { auth_id: FAKE_AUTH_ID, auth_token: FAKE_AUTH_TOKEN } };
  const runtime = await startLocalGateway({ build, storageDir, ...(baselines ? { passthrough } : {}) });
  teardown.add("workerd", () => runtime.close());
  const { tenantKey } = await seedGateway(gatewayClient(runtime.gatewayUrl, { adminToken: runtime.adminToken }), provider.url, policy);
  // The gateway and the floor open a Durable Object per call in the same workerd: one pacer for all.
  const pacer = new ObjectPacer();
  const targets = new Map<string, HttpTarget>();
  const target = (url: string) => targets.get(url) ?? targets.set(url, httpTarget(url, MAX_SOCKETS)).get(url)!;
  teardown.add("clients", () => targets.forEach((t) => t.close()));
  const cpu = () => (runtime.workerdPid === null ? null : processCpuMs(runtime.workerdPid));

  function side(name: string, spec: SideSpec): Side {
    const calls: string[] = [];
    let round: string[] = [];
    let prepared: [string, Request][] = [];
    const exchange = async (id: string, request: Request, status = spec.status, contains = spec.contains ?? "") => {
      const what = `${name}: ${request.method} ${request.path} (${id})`;
      const answer = await target(spec.url)
        .send(request.method, request.path, request)
        .catch((error: unknown) => {
          throw new Error(`${what} failed in transport: ${error instanceof Error ? error.message : String(error)}`);
        });
      if (answer.status !== status || !answer.body.includes(contains)) throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
      return answer;
    };
    const newCall = () => {
      const id = `${name.replace(/\W+/g, "-")}-${calls.length + 1}`;
      calls.push(id);
      round.push(id);
      if (spec.paced) pacer.started();
      return id;
    };
    return {
      name,
      calls,
      processCpuMs: cpu,
      async before(count) {
        if (spec.paced) await pacer.reserve(count);
        const made = Array.from({ length: count }, () => newCall()).map((id) => [id, spec.requests(id)] as const);
        prepared = made.map(([id, requests]) => [id, requests.at(-1)!]);
        const untimedStages = (made[0]?.[1].length ?? 1) - 1;
        for (let stage = 0; stage < untimedStages; stage++) await runLoad(count, UNTIMED_CONCURRENCY, (i) => exchange(made[i]![0], made[i]![1][stage]!));
      },
      send: () => exchange(...prepared.shift()!),
      async after() {
        const ending = round;
        round = [];
        if (spec.end) await runLoad(ending.length, UNTIMED_CONCURRENCY, (i) => exchange(ending[i]!, spec.end!(ending[i]!), 204, ""));
      },
    };
  }

  const [url, bearer] = [runtime.gatewayUrl, { authorization: `Bearer ${tenantKey}` }];
  /** The gateway answers its outcome, the floor and the bare Worker the provider's 204. */
  const hangups = (name: string, url: string, contains: string) =>
    side(name, { url, paced: name !== "bare", status: 200, contains, requests: (id) => [{ method: "POST", path: `/v1/calls/${id}/hangup`, headers: bearer, json: { connection: BENCH_CONNECTION, reason: "benchmark" } }] });
  /** A Twilio status callback about call `id`, signed as Twilio signs it. */
  const twilioEvent = (connection: string, id: string, status: string): Request => {
    const path = `/callbacks/${BENCH_TENANT}/${connection}`;
    return { method: "POST", path, ...twilioCallback(url + path, BENCH_TWILIO_AUTH, { CallSid: id, CallStatus: status, ...NUMBERS, Timestamp: twilioTime(Date.now()) }) };
  };
  const registrations = (name: string, connection: string) =>
    side(name, { url, paced: true, status: 201, requests: (id) => [{ method: "POST", path: "/v1/calls", headers: bearer, json: { call_id: id, connection, from: NUMBERS.From, to: NUMBERS.To } }], end: (id) => twilioEvent(connection, id, "completed") });
  /** Twilio's callbacks about a call on the connection that watches every call; `requests(id)` as for every side. */
  const events = (name: string, requests: (id: string) => Request[]) => side(name, { url, paced: true, status: 204, requests, end: (id) => twilioEvent(EVENTS_CONNECTION, id, "completed") });
  const event = (status: string) => (id: string) => twilioEvent(EVENTS_CONNECTION, id, status);

  return {
    runtime,
    pacer,
    target,
    gateway: hangups("gateway", url, '"status":"terminated"'),
    /** The floor and the bare Worker, with `baselines`. */
    baselines: runtime.floorUrl && runtime.passthroughUrl ? [hangups("floor", runtime.floorUrl, '"provider_status":204'), hangups("bare", runtime.passthroughUrl, '"provider_status":204')] : [],
    /** Calls made known to the gateway: registered with POST /v1/calls, or by a Twilio event on a connection that watches every call. */
    known: {
      registration: registrations("registration", EVENTS_CONNECTION),
      cappedRegistration: registrations("registration under concurrency", CAPPED_CONNECTION),
      /** `initiated` about a call never seen: registers it. */
      event: events("event registration", (id) => [event("initiated")(id)]),
      /** `in-progress` about a call registered by its `initiated`: changes it (answered). */
      answered: events("callback answering a call", (id) => [event("initiated")(id), event("in-progress")(id)]),
      /** That `in-progress` callback again, byte for byte (a provider's re-send): changes nothing. */
      duplicate: events("the same callback again", (id) => {
        const answered = event("in-progress")(id);
        return [event("initiated")(id), answered, answered];
      }),
    },
  };
}
