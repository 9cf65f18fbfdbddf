/**
 * Growth: how the gateway's latency and memory move as what it holds grows, along five axes. Each
 * figure is compared, in the same moment, with something that does not grow (the bare Worker, a small
 * control object, the other policy sizes), so that a slower machine is not mistaken for a slower gateway.
 *
 * - call objects stored: every hangup leaves one Durable Object with its SQLite file;
 * - rows in one object: each distinct Idempotency-Key is a row in the call's object, read on every
 *   hangup of that call;
 * - events in one call's record: each status callback from the provider appends one, and reading the
 *   record returns them all;
 * - policy size: up to the largest document the admin API accepts (its 2 MiB policy body limit), the sizes
 *   taking turns rather than being compared with the bare Worker;
 * - concurrency: up to 256 requests in flight.
 *
 * Memory is workerd's resident set (see ./process-stats.ts for what it covers) and the apparent size
 * of the call objects' SQLite files (kept on tmpfs by the bench, so they are memory too).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { MAX_POLICY_BODY_BYTES } from "../../src/http/guards";
import { runLoad, type Exchange } from "./http-client";
import { compareInterleaved, ratios, type Comparison, type RoundPlan } from "./interleave";
import { BENCH_CONNECTION, largestPolicyWithin, realisticPolicy } from "./policy-fixtures";
import { directoryUsage, processMemory } from "./process-stats";
import { kib, mib, ms, times, whole, type Measurement, type Table } from "./report";
import { publishPolicy, putConnection } from "./seed";
import type { Stack } from "./stack";
import { summarize } from "./stats";
import type { LocalGateway as Runtime } from "../lib/local-gateway";

const SETTINGS = {
  full: {
    /** Call objects added before each probe. */
    objectFills: [0, 1_000, 1_000],
    objectProbe: { concurrency: 16, rounds: 2, requestsPerRound: 80 },
    /** Idempotency-Key rows in the grown object at each probe. */
    rowCheckpoints: [1, 1_000, 10_000],
    rowProbeRequests: 100,
    /** Events in the grown call's record at each probe. */
    eventCheckpoints: [10, 1_000, 5_000],
    eventProbeRequests: 40,
    policyProbe: { concurrency: 16, rounds: 4, requestsPerRound: 60 },
    /** Beyond the end-to-end table's 1, 16 and 64. */
    concurrencyLevels: [256],
    /** Requests per round at a concurrency level: each connection is used at least this often. */
    requestsPerConnection: 2,
  },
  quick: {
    objectFills: [0, 100],
    objectProbe: { concurrency: 16, rounds: 1, requestsPerRound: 32 },
    rowCheckpoints: [1, 100],
    rowProbeRequests: 10,
    eventCheckpoints: [10, 100],
    eventProbeRequests: 5,
    policyProbe: { concurrency: 16, rounds: 1, requestsPerRound: 32 },
    concurrencyLevels: [256],
    requestsPerConnection: 1,
  },
};
const FILL_CONCURRENCY = 64;
/** New calls per fill step: each step waits until workerd can hold that many more open objects. */
const FILL_STEP = 500;
const MIN_REQUESTS_PER_ROUND = 40;
/** A TryVox connection: TryVox does not sign its callbacks, so `unsigned-ok` lets the bench send them. */
const EVENTS_CONNECTION = "tryvox-events";

export interface GrowthContext extends Stack {
  /** The policy the stack was seeded with, published again when the policy axis is done. */
  seedPolicyRules: number;
}

type Settings = (typeof SETTINGS)["full"];

/** Hangs up `count` new calls through the gateway, as fast as it takes them, in paced steps. */
async function fillObjects(context: GrowthContext, count: number): Promise<void> {
  for (let done = 0; done < count; done += FILL_STEP) {
    const step = Math.min(FILL_STEP, count - done);
    await context.gateway.pacer?.reserve(step);
    await runLoad(step, FILL_CONCURRENCY, () => context.gateway.hangupNewCall());
  }
}

/**
 * The call objects' own files: workerd keeps each Durable Object class in a directory of its own,
 * named `<worker>-<class>` by Miniflare, so the platform floor's objects (and the health objects) are
 * not counted as the gateway's calls.
 */
