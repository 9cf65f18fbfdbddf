// @ts-check
/**
 * The operator console: a tenant's calls, hangups one by one or in bulk, and what the policy decides, all
 * through the gateway's public tenant API with the key the operator gives. The key lives in this tab's
 * sessionStorage only; every request is same-origin, carries no cookie, and sends the key as a bearer token.
 * The key's scopes (GET /v1/key) decide what is offered: a control the key may not use is disabled, with
 * a note naming the scope it needs.
 */
import {
  bulkRequest,
  callKey,
  callTimeline,
  decidedBy,
  decidedByRecord,
  describeAuditEntry,
  describeDecision,
  describeJob,
  describeLifecycle,
  elapsed,
  lifecycleText,
  listFilters,
  orderCalls,
  problemMessage,
  scopeNote,
  splitList,
} from "./console-model.js";

/** @typedef {import("./console-model.js").CallEntry} CallEntry */

const KEY_STORAGE = "hangup-gateway.console.api-key";
const REFRESH_MS = 5_000;
const JOB_POLL_MS = 1_000;
const LIST_LIMIT = 100;
const AUDIT_LIMIT = 50;
/** Records read per refresh to fill "Decided by" where the list does not say it; cached until the call changes. */
const DECIDED_BY_READS = 10;

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} type
 * @returns {T}
 */
function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the page`);
  return element;
}

const ui = {
  keyForm: byId("key-form", HTMLFormElement),
  keyInput: byId("api-key", HTMLInputElement),
  forgetKey: byId("forget-key", HTMLButtonElement),
  keyState: byId("key-state", HTMLElement),
  keyScopes: byId("key-scopes", HTMLElement),
  callsScopeNote: byId("calls-scope-note", HTMLElement),
  hangupScopeNote: byId("hangup-scope-note", HTMLElement),
  filterSubmit: /** @type {HTMLButtonElement} */ (byId("calls-filter", HTMLFormElement).querySelector("button[type=submit]")),
  bulkCount: byId("bulk-count", HTMLButtonElement),
  bulkScopeNote: byId("bulk-scope-note", HTMLElement),
  policyEvaluate: byId("policy-evaluate", HTMLButtonElement),
  policyScopeNote: byId("policy-scope-note", HTMLElement),
  auditRefresh: byId("audit-refresh", HTMLButtonElement),
  auditScopeNote: byId("audit-scope-note", HTMLElement),
  auditError: byId("audit-error", HTMLElement),
  auditBody: byId("audit-body", HTMLTableSectionElement),
  auditEmpty: byId("audit-empty", HTMLElement),
  workspace: byId("workspace", HTMLElement),
  filter: byId("calls-filter", HTMLFormElement),
  filterConnection: byId("filter-connection", HTMLInputElement),
  filterLifecycle: byId("filter-lifecycle", HTMLSelectElement),
  filterCause: byId("filter-cause", HTMLSelectElement),
  autoRefresh: byId("auto-refresh", HTMLInputElement),
  callsError: byId("calls-error", HTMLElement),
  callsBody: byId("calls-body", HTMLTableSectionElement),
  callsEmpty: byId("calls-empty", HTMLElement),
  callsMore: byId("calls-more", HTMLElement),
  callsUpdated: byId("calls-updated", HTMLElement),
  details: byId("call-details", HTMLElement),
  detailsHeading: byId("details-heading", HTMLElement),
  detailsList: byId("details-list", HTMLElement),
  detailsClose: byId("details-close", HTMLButtonElement),
  bulkForm: byId("bulk-form", HTMLFormElement),
  bulkConnection: byId("bulk-connection", HTMLInputElement),
  bulkFlags: byId("bulk-flags", HTMLInputElement),
  bulkTo: byId("bulk-to", HTMLInputElement),
  bulkBefore: byId("bulk-before", HTMLInputElement),
  bulkReason: byId("bulk-reason", HTMLInputElement),
  bulkAll: byId("bulk-all", HTMLInputElement),
  bulkRun: byId("bulk-run", HTMLButtonElement),
  bulkError: byId("bulk-error", HTMLElement),
  bulkResult: byId("bulk-result", HTMLElement),
  bulkJob: byId("bulk-job", HTMLElement),
  bulkProgress: byId("bulk-progress", HTMLProgressElement),
  bulkJobText: byId("bulk-job-text", HTMLElement),
  policyForm: byId("policy-form", HTMLFormElement),
  policyVersion: byId("policy-version", HTMLElement),
  policyKind: byId("policy-kind", HTMLSelectElement),
  policyConnection: byId("policy-connection", HTMLInputElement),
  policyCallId: byId("policy-call-id", HTMLInputElement),
  policyTo: byId("policy-to", HTMLInputElement),
  policyFrom: byId("policy-from", HTMLInputElement),
  policyFlags: byId("policy-flags", HTMLInputElement),
  policyStarted: byId("policy-started", HTMLInputElement),
  policyAnswered: byId("policy-answered", HTMLInputElement),
  policyError: byId("policy-error", HTMLElement),
  policyResult: byId("policy-result", HTMLElement),
  confirm: byId("confirm", HTMLDialogElement),
  confirmTitle: byId("confirm-title", HTMLElement),
  confirmText: byId("confirm-text", HTMLElement),
  confirmReasonField: byId("confirm-reason-field", HTMLElement),
  confirmReason: byId("confirm-reason", HTMLInputElement),
  confirmOk: byId("confirm-ok", HTMLButtonElement),
};

/** A refused request: the problem's detail, ready to show. */
class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** @returns {string | null} */
function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

/**
 * One call to the gateway's tenant API.
 * @param {"GET" | "POST"} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<any>}
 */
async function api(method, path, body, headers = {}) {
  const key = apiKey();
  if (!key) throw new ApiError(401, "Give an API key first.");
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${key}`, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "The gateway could not be reached.");
  }
  const parsed = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, problemMessage(res.status, parsed));
  return parsed;
}

