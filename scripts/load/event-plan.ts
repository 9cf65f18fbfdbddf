/**
 * The events run's script (pure, seeded): for each call, the Twilio status callbacks its provider sends
 * and the order they arrive in, and what the gateway must make of them.
 *
 * A call that goes its way is `initiated`, `ringing`, `in-progress`, `completed` (Twilio's statuses for the
 * events initiated, ringing, answered, completed), all in the minutes before the run. A call to a denied
 * destination is cut by the policy as soon as its first event registers it: it sends `initiated` and
 * `ringing`, and after the gateway's hangup Twilio's final word on a call ended before it was answered,
 * `canceled`, stamped when it is sent.
 *
 * Of all the callbacks, a share is sent twice (half of those both at once, half again later in the call's
 * story, after callbacks that followed it) and a share arrives after the callback that followed it (two
 * neighbours swapped; no callback moves twice). The final callback of a cut call only follows the
 * gateway's hangup, so it never changes places.
 */

export type TwilioStatus = "initiated" | "ringing" | "in-progress" | "completed" | "canceled";

export interface Callback {
  status: TwilioStatus;
  /** Twilio's `SequenceNumber`: this callback's place in the call's story (0 first). */
  sequence: number;
  /** When it happened (ms, whole seconds, as Twilio's `Timestamp` says it), or null: when it is sent. */
  at: number | null;
}

/** Callbacks sent together (a callback and its copy at once), one step after another. */
export type Step = Callback[];

export interface PlannedCall {
  callId: string;
  from: string;
  to: string;
  /** To a denied destination: the policy cuts it. */
  cut: boolean;
  /** The provider's callbacks in the order they arrive (for a cut call, those before its hangup). */
  steps: Step[];
  /** A cut call's: once its hangup is stored, the provider's final callback (and its copies). */
  afterHangup: Step[];
  /** When the call started, rang, was answered and ended (ms; answered and ended: null for a cut call). */
  times: { started: number; ringing: number; answered: number | null; ended: number | null };
  /** `CallDuration` on `completed`, whole seconds. */
  durationSeconds: number;
}

export interface PlanOptions {
  callIds: readonly string[];
  seed: number;
  /** Of the calls, the share cut by the policy (to a denied destination). */
  cutShare: number;
  /** Of all the callbacks, the share sent twice. */
  duplicateShare: number;
  /** Of all the callbacks, the share that arrives after a callback that followed it. */
  lateShare: number;
  /** The run's start (ms): every story happens in the 10 minutes before it. */
  now: number;
  /** The denied prefix a cut call's `To` starts with. */
  deniedPrefix: string;
}

export interface Plan {
  calls: PlannedCall[];
  callbacks: number;
  duplicated: { atOnce: number; later: number };
  late: number;
}

export const FROM = "+14155550100";
export const SIP_COMPLETED = "200";
export const SIP_CANCELED = "487";

/** A small seeded generator (mulberry32): the same seed, the same script. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

const SECOND = 1000;
const wholeSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;
const digits = (n: number, width: number) => String(n).padStart(width, "0").slice(-width);

/** A call's story, in the order its provider lives it, before any reordering. */
function story(index: number, cut: boolean, random: () => number, now: number, deniedPrefix: string): Omit<PlannedCall, "callId" | "steps" | "afterHangup"> & { callbacks: Callback[]; final: Callback[] } {
  // Started 5 to 10 minutes ago; rang a second later; answered 3 to 8 s after; lasted 5 s to 4 minutes.
  const started = wholeSecond(now - 10 * 60 * SECOND + random() * 5 * 60 * SECOND);
  const ringing = started + SECOND;
  const to = cut ? `${deniedPrefix}${digits(index, 7)}` : `+1415555${digits(index, 4)}`;
  if (cut) {
    return {
      from: FROM,
      to,
      cut,
      times: { started, ringing, answered: null, ended: null },
      durationSeconds: 0,
      callbacks: [
        { status: "initiated", sequence: 0, at: started },
        { status: "ringing", sequence: 1, at: ringing },
      ],
      final: [{ status: "canceled", sequence: 2, at: null }],
    };
  }
  const answered = ringing + (3 + Math.floor(random() * 6)) * SECOND;
  const durationSeconds = 5 + Math.floor(random() * 236);
  const ended = answered + durationSeconds * SECOND;
  return {
    from: FROM,
    to,
    cut,
    times: { started, ringing, answered, ended },
    durationSeconds,
    callbacks: [
      { status: "initiated", sequence: 0, at: started },
      { status: "ringing", sequence: 1, at: ringing },
      { status: "in-progress", sequence: 2, at: answered },
      { status: "completed", sequence: 3, at: ended },
    ],
    final: [],
  };
}