function callObjectFiles(runtime: Runtime): { bytes: number; files: number } {
  const classDir = readdirSync(runtime.durableObjectDir).find((name) => name.endsWith("-CallObject"));
  return directoryUsage(classDir ? join(runtime.durableObjectDir, classDir) : runtime.durableObjectDir);
}

function memory(runtime: Runtime): { rss: string; disk: { bytes: number; files: number } } {
  const workerd = runtime.workerdPid === null ? null : processMemory(runtime.workerdPid);
  return { rss: workerd ? mib(workerd.rssBytes) : "n/a", disk: callObjectFiles(runtime) };
}

function comparisonCells(comparison: Comparison): string[] {
  const { subject, baseline } = comparison;
  const { p50, p99 } = ratios(comparison);
  return [ms(subject.latency.p50), ms(subject.latency.p99), ms(baseline.latency.p50), times(p50), times(p99)];
}

async function objectsAxis(context: GrowthContext, settings: Settings): Promise<{ table: Table; raw: unknown[] }> {
  const atStart = context.runtime.rssAtStartBytes;
  const rows: string[][] = [["0 (workerd just started)", "", "", "", "", "", atStart === null ? "n/a" : mib(atStart), "", ""]];
  const raw: unknown[] = [{ objects: 0, rssBytes: atStart }];
  for (const fill of settings.objectFills) {
    await fillObjects(context, fill);
    const comparison = await compareInterleaved(context.gateway, context.bare, settings.objectProbe);
    const { rss, disk } = memory(context.runtime);
    rows.push([whole(context.gateway.calls), ...comparisonCells(comparison), rss, mib(disk.bytes), kib(disk.bytes / context.gateway.calls)]);
    raw.push({ objects: context.gateway.calls, comparison, rss, disk });
  }
  return {
    table: {
      header: ["calls hung up so far (an object each)", "gateway p50 ms", "gateway p99 ms", "bare p50 ms", "p50 ratio", "p99 ratio", "workerd RSS", "objects' SQLite files", "per object"],
      rows,
    },
    raw,
  };
}