/** @param {HTMLElement} element @param {string} message */
function showError(element, message) {
  element.textContent = message;
  element.hidden = message === "";
}

/**
 * @param {string} tag
 * @param {{ text?: string, className?: string, attrs?: Record<string, string> }} [options]
 * @param {(Node | string)[]} [children]
 */
function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.text !== undefined) node.textContent = options.text;
  if (options.className) node.className = options.className;
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function formatTime(/** @type {string | null} */ iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

// ---- The tenant's key -------------------------------------------------------------------------------

function maskedKey(/** @type {string} */ key) {
  return `${key.slice(0, 4)}…${key.slice(-4)}`;
}

/** The key's scopes, as GET /v1/key answered them; null while unknown (nothing is disabled then). */
/** @type {string[] | null} */
let scopes = null;

/** @param {import("./console-model.js").ConsoleAction} action */
function allowed(action) {
  return scopeNote(action, scopes) === "";
}

/** Shows what the key may not do: each such control disabled, with the note that names the scope. */
function applyScopes() {
  const gate = (/** @type {HTMLElement} */ note, /** @type {import("./console-model.js").ConsoleAction} */ action, /** @type {HTMLButtonElement[]} */ controls) => {
    const text = scopeNote(action, scopes);
    note.textContent = text;
    note.hidden = text === "";
    for (const control of controls) {
      control.disabled = text !== "";
      if (text) control.setAttribute("aria-describedby", note.id);
      else control.removeAttribute("aria-describedby");
    }
  };
  gate(ui.callsScopeNote, "list", [ui.filterSubmit]);
  gate(ui.hangupScopeNote, "hangup", []);
  gate(ui.bulkScopeNote, "bulk", [ui.bulkCount]);
  gate(ui.policyScopeNote, "evaluate", [ui.policyEvaluate]);
  gate(ui.auditScopeNote, "audit", [ui.auditRefresh]);
  ui.autoRefresh.disabled = !allowed("list");
  ui.keyScopes.hidden = scopes === null;
  ui.keyScopes.textContent = scopes ? `This key's scopes: ${scopes.join(", ") || "none"}.` : "";
}

async function useKey(/** @type {string} */ key) {
  sessionStorage.setItem(KEY_STORAGE, key);
  ui.keyInput.value = "";
  ui.keyState.textContent = `Using key ${maskedKey(key)} in this tab.`;
  ui.forgetKey.hidden = false;
  ui.workspace.hidden = false;
  try {
    const self = await api("GET", "/v1/key");
    scopes = self.scopes;
    ui.keyState.textContent = `Using key ${maskedKey(key)}${self.name ? ` (${self.name})` : ""} of tenant ${self.tenant} in this tab.`;
  } catch {
    // Unknown scopes disable nothing: the calls below show the gateway's answer (a refused key, say).
    scopes = null;
  }
  applyScopes();
  renderCalls();
  if (allowed("list")) void refreshCalls();
  if (allowed("audit")) void refreshAudit();
}

function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
  stopRefresh();
  ui.workspace.hidden = true;
  ui.forgetKey.hidden = true;
  ui.callsBody.replaceChildren();
  rowsByKey.clear();
  calls = [];
  scopes = null;
  applyScopes();
  ui.auditBody.replaceChildren();
  ui.keyState.textContent = "Key forgotten.";
  ui.keyInput.focus();
}