export function planCalls(options: PlanOptions): Plan {
  const random = seededRandom(options.seed);
  const count = options.callIds.length;
  const cutIndexes = new Set(shuffled([...Array(count).keys()], random).slice(0, Math.round(count * options.cutShare)));
  const stories = options.callIds.map((_, i) => story(i, cutIndexes.has(i), random, options.now, options.deniedPrefix));
  // Phases: a call's callbacks before its hangup (the whole story for most), and a cut call's final one.
  const phases = stories.flatMap((s, call) => [{ call, callbacks: [...s.callbacks] }, ...(s.final.length ? [{ call, callbacks: [...s.final] }] : [])]);
  const callbacks = phases.reduce((sum, phase) => sum + phase.callbacks.length, 0);

  // Late: neighbours swapped within a phase, no callback in two swaps.
  const pairs = shuffled(phases.flatMap((phase, p) => phase.callbacks.slice(1).map((_, i) => ({ p, i }))), random);
  const moved = new Set<string>();
  let late = 0;
  for (const { p, i } of pairs) {
    if (late >= Math.round(callbacks * options.lateShare)) break;
    if (moved.has(`${p}:${i}`) || moved.has(`${p}:${i + 1}`)) continue;
    const list = phases[p]!.callbacks;
    [list[i], list[i + 1]] = [list[i + 1]!, list[i]!];
    moved.add(`${p}:${i}`).add(`${p}:${i + 1}`);
    late++;
  }

  // Duplicates: a copy in the same step (at once), or a step of its own later in the phase.
  const steps = phases.map((phase) => phase.callbacks.map((callback) => [callback]));
  const every = steps.flatMap((phaseSteps, p) => phaseSteps.map((step) => ({ p, callback: step[0]! })));
  const duplicated = { atOnce: 0, later: 0 };
  for (const { p, callback } of shuffled(every, random).slice(0, Math.round(callbacks * options.duplicateShare))) {
    const phaseSteps = steps[p]!;
    const at = phaseSteps.findIndex((step) => step[0] === callback);
    if (random() < 0.5) {
      phaseSteps[at]!.push({ ...callback });
      duplicated.atOnce++;
    } else {
      phaseSteps.splice(at + 1 + Math.floor(random() * (phaseSteps.length - at)), 0, [{ ...callback }]);
      duplicated.later++;
    }
  }

  const calls = stories.map(({ callbacks: _callbacks, final: _final, ...s }, i): PlannedCall => ({ ...s, callId: options.callIds[i]!, steps: [], afterHangup: [] }));
  phases.forEach((phase, p) => {
    const call = calls[phase.call]!;
    if (phase.callbacks[0]!.at === null) call.afterHangup = steps[p]!;
    else call.steps = steps[p]!;
  });
  return { calls, callbacks, duplicated, late };
}

/** Whether the gateway hears of the answer: `in-progress` arrives before `completed` (after it, it changes nothing). */
export function answerHeard(call: PlannedCall): boolean {
  const first = (status: TwilioStatus) => call.steps.findIndex((step) => step.some((callback) => callback.status === status));
  return !call.cut && first("in-progress") < first("completed");
}

/** A callback's form fields as Twilio posts them (`AccountSid` is added where it is signed). */
export function twilioFields(call: PlannedCall, callback: Callback, sentAt: number, format: (ms: number) => string): Record<string, string> {
  const fields: Record<string, string> = {
    CallSid: call.callId,
    CallStatus: callback.status,
    From: call.from,
    To: call.to,
    Direction: "outbound-api",
    ApiVersion: "2010-04-01",
    CallbackSource: "call-progress-events",
    SequenceNumber: String(callback.sequence),
    Timestamp: format(callback.at ?? wholeSecond(sentAt)),
  };
  if (callback.status === "completed") Object.assign(fields, { CallDuration: String(call.durationSeconds), SipResponseCode: SIP_COMPLETED });
  if (callback.status === "canceled") Object.assign(fields, { CallDuration: "0", SipResponseCode: SIP_CANCELED });
  return fields;
}
