// @ts-check
/**
 * The operator console's pure core: plain functions of the gateway's answers and the form's fields, with
 * no DOM and no network, so they are tested on their own (test/node/console-model.test.ts).
 */

/**
 * @typedef {{ call_id: string, connection: string, provider: string, state: "live" | "ended",
 *   registered: boolean, started_at: string | null, to: string | null, flags: string[],
 *   hangup_status: string | null, hangup_source?: string | null, hangup_reason?: string | null,
 *   lifecycle_state?: string | null, cause?: string | null,
 *   created_at: string, updated_at: string }} CallEntry
 */

/** One call on one connection: call ids are unique per connection only. */
export function callKey(/** @type {{ connection: string, call_id: string }} */ call) {
  return `${call.connection}\u0000${call.call_id}`;
}

/**
 * The console's list: live calls first, then ended ones, each newest first as the gateway sent them. The
 * two lists are read one after the other, so a call that ended in between may be in both: its newer entry wins.
 * @param {CallEntry[]} live
 * @param {CallEntry[]} ended
 * @returns {CallEntry[]}
 */
export function orderCalls(live, ended) {
  /** @type {Map<string, CallEntry>} */
  const newest = new Map();
  for (const call of [...live, ...ended]) {
    const seen = newest.get(callKey(call));
    if (!seen || call.updated_at > seen.updated_at) newest.set(callKey(call), call);
  }
  const all = [...newest.values()];
  return [...all.filter((c) => c.state === "live"), ...all.filter((c) => c.state !== "live")];
}