async function rowsAxis(context: GrowthContext, settings: Settings): Promise<{ table: Table; raw: unknown[] }> {
  let keysUsed = 0;
  const replay = async (callId: string): Promise<Exchange> => {
    const answer = await context.gatewayTarget.send("POST", `/v1/calls/${callId}/hangup`, {
      headers: { authorization: `Bearer ${context.tenantKey}`, "idempotency-key": `key-${++keysUsed}` },
      json: { connection: BENCH_CONNECTION, reason: "growth" },
    });
    if (answer.status !== 200) throw new Error(`growth: hangup of ${callId} with a new Idempotency-Key answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    return answer;
  };
  const grown = "growth-rows-grown";
  const control = "growth-rows-control";
  await replay(control);
  let rowsInGrown = 0;
  const rows: string[][] = [];
  const raw: unknown[] = [];
  for (const checkpoint of settings.rowCheckpoints) {
    await runLoad(checkpoint - rowsInGrown, FILL_CONCURRENCY, () => replay(grown));
    rowsInGrown = checkpoint;
    const latencies = { grown: [] as number[], control: [] as number[] };
    for (let i = 0; i < settings.rowProbeRequests; i++) {
      latencies.grown.push((await replay(grown)).ms);
      latencies.control.push((await replay(control)).ms);
    }
    rowsInGrown += settings.rowProbeRequests;
    const grownLatency = summarize(latencies.grown);
    const controlLatency = summarize(latencies.control);
    rows.push([whole(checkpoint), ms(grownLatency.p50), ms(grownLatency.p99), ms(controlLatency.p50), times(grownLatency.p50 / controlLatency.p50)]);
    raw.push({ rows: checkpoint, grown: grownLatency, control: controlLatency });
  }
  return {
    table: { header: ["Idempotency-Key rows in the object", "replay p50 ms", "replay p99 ms", "control object p50 ms", "p50 ratio"], rows },
    raw,
  };
}

/**
 * A registered call's record grows by one event per provider callback. The record of a call with many
 * events is read (and a callback sent) against a control call with few, alternately.
 */
async function eventsAxis(context: GrowthContext, settings: Settings): Promise<{ table: Table; raw: unknown[] }> {
  const { gatewayTarget: target, tenantKey } = context;
  await putConnection(context.operator, EVENTS_CONNECTION, {
    provider: "tryvox",
    credentials: { auth_id: "bench", api_key: "bench" },
    callbacks: "unsigned-ok",
  });
  const expect = async (what: string, status: number, exchange: Promise<Exchange>): Promise<Exchange> => {
    const answer = await exchange;
    if (answer.status !== status) throw new Error(`growth: ${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    return answer;
  };
  const callback = (callId: string) =>
    expect(`callback for ${callId}`, 204, target.send("POST", `/callbacks/bench/${EVENTS_CONNECTION}`, { json: { call_uuid: callId, status: "in-progress" } }));
  const readRecord = (callId: string) =>
    expect(`record of ${callId}`, 200, target.send("GET", `/v1/calls/${callId}?connection=${EVENTS_CONNECTION}`, { headers: { authorization: `Bearer ${tenantKey}` } }));
  const grown = "growth-events-grown";
  const control = "growth-events-control";
  for (const callId of [grown, control]) {
    await expect(`registration of ${callId}`, 201, target.send("POST", "/v1/calls", {
      headers: { authorization: `Bearer ${tenantKey}` },
      json: { call_id: callId, connection: EVENTS_CONNECTION, to: "+442071838750" },
    }));
  }
  const eventsOf = async (callId: string) => (JSON.parse((await readRecord(callId)).body) as { events: unknown[] }).events.length;

  const rows: string[][] = [];
  const raw: unknown[] = [];
  for (const checkpoint of settings.eventCheckpoints) {
    await runLoad(Math.max(0, checkpoint - (await eventsOf(grown))), FILL_CONCURRENCY, () => callback(grown));
    const events = await eventsOf(grown);
    const samples = { grownRead: [] as number[], controlRead: [] as number[], grownCallback: [] as number[], controlCallback: [] as number[] };
    let recordBytes = 0;
    for (let i = 0; i < settings.eventProbeRequests; i++) {
      const read = await readRecord(grown);
      recordBytes = Buffer.byteLength(read.body);
      samples.grownRead.push(read.ms);
      samples.controlRead.push((await readRecord(control)).ms);
      samples.grownCallback.push((await callback(grown)).ms);
      samples.controlCallback.push((await callback(control)).ms);
    }
    const [grownRead, controlRead, grownCallback, controlCallback] = [samples.grownRead, samples.controlRead, samples.grownCallback, samples.controlCallback].map(summarize);
    rows.push([
      whole(events),
      kib(recordBytes),
      ms(grownRead!.p50),
      ms(grownRead!.p99),
      ms(controlRead!.p50),
      times(grownRead!.p50 / controlRead!.p50),
      ms(grownCallback!.p50),
      ms(controlCallback!.p50),
    ]);
    raw.push({ events, recordBytes, grownRead, controlRead, grownCallback, controlCallback });
  }
  return {
    table: {
      header: ["events in the record", "record (GET) size", "GET record p50 ms", "GET record p99 ms", "control GET p50 ms", "GET p50 ratio", "callback p50 ms", "control callback p50 ms"],
      rows,
    },
    raw,
  };
}

/**
 * The same hangups under policies of different sizes, taking turns (10, 100, largest, largest, 100, 10, …) so
 * that a machine getting busier is not read as a larger policy costing more.
 */
async function policyAxis(context: GrowthContext, settings: Settings, quick: boolean): Promise<{ table: Table; raw: unknown[]; largest: number }> {
  const largest = largestPolicyWithin(MAX_POLICY_BODY_BYTES);
  const sizes = quick ? [10, largest.ruleCount] : [10, context.seedPolicyRules, largest.ruleCount];
  const documents = new Map(sizes.map((ruleCount) => [ruleCount, realisticPolicy(ruleCount)]));
  const latencies = new Map(sizes.map((ruleCount) => [ruleCount, [] as number[]]));
  const { concurrency, rounds, requestsPerRound } = settings.policyProbe;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const ruleCount of round % 2 === 0 ? sizes : [...sizes].reverse()) {
        await publishPolicy(context.operator, documents.get(ruleCount)!);
        await context.gateway.pacer?.reserve(requestsPerRound);
        latencies.get(ruleCount)!.push(...(await runLoad(requestsPerRound, concurrency, () => context.gateway.hangupNewCall())).latenciesMs);
      }
    }
  } finally {
    await publishPolicy(context.operator, realisticPolicy(context.seedPolicyRules));
  }
  const smallest = summarize(latencies.get(sizes[0]!)!);
  const raw = sizes.map((ruleCount) => ({ ruleCount, latency: summarize(latencies.get(ruleCount)!) }));
  return {
    table: {
      header: ["policy rules", "document", "requests", "gateway p50 ms", "gateway p99 ms", `p50 ÷ ${sizes[0]} rules`, `p99 ÷ ${sizes[0]} rules`],
      rows: raw.map(({ ruleCount, latency }) => [
        whole(ruleCount),
        kib(Buffer.byteLength(JSON.stringify(documents.get(ruleCount)))),
        whole(latency.count),
        ms(latency.p50),
        ms(latency.p99),
        times(latency.p50 / smallest.p50),
        times(latency.p99 / smallest.p99),
      ]),
    },
    raw,
    largest: largest.ruleCount,
  };
}