ui.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (key) void useKey(key);
});
ui.forgetKey.addEventListener("click", forgetKey);

// ---- Calls ------------------------------------------------------------------------------------------

/** @type {CallEntry[]} */
let calls = [];
/** Outcomes this console received from its own hangups, shown until the list (which may trail) has them. */
const localOutcomes = new Map();
/** "Decided by" read from call records, by call: { updated_at, text }. */
const decidedByCache = new Map();
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;
let refreshing = false;
/** A refresh asked for while one was running (the filters changed): it runs once that one ends. */
let refreshAgain = false;

function stopRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = undefined;
}

function scheduleRefresh() {
  stopRefresh();
  if (ui.autoRefresh.checked && apiKey() && allowed("list")) refreshTimer = setTimeout(() => void refreshCalls(), REFRESH_MS);
}

function filters() {
  return listFilters({ connection: ui.filterConnection.value, lifecycleState: ui.filterLifecycle.value, cause: ui.filterCause.value });
}

/** @param {"live" | "ended"} state */
function listPath(state) {
  return `/v1/calls?${new URLSearchParams({ state, limit: String(LIST_LIMIT), ...filters() })}`;
}

async function refreshCalls() {
  if (refreshing) refreshAgain = true;
  if (refreshing || !apiKey() || !allowed("list")) return;
  refreshing = true;
  try {
    const [live, ended] = await Promise.all([api("GET", listPath("live")), api("GET", listPath("ended"))]);
    calls = orderCalls(live.calls, ended.calls);
    showError(ui.callsError, "");
    const more = [live.next_cursor && "live", ended.next_cursor && "ended"].filter(Boolean);
    ui.callsMore.hidden = more.length === 0;
    ui.callsMore.textContent = more.length ? `Showing the newest ${LIST_LIMIT} ${more.join(" and ")} calls; filter to see others.` : "";
    renderCalls();
    ui.callsUpdated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    void fillDecidedBy();
    if (!ui.policyConnection.value && calls[0]) {
      ui.policyConnection.value = calls[0].connection;
      if (allowed("evaluate")) void askActiveVersion(calls[0].connection);
    }
  } catch (error) {
    showError(ui.callsError, error instanceof Error ? error.message : String(error));
    if (error instanceof ApiError && error.status === 401) {
      ui.keyState.textContent = "The gateway refused this key. Give another one.";
      stopRefresh();
      refreshing = false;
      return;
    }
  } finally {
    refreshing = false;
  }
  if (refreshAgain) {
    refreshAgain = false;
    return refreshCalls();
  }
  scheduleRefresh();
}

/**
 * The list names a hangup's outcome, not always what decided it: for calls hung up since they were last
 * read, the record says (a few per refresh, so a long list costs a few requests at a time).
 */
async function fillDecidedBy() {
  const missing = calls.filter((c) => c.hangup_status && !decidedBy(c) && decidedByCache.get(callKey(c))?.updated_at !== c.updated_at).slice(0, DECIDED_BY_READS);
  if (missing.length === 0) return;
  await Promise.all(
    missing.map(async (call) => {
      try {
        const record = await api("GET", `/v1/calls/${encodeURIComponent(call.call_id)}?connection=${encodeURIComponent(call.connection)}`);
        decidedByCache.set(callKey(call), { updated_at: call.updated_at, text: decidedByRecord(record) });
      } catch {
        // Shown as unknown; the next refresh asks again.
      }
    }),
  );
  renderCalls();
}

