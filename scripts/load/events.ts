/**
 * The events run (issue 22): calls the gateway learns of only from their provider's signed status
 * callbacks. A Twilio connection with `watch: "all"` registers each call from its first event; a published
 * policy denies one destination, so the calls to it (a share of them) are cut by the gateway's automatic
 * termination, hung up at the run's Twilio-speaking provider (./flaky-provider.ts, failing a share of
 * requests as in the plain run). Each call's callbacks arrive as ./event-plan.ts scripts them, some twice,
 * some after the one that followed them; the tenant's webhook (./webhook-receiver.ts) takes `call.started`,
 * `call.answered`, `call.ended` and `call.hangup.completed`.
 *
 * First, two forged callbacks (signed with another token, and for another URL) must be refused and store
 * nothing. Every call is then judged (./event-verify.ts): its callbacks answered, its record registered
 * from the events with the lifecycle its script implies, exactly one `call.ended` message (and the rest of
 * its story, in order), exactly one hangup at the provider for a cut call and none for the others.
 */
import { randomBytes, randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { PolicyDocument } from "../../src/policy/schema";
import type { WebhookEventType } from "../../src/webhooks/event-types";
import type { GatewayClient } from "../lib/gateway-client";
import { ObjectPacer } from "../lib/object-pacing";
import { summarize } from "../lib/stats";
import { twilioCallback, twilioTime } from "../lib/twilio-callback";
import { forEachConcurrently } from "./concurrently";
import { planCalls, twilioFields, type Callback, type PlannedCall, type Step } from "./event-plan";
import { EVENT_PROBLEMS, eventFindings, type EventProblem, type EventRecord } from "./event-verify";
import { FLAKY_TWILIO_AUTH, startFlakyTwilio } from "./flaky-provider";
import { TENANT, withLocalRun } from "./local-run";
import { MemoryTrace } from "./memory";
import { progress, row } from "./report";
import { Resender, SEND_ATTEMPTS } from "./resend";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver";

const CONNECTION = "twilio-events";
const DENIED_PREFIX = "+88234";
const POLICY: PolicyDocument = {
  description: "The events run: calls to one international-network range are cut at once.",
  rules: [{ id: "irsf-destinations", kind: "destinations", deny: [DENIED_PREFIX] }],
};
const WEBHOOK_EVENTS: WebhookEventType[] = ["call.started", "call.answered", "call.ended", "call.hangup.completed"];
const SHARES = { cut: 0.05, duplicated: 0.1, late: 0.1 };
/** A cut call's hangup is stored within this, or the run calls it missing (a failed round is retried within 30 s). */
const HANGUP_WAIT_MS = 60_000;
const POLL_MS = 100;
/** After the last callback, how long the run waits for every call's messages. */
const WEBHOOK_WAIT_MS = 60_000;
/** Then a little more, so that a message sent twice would show. */
const SETTLE_MS = 5_000;
const CALLBACK_SLOW_MS = 1_000;

export interface EventsOptions {
  calls: number;
  concurrency: number;
  failureRate: number;
  seed: number;
}

interface CallOutcome {
  refusedCallbacks: number;
  record: EventRecord | null;
}

/** Sends callbacks for the run and keeps how long each answer took and what needed sending again. */
class CallbackSender {
  readonly answerMs: number[] = [];
  retried = 0;

  constructor(readonly url: string) {}

  /** Sends one callback, again if it gets no 2xx; true if it was answered 204. */
  async send(call: PlannedCall, callback: Callback): Promise<boolean> {
    // Sent again without a 2xx, as a provider retries (./resend.ts says why the local transport needs it).
    for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
      if (attempt > 1) this.retried++;
      // Signed afresh for each attempt: a canceled callback's Timestamp is when it is sent.
      const { body, headers } = twilioCallback(this.url, FLAKY_TWILIO_AUTH, twilioFields(call, callback, Date.now(), twilioTime));
      const started = performance.now();
      try {
        const res = await fetch(this.url, { method: "POST", headers, body });
        await res.arrayBuffer();
        this.answerMs.push(performance.now() - started);
        if (res.status === 204) return true;
        if (res.status < 500) return false;
      } catch {
        // no answer: sent again
      }
    }
    return false;
  }

  /** Each step's callbacks at once, one step after another; answers how many were refused. */
  async sendSteps(call: PlannedCall, steps: readonly Step[]): Promise<number> {
    let refused = 0;
    for (const step of steps) refused += (await Promise.all(step.map((callback) => this.send(call, callback)))).filter((ok) => !ok).length;
    return refused;
  }
}

/** What the run reads records with: its client, and the resender for answers lost in transport. */
interface Reader {
  client: GatewayClient;
  resender: Resender;
}