async function concurrencyAxis(context: GrowthContext, settings: Settings): Promise<{ table: Table; raw: unknown[] }> {
  const rows: string[][] = [];
  const raw: unknown[] = [];
  for (const concurrency of settings.concurrencyLevels) {
    const plan: RoundPlan = { concurrency, rounds: 2, requestsPerRound: Math.max(MIN_REQUESTS_PER_ROUND, concurrency * settings.requestsPerConnection) };
    const comparison = await compareInterleaved(context.gateway, context.bare, plan);
    const { rss } = memory(context.runtime);
    rows.push([String(concurrency), ...comparisonCells(comparison), whole(comparison.subject.perSecond), whole(comparison.baseline.perSecond), rss]);
    raw.push({ concurrency, comparison, rss });
  }
  return {
    table: { header: ["concurrent (beyond the end-to-end table)", "gateway p50 ms", "gateway p99 ms", "bare p50 ms", "p50 ratio", "p99 ratio", "gateway req/s", "bare req/s", "workerd RSS"], rows },
    raw,
  };
}

export async function measureGrowth(context: GrowthContext, quick: boolean): Promise<Measurement> {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const objects = await objectsAxis(context, settings);
  const rowsInObject = await rowsAxis(context, settings);
  const events = await eventsAxis(context, settings);
  const policy = await policyAxis(context, settings, quick);
  const concurrency = await concurrencyAxis(context, settings);
  return {
    section: {
      title: "Growth",
      lead:
        "Five axes, each probed against something that does not grow, at the same moment: the bare Worker, a small control object, or the other policy sizes. " +
        "Memory: workerd's resident set (`VmRSS` from /proc; it holds both Workers, every live Durable Object and SQLite's caches, so only its growth means anything) " +
        "and the apparent size of the call objects' SQLite files (on tmpfs here, so memory as well).",
      tables: [objects.table, rowsInObject.table, events.table, policy.table, concurrency.table],
      notes: [
        `Call objects: ${whole(FILL_CONCURRENCY)} concurrent hangups of new calls fill the store between probes; the counts include every object the earlier measurements left. ` +
          "workerd closes an object 10 to 20 s after its last event, so most of these are on disk, not open (see ./object-pacing.ts).",
        "Rows in one object: each hangup of an already hung-up call with a new Idempotency-Key adds one row and is answered from the stored outcome; the control object holds a handful.",
        `Events: two registered calls on a TryVox connection (\`${EVENTS_CONNECTION}\`, callbacks \`unsigned-ok\`); in-progress status callbacks add one event each to the grown call; the record and a callback are timed for both, alternately.`,
        `Policy size: the largest document the admin API accepts is ${whole(policy.largest)} rules of this shape (${kib(MAX_POLICY_BODY_BYTES)} policy body limit); 10,000 rules can only be measured in node (above).`,
      ],
    },
    checks: [],
    raw: { objects: objects.raw, rowsInObject: rowsInObject.raw, events: events.raw, policy: policy.raw, concurrency: concurrency.raw },
  };
}
