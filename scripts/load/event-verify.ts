/**
 * What the events run checks for each call, from four sources that must agree with its script
 * (./event-plan.ts): the answers to its callbacks, its record (`GET /v1/calls/{id}`), the webhook messages
 * the tenant received, and what the provider saw. Pure: the run gathers the evidence, this judges it
 * (test/node/load-events.test.ts).
 */
import { isDeepStrictEqual } from "node:util";
import { answerHeard, SIP_CANCELED, SIP_COMPLETED, type PlannedCall } from "./event-plan";
import type { CallAtProvider } from "./flaky-provider";
import type { ReceivedMessage } from "./webhook-receiver";

/** The parts of a call's record the run judges. */
export interface EventRecord {
  registration: { source: string } | null;
  lifecycle: {
    state: string;
    started_at: string | null;
    answered_at: string | null;
    ended_at: string | null;
    duration_seconds: number | null;
    cause: string | null;
    ended_by: string | null;
    provider_cause: string | null;
    source: string | null;
    timeline: { state: string; at: string }[];
  };
  hangup: { source: string; outcome: { status: string; attempts: number } | null } | null;
}

export interface EventEvidence {
  /** Callbacks the gateway did not answer 204, even when sent again. */
  refusedCallbacks: number;
  /** null: no record (404, or no answer). */
  record: EventRecord | null;
  messages: readonly ReceivedMessage[];
  atProvider: CallAtProvider;
}

/** Every way a call can go wrong in the events run, in the order the run reports them. */
export const EVENT_PROBLEMS = [
  "callback_refused",
  "lost",
  "lifecycle_wrong",
  "ended_webhooks_not_one",
  "story_webhooks_wrong",
  "hangup_missing",
  "hangup_twice",
  "hangup_unwanted",
  "outcome_wrong",
] as const;
export type EventProblem = (typeof EVENT_PROBLEMS)[number];

export interface Finding {
  problem: EventProblem;
  detail: string;
}

const STATES = ["initiated", "ringing", "answered", "ended"];
/** The same instant (or both unknown): the record's ISO text against the script's ms or another ISO text. */
function sameInstant(a: string | null | undefined, b: number | string | null): boolean {
  if (a === null || a === undefined || b === null) return (a ?? null) === b;
  return Date.parse(a) === (typeof b === "number" ? b : Date.parse(b));
}
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** How the call's story must end, as its record's lifecycle says it (the times are checked apart). */
function expectedEnd(call: PlannedCall) {
  if (call.cut) return { state: "ended", duration_seconds: null, cause: "completed", ended_by: "gateway", provider_cause: SIP_CANCELED, source: "hangup" };
  const heard = answerHeard(call);
  return { state: "ended", duration_seconds: heard ? call.durationSeconds : null, cause: "completed", ended_by: "unknown", provider_cause: SIP_COMPLETED, source: "callback" };
}