/** "45 s", "3 min 07 s", "2 h 05 min": how long, at a glance. */
export function formatDuration(/** @type {number} */ ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * How long the call has lasted: until now while live, until its last change once ended.
 * @param {CallEntry} call
 * @param {number} now
 */
export function elapsed(call, now) {
  const start = Date.parse(call.started_at ?? call.created_at);
  const end = call.state === "live" ? now : Date.parse(call.updated_at);
  return formatDuration(end - start);
}

/** What decided the call's latest hangup, as far as the list tells: "policy:fraud", or the reason given. */
export function decidedBy(/** @type {CallEntry} */ call) {
  if (call.hangup_reason) return call.hangup_source ? `${call.hangup_reason} (${call.hangup_source})` : call.hangup_reason;
  return call.hangup_source ?? "";
}

/** "a, b ,, c" → ["a", "b", "c"]. */
export function splitList(/** @type {string} */ text) {
  return text.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
}

/**
 * The body of POST /v1/bulk-hangups from the bulk form, or why it cannot be sent. The gateway refuses a
 * selection of everything unless it is asked for explicitly; the form says so before asking.
 * @param {{ connection: string, flags: string, toPrefixes: string, startedBefore: string, reason: string, all: boolean }} fields
 * @param {boolean} dryRun
 * @returns {{ ok: true, body: Record<string, unknown> } | { ok: false, error: string }}
 */
export function bulkRequest(fields, dryRun) {
  const reason = fields.reason.trim();
  if (!reason) return { ok: false, error: "Give a reason: it is stored with every hangup." };
  /** @type {Record<string, unknown>} */
  const match = {};
  const flags = splitList(fields.flags);
  const toPrefixes = splitList(fields.toPrefixes);
  if (flags.length) match.flags = flags;
  if (toPrefixes.length) match.to_prefixes = toPrefixes;
  if (fields.startedBefore) {
    const at = new Date(fields.startedBefore);
    if (Number.isNaN(at.getTime())) return { ok: false, error: "“Started before” is not a date and time." };
    match.started_before = at.toISOString();
  }
  const connection = fields.connection.trim();
  const criteria = connection !== "" || Object.keys(match).length > 0;
  if (!criteria && !fields.all) return { ok: false, error: "Choose a connection or a criterion, or tick “every live call”." };
  return {
    ok: true,
    body: {
      ...(connection ? { connection } : {}),
      ...(Object.keys(match).length ? { match } : {}),
      reason,
      ...(dryRun ? { dry_run: true } : {}),
      ...(!criteria ? { all: true } : {}),
    },
  };
}

/**
 * The message a person reads for a refused request: the problem's `detail`, and each listed problem.
 * @param {number} status
 * @param {unknown} body the parsed answer, if it was JSON
 */
export function problemMessage(status, body) {
  const problem = /** @type {{ detail?: unknown, title?: unknown, errors?: unknown }} */ (body && typeof body === "object" ? body : {});
  const detail = typeof problem.detail === "string" ? problem.detail : typeof problem.title === "string" ? problem.title : `The gateway answered ${status}.`;
  const errors = Array.isArray(problem.errors)
    ? problem.errors.map((/** @type {{ path?: unknown, message?: unknown }} */ e) => (e.path ? `${e.path}: ${e.message}` : String(e.message)))
    : [];
  return errors.length ? `${detail} ${errors.join("; ")}` : detail;
}

/**
 * A policy decision in words.
 * @param {{ allowed: boolean, policy_version: string | null, terminate: { rule: string, reason: string } | null,
 *   protected: boolean, deadline: string | null,
 *   matched: { id: string, effect: string, shadow: boolean, detail: string }[] }} decision
 */
export function describeDecision(decision) {
  const verdict = !decision.allowed
    ? "Denied"
    : decision.terminate
      ? `Terminate now (rule ${decision.terminate.rule})`
      : decision.protected
        ? "Allowed; protected from automatic hangups"
        : decision.deadline
          ? `Allowed; hung up automatically at ${decision.deadline}`
          : "Allowed";
  return {
    verdict,
    version: decision.policy_version ?? "no policy published",
    rules: decision.matched.map((m) => `${m.id}: ${m.effect}${m.shadow ? " (shadow, not enforced)" : ""} — ${m.detail}`),
  };
}

/** Bulk job progress in words. @param {{ matched: number, done: number, skipped?: number, protected: number, status: string, outcomes: Record<string, number>, retry_at?: string | null }} job */
export function describeJob(job) {
  const outcomes = Object.entries({ ...job.outcomes, skipped: job.skipped ?? 0 })
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status.replace("_", " ")}`)
    .join(", ");
  const state = job.status === "completed" ? "Completed" : job.status === "cancelled" ? "Cancelled" : "Running";
  const retry = job.retry_at ? ` Failed ones are tried again at ${job.retry_at}.` : "";
  return `${state}: ${job.done} of ${job.matched} calls done${outcomes ? ` (${outcomes})` : ""}; ${job.protected} protected, left alone.${retry}`;
}

/**
 * What decided a call's latest hangup, from its full record (GET /v1/calls/{id}): the reason it was asked
 * with ("policy:<rule>" for an automatic one) and who asked. Empty when the call was never hung up.
 * @param {any} record
 */
export function decidedByRecord(record) {
  const hangup = record?.hangup;
  if (!hangup) return "";
  const reason = typeof hangup.reason === "string" && hangup.reason ? hangup.reason : hangup.outcome?.decision?.terminate?.reason;
  const source = typeof hangup.source === "string" ? hangup.source : null;
  if (reason) return source ? `${reason} (${source})` : reason;
  return source ?? "";
}

/** The scope each of the console's actions needs (README, "Key scopes"). */
export const ACTION_SCOPES = /** @type {const} */ ({
  list: "calls:read",
  hangup: "calls:hangup",
  bulk: "bulk",
  evaluate: "policies:evaluate",
  audit: "calls:read",
});

/** @typedef {keyof typeof ACTION_SCOPES} ConsoleAction */

/** What each action is, in the sentence a disabled control shows. */
const ACTION_WORDS = {
  list: "Listing calls",
  hangup: "Hanging up a call",
  bulk: "Stopping many calls",
  evaluate: "Asking the policy",
  audit: "Reading the audit trail",
};

/**
 * The sentence shown beside a control the key may not use, naming the scope it needs; "" when the key
 * holds that scope (or its scopes are not known: the gateway then answers for itself).
 * @param {ConsoleAction} action
 * @param {readonly string[] | null} scopes
 */
export function scopeNote(action, scopes) {
  const scope = ACTION_SCOPES[action];
  if (!scopes || scopes.includes(scope)) return "";
  return `${ACTION_WORDS[action]} needs the scope ${scope}, which this key does not have.`;
}

/**
 * An audit entry as the console's table shows it.
 * @param {{ at: string, actor: string, action: string, target: string, detail?: Record<string, unknown> }} entry
 */
export function describeAuditEntry(entry) {
  const who = entry.actor === "admin" ? "operator" : entry.actor.replace(/^key:/, "key ");
  const reason = typeof entry.detail?.reason === "string" ? ` — “${entry.detail.reason}”` : "";
  return { at: entry.at, who, action: entry.action, target: `${entry.target}${reason}` };
}

// ---- A call's lifecycle (the record's `lifecycle`, src/calls/lifecycle.ts) --------------------------

/** A word of the API in plain text: "no_answer" → "no answer". */
function spaced(/** @type {string} */ word) {
  return word.replaceAll("_", " ");
}

/**
 * The row's lifecycle cell: the state, and once ended its cause ("ended (no answer)"); "—" for an entry the
 * index holds from before it carried the lifecycle.
 * @param {CallEntry} call
 */
export function lifecycleText(call) {
  if (!call.lifecycle_state) return "—";
  return call.lifecycle_state === "ended" && call.cause ? `ended (${spaced(call.cause)})` : call.lifecycle_state;
}

/** The console's list filters as `GET /v1/calls` query parameters; empty fields are left out. */
export function listFilters(/** @type {{ connection: string, lifecycleState: string, cause: string }} */ fields) {
  /** @type {Record<string, string>} */
  const query = {};
  if (fields.connection.trim()) query.connection = fields.connection.trim();
  if (fields.lifecycleState) query.lifecycle_state = fields.lifecycleState;
  if (fields.cause) query.cause = fields.cause;
  return query;
}

const END_SOURCES = {
  callback: "the provider's event",
  signal: "the tenant's signal",
  reconcile: "a status read at the provider",
  hangup: "this gateway's hangup",
};

const REGISTRATION_SOURCES = {
  api: "the tenant (POST /v1/calls)",
  provider_event: "the provider's event (the connection watches every call)",
};

/**
 * A call record's lifecycle in words, as [term, value] pairs for the details view: where the call is,
 * and once ended why, who ended it, the provider's own words, how long it was answered; who registered it.
 * @param {any} record a call record (GET /v1/calls/{id})
 * @returns {[string, string][]}
 */
export function describeLifecycle(record) {
  /** @type {[string, string][]} */
  const items = [];
  const lifecycle = record?.lifecycle;
  if (lifecycle) {
    items.push(["Lifecycle", String(lifecycle.state)]);
    if (lifecycle.state === "ended") {
      items.push(["Cause", lifecycle.cause ? spaced(lifecycle.cause) : "unknown"]);
      const from = END_SOURCES[/** @type {keyof typeof END_SOURCES} */ (lifecycle.source)];
      items.push(["Ended by", String(lifecycle.ended_by ?? "unknown")]);
      if (from) items.push(["End known from", from]);
      if (lifecycle.provider_cause) items.push(["Provider cause", String(lifecycle.provider_cause)]);
      items.push(["Duration", typeof lifecycle.duration_seconds === "number" ? formatDuration(lifecycle.duration_seconds * 1000) : "never answered"]);
    }
  }
  const source = record?.registration?.source;
  items.push(["Registered by", REGISTRATION_SOURCES[/** @type {keyof typeof REGISTRATION_SOURCES} */ (source)] ?? "not registered (only hung up)"]);
  return items;
}

const READ_SAID = { live: "still live", ended: "ended", unknown: "does not know the call", error: "no answer (tried again later)" };

/**
 * @typedef {{ at: string, kind: "state" | "hangup" | "reconcile", text: string }} TimelineItem
 */

/**
 * A call's timeline, oldest first: each lifecycle state with when it was reached, in the order of the call's
 * life (`initiated` at the call's start when known), and between them, by time, each hangup round (when it
 * was asked, by whom, how it ended) and each status read at the provider. At one instant a call's start
 * comes first, then what the gateway did, then the state that followed.
 * @param {any} record a call record (GET /v1/calls/{id})
 * @returns {TimelineItem[]}
 */
export function callTimeline(record) {
  const lifecycle = record?.lifecycle;
  /** @type {(TimelineItem & { ms: number, first: boolean })[]} */
  const states = [];
  for (const step of Array.isArray(lifecycle?.timeline) ? lifecycle.timeline : []) {
    const first = step.state === "initiated";
    const at = first && lifecycle.started_at ? lifecycle.started_at : step.at;
    const ended = step.state === "ended" && lifecycle.cause ? ` (${spaced(lifecycle.cause)})` : "";
    states.push({ at, kind: "state", text: `${step.state.charAt(0).toUpperCase()}${step.state.slice(1)}${ended}`, ms: Date.parse(at), first });
  }
  /** @type {(TimelineItem & { ms: number })[]} */
  const others = [];
  for (const round of Array.isArray(record?.rounds) ? record.rounds : []) {
    const reason = round.reason ? `, “${round.reason}”` : "";
    const outcome = round.outcome ? spaced(round.outcome.status) : "in flight";
    others.push({ at: round.requested_at, kind: "hangup", text: `Hangup #${round.n} asked by ${round.source}${reason}: ${outcome}`, ms: Date.parse(round.requested_at) });
  }
  for (const read of Array.isArray(record?.reconciliations) ? record.reconciliations : []) {
    const said = READ_SAID[/** @type {keyof typeof READ_SAID} */ (read.said)] ?? String(read.said);
    const status = typeof read.http_status === "number" ? ` (HTTP ${read.http_status})` : "";
    others.push({ at: read.at, kind: "reconcile", text: `Status read at the provider: ${said}${status}`, ms: Date.parse(read.at) });
  }
  others.sort((a, b) => a.ms - b.ms); // stable: rounds before reads at one instant
  /** @type {TimelineItem[]} */
  const merged = [];
  let s = 0;
  let o = 0;
  while (s < states.length || o < others.length) {
    const state = states[s];
    const other = others[o];
    const takeOther = other !== undefined && (state === undefined || other.ms < state.ms || (other.ms === state.ms && !state.first));
    const next = takeOther ? other : state;
    if (takeOther) o++;
    else s++;
    if (next) merged.push({ at: next.at, kind: next.kind, text: next.text });
  }
  return merged;
}