async function readRecord({ client, resender }: Reader, callId: string): Promise<EventRecord | null> {
  try {
    return await resender.send(async () => {
      const res = await client.v1.calls[":call_id"].$get({ param: { call_id: callId }, query: { connection: CONNECTION } });
      return res.status === 200 ? ((await res.json()) as unknown as EventRecord) : (await res.text(), null);
    });
  } catch {
    return null;
  }
}

/** A cut call, once its first events are in: waits until the gateway's hangup has ended it in its record. */
async function hangupStored(reader: Reader, callId: string): Promise<void> {
  const until = Date.now() + HANGUP_WAIT_MS;
  while (Date.now() < until) {
    const record = await readRecord(reader, callId);
    if (record?.lifecycle.state === "ended") return;
    await sleep(POLL_MS);
  }
}

/**
 * Before the run: callbacks that must change nothing, answered 401 with no record made — one signed with
 * another auth token, one signed for another URL (what a proxy in front of the gateway without `PUBLIC_URL`
 * would cause). Answers how many were refused that way, of how many.
 */
async function forgedRefused(url: string, reader: Reader, probe: PlannedCall): Promise<{ refused: number; of: number }> {
  const fields = twilioFields(probe, probe.steps[0]![0]!, Date.now(), twilioTime);
  const forgeries = [
    twilioCallback(url, { ...FLAKY_TWILIO_AUTH, auth_token: "not-the-connection-token" }, fields),
    twilioCallback(url.replace("127.0.0.1", "gateway.example"), FLAKY_TWILIO_AUTH, fields),
  ];
  let refused = 0;
  for (const { body, headers } of forgeries) {
    const res = await fetch(url, { method: "POST", headers, body });
    await res.arrayBuffer();
    if (res.status === 401 && (await readRecord(reader, probe.callId)) === null) refused++;
  }
  return { refused, of: forgeries.length };
}

/** One call's life: its callbacks as scripted (a cut call's last one after its hangup), then its record. */
async function liveCall(reader: Reader, sender: CallbackSender, call: PlannedCall): Promise<CallOutcome> {
  let refusedCallbacks = await sender.sendSteps(call, call.steps);
  if (call.cut) {
    await hangupStored(reader, call.callId);
    refusedCallbacks += await sender.sendSteps(call, call.afterHangup);
  }
  return { refusedCallbacks, record: await readRecord(reader, call.callId) };
}