function lifecycleFindings(call: PlannedCall, lifecycle: EventRecord["lifecycle"]): string[] {
  const wrong: string[] = [];
  const { state, duration_seconds, cause, ended_by, provider_cause, source } = lifecycle;
  const expected = expectedEnd(call);
  const actual = { state, duration_seconds, cause, ended_by, provider_cause, source };
  if (!isDeepStrictEqual(actual, expected)) wrong.push(`ended as ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  // Registered by the first event that arrived: the call's start, or its ringing when that came first.
  const started = lifecycle.started_at === null ? NaN : Date.parse(lifecycle.started_at);
  if (!(started >= call.times.started && started <= call.times.ringing)) wrong.push(`started_at ${lifecycle.started_at}, expected ${iso(call.times.started)} or ${iso(call.times.ringing)}`);
  const answeredAt = answerHeard(call) ? call.times.answered : null;
  if (!sameInstant(lifecycle.answered_at, answeredAt)) wrong.push(`answered_at ${lifecycle.answered_at}, expected ${iso(answeredAt)}`);
  if (call.cut ? lifecycle.ended_at === null : !sameInstant(lifecycle.ended_at, call.times.ended)) wrong.push(`ended_at ${lifecycle.ended_at}, expected ${call.cut ? "the hangup's" : iso(call.times.ended)}`);
  const ranks = lifecycle.timeline.map((step) => STATES.indexOf(step.state));
  const answeredStep = lifecycle.timeline.find((step) => step.state === "answered");
  const endedStep = lifecycle.timeline.find((step) => step.state === "ended");
  if (
    ranks[0] !== 0 ||
    ranks.some((rank, i) => rank < 0 || (i > 0 && rank <= ranks[i - 1]!)) ||
    !endedStep ||
    !sameInstant(endedStep.at, lifecycle.ended_at) ||
    (answeredStep ? !sameInstant(answeredStep.at, lifecycle.answered_at) : lifecycle.answered_at !== null)
  ) {
    wrong.push(`timeline ${lifecycle.timeline.map((step) => `${step.state}@${step.at}`).join(" → ")}`);
  }
  return wrong;
}

function storyFindings(call: PlannedCall, record: EventRecord | null, messages: readonly ReceivedMessage[]): string[] {
  const wrong: string[] = [];
  const ofType = (type: string) => messages.filter((message) => message.type === type);
  const ids = messages.map((message) => message.id);
  if (new Set(ids).size !== ids.length) wrong.push("a message delivered twice");
  const started = ofType("call.started");
  const answered = ofType("call.answered");
  const ended = ofType("call.ended");
  const hangups = ofType("call.hangup.completed");
  if (started.length !== 1) wrong.push(`${started.length} call.started`);
  else if (started[0]!.data.source !== "provider_event" || started[0]!.data.to !== call.to) wrong.push(`call.started says ${JSON.stringify(started[0]!.data)}`);
  const heard = answerHeard(call);
  if (answered.length !== (heard ? 1 : 0)) wrong.push(`${answered.length} call.answered, expected ${heard ? 1 : 0}`);
  else if (heard && !sameInstant(answered[0]!.data.answered_at as string, call.times.answered)) wrong.push(`call.answered says ${JSON.stringify(answered[0]!.data)}`);
  if (ended.length === 1) {
    const { cause, ended_by, source, duration_seconds, provider_cause } = expectedEnd(call);
    // A cut call's end is told when the hangup is stored, before Twilio's `canceled` adds its SIP code to the record.
    const expected = { cause, ended_by, source, duration_seconds, provider_cause: call.cut ? null : provider_cause };
    const { data } = ended[0]!;
    const said = { cause: data.cause, ended_by: data.ended_by, source: data.source, duration_seconds: data.duration_seconds, provider_cause: data.provider_cause };
    if (!isDeepStrictEqual(said, expected) || (record && data.ended_at !== record.lifecycle.ended_at)) wrong.push(`call.ended says ${JSON.stringify(data)}`);
  }
  const order = [started[0], answered[0], ended[0]].filter((message) => message !== undefined).map((message) => message.order);
  if (order.some((at, i) => i > 0 && at < order[i - 1]!)) wrong.push("messages out of the order learned");
  if (hangups.length !== (call.cut ? 1 : 0)) wrong.push(`${hangups.length} call.hangup.completed, expected ${call.cut ? 1 : 0}`);
  else if (call.cut && (hangups[0]!.data as { status?: unknown }).status !== "terminated") wrong.push(`call.hangup.completed says ${JSON.stringify(hangups[0]!.data)}`);
  return wrong;
}

export function eventFindings(call: PlannedCall, evidence: EventEvidence): Finding[] {
  const findings: Finding[] = [];
  const add = (problem: EventProblem, detail: string) => findings.push({ problem, detail });
  const { record, atProvider } = evidence;

  if (evidence.refusedCallbacks > 0) add("callback_refused", `${evidence.refusedCallbacks} callback(s) not answered 204`);
  if (!record || record.registration?.source !== "provider_event") add("lost", record ? `registration ${JSON.stringify(record.registration)}` : "no record");
  if (record) for (const wrong of lifecycleFindings(call, record.lifecycle)) add("lifecycle_wrong", wrong);

  const ended = evidence.messages.filter((message) => message.type === "call.ended").length;
  if (ended !== 1) add("ended_webhooks_not_one", `${ended} call.ended messages`);
  for (const wrong of storyFindings(call, record, evidence.messages)) add("story_webhooks_wrong", wrong);

  if (call.cut) {
    if (atProvider.hangups === 0) add("hangup_missing", `${atProvider.requests} request(s), no hangup`);
    if (atProvider.hangups > 1 || atProvider.requestsAfterHangup > 0) add("hangup_twice", `${atProvider.hangups} hangups, ${atProvider.requestsAfterHangup} request(s) after`);
    const round = record?.hangup;
    if (record && (round?.source !== "policy" || round.outcome?.status !== "terminated" || round.outcome.attempts !== atProvider.requests)) {
      add("outcome_wrong", `round ${JSON.stringify(round)}, ${atProvider.requests} provider request(s)`);
    }
  } else {
    if (atProvider.requests > 0) add("hangup_unwanted", `${atProvider.requests} hangup request(s) for a call the policy allows`);
    if (record?.hangup) add("outcome_wrong", `a round for a call the policy allows: ${JSON.stringify(record.hangup)}`);
  }
  return findings;
}