/** The list's entry, with this console's own fresher outcome if the list has not caught up with it yet. */
function withLocalOutcome(/** @type {CallEntry} */ call) {
  const local = localOutcomes.get(callKey(call));
  if (!local) return call;
  if (call.hangup_status && call.updated_at >= local.at) {
    localOutcomes.delete(callKey(call));
    return call;
  }
  return { ...call, ...local.entry };
}

/** The rows on screen, by call: a refresh updates them in place, so focus, hover and scroll stay put. */
/** @type {Map<string, HTMLTableRowElement>} */
const rowsByKey = new Map();

function renderCalls() {
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.focusKey : undefined;
  const now = Date.now();
  const rows = calls.map(withLocalOutcome).map((call) => {
    const key = callKey(call);
    const row = updatedRow(rowsByKey.get(key), callRow(call, now));
    rowsByKey.set(key, row);
    return row;
  });
  const keep = new Set(rows);
  for (const [key, row] of rowsByKey) if (!keep.has(row)) rowsByKey.delete(key);
  const current = [...ui.callsBody.children];
  if (current.length !== rows.length || current.some((row, i) => row !== rows[i])) {
    ui.callsBody.replaceChildren(...rows);
    // Reordered rows were taken out and put back; whoever was on a row's button stays on it.
    if (focused) ui.callsBody.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.closest("button")?.focus();
  }
  ui.callsEmpty.hidden = rows.length > 0;
  ui.callsEmpty.textContent = Object.keys(filters()).length
    ? "No calls match these filters."
    : "No calls yet. Calls appear here once the gateway has seen them (registered or hung up).";
}

/**
 * The row on screen with only its changed cells replaced, or the fresh row when the call changed shape
 * (a live call that ended loses its hang-up button).
 * @param {HTMLTableRowElement | undefined} existing
 * @param {HTMLTableRowElement} fresh
 */
function updatedRow(existing, fresh) {
  if (!existing || existing.className !== fresh.className || existing.cells.length !== fresh.cells.length) return fresh;
  [...fresh.cells].forEach((cell, i) => {
    const old = existing.cells[i];
    if (old && !old.isEqualNode(cell)) existing.replaceChild(cell, old);
  });
  return existing;
}

/** @param {CallEntry} call @param {number} now */
function callRow(call, now) {
  const key = callKey(call);
  const live = call.state === "live";
  const cell = (/** @type {string} */ label, /** @type {(Node | string)[]} */ content, className = "") =>
    // One wrapper per cell, so that on a phone (a grid of label and value) the value stays one piece.
    el("td", { className, attrs: { "data-label": label } }, [el("span", { className: "cell" }, content)]);
  const flags = call.flags.length ? call.flags.map((f) => el("span", { className: "flag", text: f })) : ["—"];
  const status = call.hangup_status ? [el("span", { className: `status-${call.hangup_status}`, text: call.hangup_status.replace("_", " ") })] : ["—"];
  const actions = [
    el("button", { text: "Details", className: "small", attrs: { type: "button", "aria-label": `Details of call ${call.call_id}`, "data-focus-key": `details:${key}` } }),
  ];
  if (live) {
    // A key without calls:hangup sees the button disabled, described by the note that names the scope.
    /** @type {Record<string, string>} */
    const refused = allowed("hangup") ? {} : { disabled: "", "aria-describedby": ui.hangupScopeNote.id, title: ui.hangupScopeNote.textContent ?? "" };
    actions.push(
      el("button", { text: "Hang up", className: "small danger", attrs: { type: "button", "aria-label": `Hang up call ${call.call_id}`, "data-focus-key": `hangup:${key}`, ...refused } }),
    );
  }
  const [details, hangup] = actions;
  details?.addEventListener("click", () => void showDetails(call));
  hangup?.addEventListener("click", () => void confirmHangup(call));
  const row = /** @type {HTMLTableRowElement} */ (el("tr", { className: live ? "live" : "ended", attrs: { "data-call-id": call.call_id, "data-connection": call.connection } }, [
    cell("Call id", [call.call_id], "id"),
    cell("Connection", [call.connection]),
    cell("State", [call.state], "state"),
    cell("Lifecycle", [lifecycleText(call)], "lifecycle"),
    cell("Started", [formatTime(call.started_at ?? call.created_at)]),
    cell("Elapsed", [elapsed(call, now)]),
    cell("Flags", flags),
    cell("Hangup", status, "hangup"),
    cell("Decided by", [decidedBy(call) || decidedByCache.get(key)?.text || "—"], "decided"),
    cell("Actions", actions, "actions"),
  ]));
  return row;
}