/** Whether every call's messages are in: its story, and a cut call's hangup outcome. */
function allMessagesIn(calls: readonly PlannedCall[], receiver: WebhookReceiver): boolean {
  return calls.every((call) => {
    const types = new Set(receiver.messagesOf(call.callId).map((message) => message.type));
    return types.has("call.started") && types.has("call.ended") && (!call.cut || types.has("call.hangup.completed"));
  });
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

export async function runEvents(options: EventsOptions): Promise<number> {
  const { calls, concurrency, failureRate, seed } = options;
  console.log(
    `Events run: ${calls} calls known only from Twilio's signed status callbacks (watch "all"), ${concurrency} at once; ` +
      `${SHARES.cut * 100}% to a denied destination (cut by the policy); of the callbacks ${SHARES.duplicated * 100}% sent twice and ${SHARES.late * 100}% late; ` +
      `provider failing ${failureRate * 100}% of hangup requests (503). Seed ${seed}.`,
  );
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const receiver = await startWebhookReceiver(secret);
  try {
    const run = { connection: { id: CONNECTION, provider: "twilio" as const, credentials: { ...FLAKY_TWILIO_AUTH }, watch: "all" as const }, policy: POLICY, webhook: { url: receiver.url, secret, events: WEBHOOK_EVENTS } };
    return await withLocalRun(() => startFlakyTwilio(failureRate), run, async (provider, local) => {
      const callIds = Array.from({ length: calls }, () => `CA${randomBytes(16).toString("hex")}`);
      const plan = planCalls({ callIds, seed, cutShare: SHARES.cut, duplicateShare: SHARES.duplicated, lateShare: SHARES.late, now: Date.now(), deniedPrefix: DENIED_PREFIX });
      const sender = new CallbackSender(`${local.gateway.gatewayUrl}/callbacks/${TENANT}/${CONNECTION}`);
      const outcomes: CallOutcome[] = new Array(calls);
      const pacer = new ObjectPacer();
      const memory = new MemoryTrace(local.gateway.workerdPid, calls);
      const reader = { client: local.client, resender: new Resender() };
      const probe = planCalls({ callIds: [`CA${randomBytes(16).toString("hex")}`], seed, cutShare: 0, duplicateShare: 0, lateShare: 0, now: Date.now(), deniedPrefix: DENIED_PREFIX }).calls[0]!;
      const forged = await forgedRefused(sender.url, reader, probe);
      const tick = progress("calls through their story", calls);
      const started = performance.now();
      memory.start();
      let admissions = Promise.resolve();
      await forEachConcurrently(plan.calls, concurrency, async (call, i) => {
        // One admission at a time, so that the pacer's waiting adds up to wall time (as in the plain run).
        await (admissions = admissions.then(async () => {
          await pacer.reserve(1);
          pacer.started();
        }));
        outcomes[i] = await liveCall(reader, sender, call);
        tick();
        memory.callDone();
      });
      memory.stop();
      const storySeconds = (performance.now() - started) / 1000;
      const waitUntil = Date.now() + WEBHOOK_WAIT_MS;
      while (Date.now() < waitUntil && !allMessagesIn(plan.calls, receiver)) await sleep(500);
      console.log(`  ${allMessagesIn(plan.calls, receiver) ? "every call's messages in" : "stopped waiting for messages"}; settling ${SETTLE_MS / 1000} s for any sent twice`);
      await sleep(SETTLE_MS);

      const findings = new Map<EventProblem, string[]>();
      let requests = 0;
      let injectedFailures = 0;
      let delivered = 0;
      plan.calls.forEach((call, i) => {
        const atProvider = provider.call(call.callId);
        requests += atProvider.requests;
        injectedFailures += atProvider.injectedFailures;
        const messages = receiver.messagesOf(call.callId);
        delivered += messages.length;
        const ofCall = new Map<EventProblem, string[]>();
        for (const { problem, detail } of eventFindings(call, { ...outcomes[i]!, messages, atProvider })) ofCall.set(problem, [...(ofCall.get(problem) ?? []), detail]);
        for (const [problem, details] of ofCall) findings.set(problem, [...(findings.get(problem) ?? []), `${call.callId}: ${details.join(", ")}`]);
      });
      const cut = plan.calls.filter((call) => call.cut).length;
      const sent = plan.calls.reduce((sum, call) => sum + [...call.steps, ...call.afterHangup].reduce((n, step) => n + step.length, 0), 0);
      const answers = summarize(sender.answerMs);
      const byType = new Map<string, number>();
      for (const call of plan.calls) for (const message of receiver.messagesOf(call.callId)) byType.set(message.type, (byType.get(message.type) ?? 0) + 1);
      const stray = receiver.received() - delivered;

      console.log("\nResults");
      row("calls", `${calls} (${cut} to ${DENIED_PREFIX}…, cut by the policy)`);
      row("forged callbacks refused", `${forged.refused} of ${forged.of} (401, nothing stored)`);
      row("callbacks", `${plan.callbacks} distinct, ${sent + sender.retried} sent: ${plan.duplicated.atOnce + plan.duplicated.later} twice (${plan.duplicated.atOnce} at once, ${plan.duplicated.later} later), ${plan.late} late, ${sender.retried} sent again (no 2xx, or no answer)`);
      row("reads resent (transport error)", reader.resender.resent);
      row("callback answers", `p50 ${ms(answers.p50)}, p99 ${ms(answers.p99)}, max ${ms(answers.max)}; ${sender.answerMs.filter((t) => t > CALLBACK_SLOW_MS).length} over ${CALLBACK_SLOW_MS / 1000} s`);
      row("provider hangup requests", `${requests} for ${cut} cut calls (${injectedFailures} failed on purpose)`);
      row("unexpected provider requests", provider.unexpectedRequests());
      row("webhook messages", `${[...byType].sort().map(([type, count]) => `${count} ${type}`).join(", ")}`);
      row("webhook messages refused, stray", `${receiver.refused()}, ${stray}`);
      row("wall time", `${storySeconds.toFixed(1)} s for the stories, ${(calls / storySeconds).toFixed(0)} calls/s, ${(pacer.totalWaitMs / 1000).toFixed(1)} s of it pacing`);
      row("workerd resident memory", memory.summary());
      for (const problem of EVENT_PROBLEMS) {
        const affected = findings.get(problem) ?? [];
        row(problem, `${affected.length}${affected.length ? ` (e.g. ${affected.slice(0, 2).join("; ")})` : ""}`);
      }
      const failedRun = findings.size > 0 || forged.refused < forged.of || provider.unexpectedRequests() > 0 || receiver.refused() > 0 || stray > 0;
      console.log(
        failedRun
          ? "\nFAIL: calls were lost, misrecorded, told twice or not at all, or hung up wrongly."
          : "\nOK: every call registered from its events, its lifecycle as its callbacks say, one call.ended each, and exactly the cut calls hung up, once.",
      );
      if (failedRun) console.log(`\nLast lines of the runtime:\n${local.gateway.recentOutput()}`);
      return failedRun ? 1 : 0;
    });
  } finally {
    await receiver.close();
  }
}

/** A fresh seed for a run that was not given one (printed, so a run can be repeated). */
export const randomSeed = () => randomInt(1, 2 ** 31);