ui.filter.addEventListener("submit", (event) => {
  event.preventDefault();
  void refreshCalls();
});
for (const select of [ui.filterLifecycle, ui.filterCause]) select.addEventListener("change", () => void refreshCalls());
ui.autoRefresh.addEventListener("change", () => (ui.autoRefresh.checked ? scheduleRefresh() : stopRefresh()));
document.addEventListener("visibilitychange", () => {
  if (document.hidden) stopRefresh();
  else if (apiKey()) void refreshCalls();
});

// ---- Recent changes (the tenant's audit trail) ------------------------------------------------------

async function refreshAudit() {
  if (!apiKey() || !allowed("audit")) return;
  try {
    const page = await api("GET", `/v1/audit?limit=${AUDIT_LIMIT}`);
    showError(ui.auditError, "");
    ui.auditBody.replaceChildren(
      ...page.entries.map((/** @type {any} */ entry) => {
        const words = describeAuditEntry(entry);
        const cell = (/** @type {string} */ label, /** @type {string} */ text, className = "") =>
          el("td", { className, attrs: { "data-label": label } }, [el("span", { className: "cell", text })]);
        return el("tr", {}, [cell("When", formatTime(words.at)), cell("Who", words.who, "mono"), cell("Change", words.action), cell("What", words.target, "mono")]);
      }),
    );
    ui.auditEmpty.hidden = page.entries.length > 0;
  } catch (error) {
    showError(ui.auditError, error instanceof Error ? error.message : String(error));
  }
}

ui.auditRefresh.addEventListener("click", () => void refreshAudit());

// ---- One call: details and hangup -------------------------------------------------------------------

/** @param {CallEntry} call */
async function showDetails(call) {
  ui.details.hidden = false;
  ui.detailsHeading.textContent = `Call ${call.call_id}`;
  ui.detailsList.replaceChildren(el("dd", { text: "Loading…" }));
  try {
    const record = await api("GET", `/v1/calls/${encodeURIComponent(call.call_id)}?connection=${encodeURIComponent(call.connection)}`);
    ui.detailsList.replaceChildren(...detailItems(record));
  } catch (error) {
    ui.detailsList.replaceChildren(el("dd", { className: "error", text: error instanceof Error ? error.message : String(error) }));
  }
  ui.details.focus();
}

/** The call record's parts a person asks about: what happened, who asked, and what the policy said. */
function detailItems(/** @type {any} */ record) {
  /** @type {HTMLElement[]} */
  const items = [];
  const add = (/** @type {string} */ term, /** @type {Node | string} */ value) => items.push(el("dt", { text: term }), el("dd", {}, [value]));
  add("Connection", `${record.connection} (${record.provider})`);
  add("State", String(record.state));
  for (const [term, value] of describeLifecycle(record)) add(term, value);
  if (record.to) add("To", record.to);
  add("Flags", record.flags?.length ? record.flags.join(", ") : "—");
  const hangup = record.hangup;
  if (hangup) {
    add("Hangup", `${hangup.outcome?.status ?? hangup.status} — asked by ${hangup.source}${hangup.reason ? `, reason “${hangup.reason}”` : ""}`);
    if (hangup.outcome?.provider_response?.detail) add("Provider said", hangup.outcome.provider_response.detail);
  }
  if (Array.isArray(record.rounds) && record.rounds.length > 1) add("Rounds", `${record.rounds.length + (record.rounds_omitted ?? 0)} (a failed round ends only that round)`);
  if (record.retry) add("Next retry", `${formatTime(record.retry.next_at)}, after ${record.retry.failures} failed automatic ${record.retry.failures === 1 ? "hangup" : "hangups"}`);
  const decision = hangup?.outcome?.decision ?? record.registration?.decision;
  if (decision) {
    const words = describeDecision(decision);
    add("Policy", `${words.verdict} — version ${words.version}`);
    if (words.rules.length) add("Rules", el("ul", {}, words.rules.map((r) => el("li", { text: r }))));
  }
  const attempts = Array.isArray(record.attempts) ? record.attempts : [];
  if (attempts.length) add("Attempts", el("ul", {}, attempts.map((/** @type {any} */ a) => el("li", { text: `#${a.n} ${a.outcome}: ${a.detail}` }))));
  add("Seen first", formatTime(record.created_at));
  add("Last change", formatTime(record.updated_at));
  const timeline = callTimeline(record).map((item) =>
    el("li", {}, [el("time", { text: formatTime(item.at), attrs: { datetime: item.at } }), " ", item.text]),
  );
  if (timeline.length) add("Timeline", el("ol", { className: "timeline", attrs: { "aria-label": "Timeline, oldest first" } }, timeline));
  return items;
}

ui.detailsClose.addEventListener("click", () => {
  ui.details.hidden = true;
});

/**
 * Asks the operator to confirm; resolves to the reason given, or null when cancelled.
 * @param {{ title: string, text: string, action: string, reason?: boolean }} question
 * @returns {Promise<string | null>}
 */
function confirmAction(question) {
  ui.confirmTitle.textContent = question.title;
  ui.confirmText.textContent = question.text;
  ui.confirmOk.textContent = question.action;
  ui.confirmReasonField.hidden = question.reason === false;
  ui.confirmReason.value = "operator console";
  ui.confirm.returnValue = "";
  ui.confirm.showModal();
  ui.confirmOk.focus();
  return new Promise((resolve) => {
    ui.confirm.addEventListener("close", () => resolve(ui.confirm.returnValue === "confirm" ? ui.confirmReason.value.trim() || "operator console" : null), { once: true });
  });
}

/** @param {CallEntry} call */
async function confirmHangup(call) {
  const reason = await confirmAction({
    title: `Hang up call ${call.call_id}?`,
    text: `The gateway asks ${call.provider} (connection ${call.connection}) to end this call now. This cannot be undone.`,
    action: "Hang up",
  });
  if (reason === null) return;
  try {
    const outcome = await api("POST", `/v1/calls/${encodeURIComponent(call.call_id)}/hangup`, { connection: call.connection, reason }, { "idempotency-key": crypto.randomUUID() });
    const final = outcome.status !== "failed";
    localOutcomes.set(callKey(call), {
      at: outcome.completed_at,
      entry: {
        hangup_status: outcome.status,
        hangup_source: "api",
        hangup_reason: outcome.reason,
        ...(final ? { state: "ended" } : {}),
        // A confirmed hangup ends the call's lifecycle as cut by the gateway (src/calls/story.ts, learnOutcome).
        ...(outcome.status === "terminated" ? { lifecycle_state: "ended", cause: "completed" } : {}),
      },
    });
    showError(ui.callsError, "");
    ui.callsUpdated.textContent = `Call ${call.call_id}: ${outcome.status.replace("_", " ")}.`;
    renderCalls();
  } catch (error) {
    showError(ui.callsError, `Call ${call.call_id}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// ---- Bulk stop --------------------------------------------------------------------------------------

/** The body the last dry run counted for; the real run sends exactly that, and any edit asks for a new count. */
/** @type {Record<string, unknown> | null} */
let countedBody = null;

function bulkFields() {
  return {
    connection: ui.bulkConnection.value,
    flags: ui.bulkFlags.value,
    toPrefixes: ui.bulkTo.value,
    startedBefore: ui.bulkBefore.value,
    reason: ui.bulkReason.value,
    all: ui.bulkAll.checked,
  };
}

function resetCount() {
  countedBody = null;
  ui.bulkRun.disabled = true;
  ui.bulkRun.textContent = "Hang up matching calls";
  ui.bulkResult.replaceChildren();
}

ui.bulkForm.addEventListener("input", resetCount);
ui.bulkForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  resetCount();
  const request = bulkRequest(bulkFields(), true);
  if (!request.ok) return showError(ui.bulkError, request.error);
  showError(ui.bulkError, "");
  try {
    const answer = await api("POST", "/v1/bulk-hangups", request.body);
    const { dry_run: _dryRun, ...body } = request.body;
    countedBody = body;
    ui.bulkResult.replaceChildren(
      el("p", { className: "count", text: `${answer.matched} live ${answer.matched === 1 ? "call matches" : "calls match"}` }),
      el("p", { text: `${answer.protected} protected ${answer.protected === 1 ? "call is" : "calls are"} left alone. Dry run: nothing was sent.` }),
      ...(answer.call_ids.length
        ? [el("ul", { attrs: { "aria-label": "Matching calls" } }, answer.call_ids.slice(0, 10).map((/** @type {string} */ id) => el("li", { className: "mono", text: id })))]
        : []),
      ...(answer.call_ids.length > 10 ? [el("p", { className: "note", text: `and ${answer.matched - 10} more` })] : []),
    );
    ui.bulkRun.disabled = answer.matched === 0;
    ui.bulkRun.textContent = `Hang up ${answer.matched} ${answer.matched === 1 ? "call" : "calls"}`;
    ui.bulkRun.dataset.matched = String(answer.matched);
  } catch (error) {
    showError(ui.bulkError, error instanceof Error ? error.message : String(error));
  }
});

ui.bulkRun.addEventListener("click", async () => {
  if (!countedBody) return;
  const body = countedBody;
  const reason = await confirmAction({
    title: `Hang up ${ui.bulkRun.dataset.matched} calls?`,
    text: `Every live call that still matches is hung up, with the reason “${String(body.reason)}”. Protected calls are skipped. This cannot be undone.`,
    action: "Hang up all",
    reason: false,
  });
  if (reason === null) return;
  resetCount();
  try {
    const job = await api("POST", "/v1/bulk-hangups", body);
    ui.bulkJob.hidden = false;
    void refreshAudit();
    await followJob(job.id);
  } catch (error) {
    showError(ui.bulkError, error instanceof Error ? error.message : String(error));
  }
});

async function followJob(/** @type {string} */ id) {
  for (;;) {
    const job = await api("GET", `/v1/bulk-hangups/${encodeURIComponent(id)}`);
    ui.bulkProgress.max = Math.max(1, job.matched);
    ui.bulkProgress.value = job.done;
    ui.bulkJobText.textContent = describeJob(job);
    if (job.status !== "running") {
      void refreshCalls();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
  }
}

// ---- Policy -----------------------------------------------------------------------------------------

/** The active version, as the gateway's answer to a plain hangup question on a connection names it. */
async function askActiveVersion(/** @type {string} */ connection) {
  try {
    const answer = await api("POST", "/v1/policies/evaluate", { kind: "hangup", connection });
    ui.policyVersion.textContent = answer.policy_version ?? "none published: everything is allowed";
  } catch {
    // The panel's own form shows errors; the version stays unknown.
  }
}

ui.policyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  /** @type {Record<string, unknown>} */
  const call = {};
  if (ui.policyCallId.value.trim()) call.call_id = ui.policyCallId.value.trim();
  if (ui.policyTo.value.trim()) call.to = ui.policyTo.value.trim();
  if (ui.policyFrom.value.trim()) call.from = ui.policyFrom.value.trim();
  const flags = splitList(ui.policyFlags.value);
  if (flags.length) call.flags = flags;
  if (ui.policyStarted.value) call.started_at = new Date(ui.policyStarted.value).toISOString();
  if (ui.policyAnswered.value) call.answered_at = new Date(ui.policyAnswered.value).toISOString();
  const body = { kind: ui.policyKind.value, connection: ui.policyConnection.value.trim(), ...(Object.keys(call).length ? { call } : {}) };
  try {
    const answer = await api("POST", "/v1/policies/evaluate", body);
    showError(ui.policyError, "");
    ui.policyVersion.textContent = answer.policy_version ?? "none published: everything is allowed";
    const words = describeDecision(answer.decision);
    ui.policyResult.replaceChildren(
      el("p", { className: "count", text: words.verdict }),
      el("p", { className: "note", text: `Policy version ${words.version}` }),
      words.rules.length ? el("ul", { attrs: { "aria-label": "Rules that matched" } }, words.rules.map((r) => el("li", { text: r }))) : el("p", { text: "No rule matched." }),
    );
  } catch (error) {
    ui.policyResult.replaceChildren();
    showError(ui.policyError, error instanceof Error ? error.message : String(error));
  }
});

// ---- Start ------------------------------------------------------------------------------------------

const stored = apiKey();
if (stored) void useKey(stored);
else ui.keyInput.focus();
