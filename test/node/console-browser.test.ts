/**
 * /console in a real browser against a real `wrangler dev`, used as an operator would: paste the tenant's
 * key, see its calls, hang one up and see it terminated, count a bulk stop before running it and follow
 * the job, ask the policy, read the tenant's recent changes; follow a call its provider's signed events told
 * the gateway of (its lifecycle in the row, the lifecycle and timeline in its details, the list filtered by
 * them); on a desktop and on a phone, by mouse and by keyboard. A key
 * with fewer scopes sees what it may not do disabled, naming the scope. The key stays in session storage; the page
 * reaches no host but the gateway and logs no error.
 */
import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ensureChromium, guardedPage, launchChromium, PHONE, type GuardedPage } from "./chromium";
import { startGateway, type Gateway } from "./gateway-process";

const SETUP_TIMEOUT_MS = 600_000;
/** The list may trail the calls by up to 10 s (contract), and the console refreshes every 5 s. */
const LIST_TIMEOUT_MS = 20_000;
const TENANT = "console-acme";
const CONNECTION = "sandbox";
/** A Twilio connection that watches every call: its status callbacks register calls and move their lifecycle. */
const TWILIO = "twilio-events";
const TWILIO_AUTH = { account_sid: `AC${"0".repeat(32)}`, auth_token: "console-test-twilio-auth-token" };
const POLICY = {
  rules: [
    { id: "emergency", kind: "protect", to_prefixes: ["+1911"] },
    { id: "fraud", kind: "fraud_flags", flags: ["irsf"] },
    { id: "one-hour-max", kind: "max_duration", max_seconds: 3600 },
  ],
};

let gateway: Gateway;
let browser: Browser;
let key: string;
let keyId: string;

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function ok(token: string, method: string, path: string, body?: unknown) {
  const res = await call(token, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function register(callId: string, details: { to?: string; flags?: string[] }) {
  await ok(key, "POST", "/v1/calls", { call_id: callId, connection: CONNECTION, ...details });
}

/** A Twilio status callback about `callSid`, signed as Twilio signs it (URL + params sorted by name, HMAC-SHA1). */
async function twilioEvent(callSid: string, status: string, at: number, extra: Record<string, string> = {}) {
  const path = `/callbacks/${TENANT}/${TWILIO}`;
  const params: Record<string, string> = {
    AccountSid: TWILIO_AUTH.account_sid,
    CallSid: callSid,
    CallStatus: status,
    From: "+14155550100",
    To: "+442071838750",
    Timestamp: new Date(at).toUTCString().replace("GMT", "+0000"),
    ...extra,
  };
  const signed = gateway.url + path + Object.keys(params).sort().map((name) => name + params[name]).join("");
  const res = await fetch(gateway.url + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": createHmac("sha1", TWILIO_AUTH.auth_token).update(signed).digest("base64") },
    body: new URLSearchParams(params).toString(),
  });
  if (!res.ok) throw new Error(`Twilio callback ${status}: ${res.status} ${await res.text()}`);
}

const twilioSid = () => `CA${randomBytes(16).toString("hex")}`;
/** The Twilio call ended through its events (read again on the phone). */
const endedByEvents = twilioSid();

/** The details view as the operator reads it: each term with its value. */
async function details(page: Page): Promise<Record<string, string>> {
  return page.evaluate<Record<string, string>>(`Object.fromEntries([...document.querySelectorAll("#details-list dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]))`);
}

/** What each timeline entry says, without its time. */
async function timelineTexts(page: Page): Promise<string[]> {
  return page
    .getByRole("list", { name: "Timeline, oldest first" })
    .locator("li")
    .evaluateAll((items) => items.map((li) => (li.textContent ?? "").slice(li.querySelector("time")?.textContent?.length ?? 0).trim()));
}

function row(page: Page, callId: string) {
  return page.locator("#calls-body tr").filter({ has: page.locator("td.id", { hasText: new RegExp(`^${callId}$`) }) });
}

beforeAll(async () => {
  ensureChromium();
  [gateway, browser] = await Promise.all([startGateway(), launchChromium()]);
  const admin = gateway.adminToken;
  await ok(admin, "PUT", `/admin/tenants/${TENANT}`, { name: "Acme" });
  await ok(admin, "PUT", `/admin/tenants/${TENANT}/connections/${CONNECTION}`, { provider: "sandbox", credentials: {} });
  await ok(admin, "PUT", `/admin/tenants/${TENANT}/connections/${TWILIO}`, { provider: "twilio", credentials: TWILIO_AUTH, watch: "all", reconcile: false });
  await ok(admin, "PUT", "/admin/policies", POLICY);
  ({ key, id: keyId } = await ok(admin, "POST", `/admin/tenants/${TENANT}/keys`, { name: "console test" }));
  await register("call-hang-me", { to: "+14155550100" });
  await register("call-wangiri-1", { to: "+4470000001", flags: ["wangiri"] });
  await register("call-wangiri-2", { to: "+4470000002", flags: ["wangiri"] });
  await register("call-emergency", { to: "+19115550100", flags: ["wangiri"] });
  // Hung up by the policy as it registers: the console names the rule.
  await register("call-irsf", { to: "+88213000001", flags: ["irsf"] });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

/** A person pastes the key and presses Enter. */
async function signIn(guarded: GuardedPage, apiKey: string) {
  const { page } = guarded;
  await page.goto(`${gateway.url}/console`);
  await page.getByLabel("API key").fill(apiKey);
  await page.getByLabel("API key").press("Enter");
}

describe("/console in Chromium", () => {
  it("shows the gateway's refusal of a wrong key as the problem's detail", async () => {
    const guarded = await guardedPage(browser, gateway.url);
    await signIn(guarded, "hgw_not-a-real-key");
    await expect.poll(() => guarded.page.locator("#calls-error").textContent(), { timeout: LIST_TIMEOUT_MS }).toMatch(/\S/);
    const detail = (await call("hgw_not-a-real-key", "GET", "/v1/calls")).body.detail as string;
    expect(await guarded.page.locator("#calls-error").textContent()).toContain(detail);
    expect(guarded.foreignRequests).toEqual([]);
    await guarded.context.close();
  });

  it("lists the calls, hangs one up, counts a bulk stop before running it, and asks the policy", async () => {
    const guarded = await guardedPage(browser, gateway.url);
    const { page, screenshot } = guarded;
    await signIn(guarded, key);

    // The key is in this tab's session storage, and nowhere else.
    expect(await page.evaluate<string | null>(`sessionStorage.getItem("hangup-gateway.console.api-key")`)).toBe(key);
    expect(await page.evaluate<number>("localStorage.length")).toBe(0);
    expect(await guarded.context.cookies()).toEqual([]);
    expect(page.url()).not.toContain(key);
    expect(await page.getByLabel("API key").inputValue()).toBe("");

    // The calls appear by themselves (the console refreshes), live ones with a hang-up button.
    for (const id of ["call-hang-me", "call-wangiri-1", "call-wangiri-2", "call-emergency"]) {
      await row(page, id).waitFor({ timeout: LIST_TIMEOUT_MS });
    }
    await expect.poll(() => row(page, "call-wangiri-1").locator("td.state").textContent()).toBe("live");
    // Live calls come first; a call the policy ended shows its outcome and the rule that decided it.
    const order = await page.locator("#calls-body td.state").allTextContents();
    expect(order.indexOf("ended")).toBeGreaterThan(order.lastIndexOf("live"));
    await row(page, "call-irsf").waitFor({ timeout: LIST_TIMEOUT_MS });
    await expect.poll(() => row(page, "call-irsf").locator("td.hangup").textContent(), { timeout: LIST_TIMEOUT_MS }).toBe("terminated");
    await expect.poll(() => row(page, "call-irsf").locator("td.decided").textContent(), { timeout: LIST_TIMEOUT_MS }).toBe("policy:fraud (policy)");
    expect(await row(page, "call-wangiri-1").locator(".flag").allTextContents()).toEqual(["wangiri"]);
    await screenshot("console-1280-calls");

    // Hang one up from its row, after confirming.
    await page.getByRole("button", { name: "Hang up call call-hang-me" }).click();
    const dialog = page.getByRole("dialog", { name: "Hang up call call-hang-me?" });
    await dialog.waitFor();
    await screenshot("console-1280-confirm");
    await dialog.getByRole("button", { name: "Hang up" }).click();
    await expect.poll(() => row(page, "call-hang-me").locator("td.hangup").textContent(), { timeout: LIST_TIMEOUT_MS }).toBe("terminated");
    await expect.poll(() => row(page, "call-hang-me").locator("td.state").textContent()).toBe("ended");
    const record = await ok(key, "GET", `/v1/calls/call-hang-me?connection=${CONNECTION}`);
    expect(record.state).toBe("ended");
    expect(record.hangup.outcome.status).toBe("terminated");
    expect(await page.getByRole("button", { name: "Hang up call call-hang-me" }).count()).toBe(0);

    // A bulk stop of the wangiri calls: the count first, and nothing sent.
    await page.getByLabel("Carrying any of these flags").fill("wangiri");
    await page.getByRole("button", { name: "Count matching calls" }).click();
    await expect.poll(() => page.locator("#bulk-result").textContent()).toContain("2 live calls match");
    expect(await page.locator("#bulk-result").textContent()).toContain("1 protected call is left alone");
    for (const id of ["call-wangiri-1", "call-wangiri-2"]) {
      expect((await ok(key, "GET", `/v1/calls/${id}?connection=${CONNECTION}`)).hangup, id).toBeNull();
    }
    await screenshot("console-1280-bulk-count");

    // Then run it, confirm, and follow the job to its end.
    const run = page.getByRole("button", { name: "Hang up 2 calls" });
    expect(await run.isEnabled()).toBe(true);
    await run.click();
    await page.getByRole("dialog", { name: "Hang up 2 calls?" }).getByRole("button", { name: "Hang up all" }).click();
    await expect.poll(() => page.locator("#bulk-job-text").textContent(), { timeout: LIST_TIMEOUT_MS }).toMatch(/^Completed: 2 of 2 calls done \(2 terminated\)/);
    for (const id of ["call-wangiri-1", "call-wangiri-2"]) {
      await expect.poll(() => row(page, id).locator("td.hangup").textContent(), { timeout: LIST_TIMEOUT_MS }).toBe("terminated");
    }
    expect((await ok(key, "GET", `/v1/calls/call-emergency?connection=${CONNECTION}`)).hangup).toBeNull();

    // The policy panel: the active version, and what it decides for an emergency call.
    const active = (await ok(gateway.adminToken, "GET", "/admin/policies")).version as string;
    await expect.poll(() => page.locator("#policy-version").textContent()).toBe(active);
    await page.getByLabel("Event").selectOption("call");
    await page.getByLabel("To (E.164)").fill("+19115550123");
    await page.getByRole("button", { name: "Evaluate" }).click();
    await expect.poll(() => page.locator("#policy-result").textContent()).toContain("protected from automatic hangups");
    expect(await page.locator("#policy-result").textContent()).toContain("emergency: protect");
    await page.locator("#policy-result").scrollIntoViewIfNeeded();
    await screenshot("console-1280-done");

    // Recent changes: the tenant's audit trail, with the bulk stop this key started.
    await page.getByRole("button", { name: "Refresh changes" }).click();
    const bulkRow = page.locator("#audit-body tr").filter({ hasText: "bulk.started" });
    await expect.poll(() => bulkRow.count(), { timeout: LIST_TIMEOUT_MS }).toBe(1);
    expect(await bulkRow.textContent()).toContain(`key ${keyId}`);
    expect(await page.locator("#audit-body tr").filter({ hasText: "key.created" }).count()).toBeGreaterThan(0);
    await page.locator("#audit").scrollIntoViewIfNeeded();
    await screenshot("console-1280-changes");

    expect(guarded.foreignRequests).toEqual([]);
    expect(guarded.errors).toEqual([]);
    await guarded.context.close();
  });

  it("shows a call its provider's events told of: its lifecycle in the row, lifecycle and timeline in its details, the list filtered by them", async () => {
    // Twilio tells of two calls the tenant never registered: one rang, was answered and ended; one is answered still.
    const now = Date.now();
    const answered = twilioSid();
    await twilioEvent(endedByEvents, "initiated", now - 80_000);
    await twilioEvent(endedByEvents, "ringing", now - 75_000);
    await twilioEvent(endedByEvents, "in-progress", now - 67_000);
    await twilioEvent(endedByEvents, "completed", now - 5_000, { CallDuration: "62", SipResponseCode: "200" });
    await twilioEvent(answered, "in-progress", now - 30_000);

    const guarded = await guardedPage(browser, gateway.url);
    const { page, screenshot } = guarded;
    await signIn(guarded, key);
    await expect.poll(() => row(page, endedByEvents).locator("td.lifecycle").textContent(), { timeout: LIST_TIMEOUT_MS }).toBe("ended (completed)");
    await expect.poll(() => row(page, answered).locator("td.lifecycle").textContent(), { timeout: LIST_TIMEOUT_MS }).toBe("answered");
    expect(await row(page, answered).locator("td.state").textContent()).toBe("live");
    // A call the console hung up earlier: ended, cut by the gateway.
    expect(await row(page, "call-hang-me").locator("td.lifecycle").textContent()).toBe("ended (completed)");

    // Its details: the lifecycle in words, then every state with its time, oldest first.
    await page.getByRole("button", { name: `Details of call ${endedByEvents}` }).click();
    await expect.poll(async () => (await details(page))["Lifecycle"], { timeout: LIST_TIMEOUT_MS }).toBe("ended");
    expect(await details(page)).toMatchObject({
      Connection: `${TWILIO} (twilio)`,
      State: "ended",
      Cause: "completed",
      // Twilio's status callbacks do not say who hung up.
      "Ended by": "unknown",
      "End known from": "the provider's event",
      "Provider cause": "200",
      Duration: "1 min 02 s",
      "Registered by": "the provider's event (the connection watches every call)",
    });
    const timeline = page.getByRole("list", { name: "Timeline, oldest first" });
    expect(await timelineTexts(page)).toEqual(["Initiated", "Ringing", "Answered", "Ended (completed)"]);
    const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
    expect(await timeline.locator("time").evaluateAll((times) => times.map((t) => t.getAttribute("datetime")))).toEqual(
      [now - 80_000, now - 75_000, now - 67_000, now - 5_000].map(second),
    );
    await page.locator("#call-details").scrollIntoViewIfNeeded();
    await screenshot("console-1280-lifecycle");

    // A call hung up from the console: its round on the timeline, before the end it caused.
    await page.getByRole("button", { name: "Details of call call-hang-me" }).click();
    await expect.poll(async () => (await details(page))["Ended by"], { timeout: LIST_TIMEOUT_MS }).toBe("gateway");
    expect(await details(page)).toMatchObject({ Cause: "completed", "End known from": "this gateway's hangup", "Registered by": "the tenant (POST /v1/calls)" });
    expect(await timelineTexts(page)).toEqual(["Initiated", "Hangup #1 asked by api, “operator console”: terminated", "Ended (completed)"]);

    // The list by lifecycle: only the call still answered; by cause: the calls that ended completed.
    await page.getByLabel("Lifecycle").selectOption("answered");
    await expect.poll(() => page.locator("#calls-body td.lifecycle").allTextContents(), { timeout: LIST_TIMEOUT_MS }).toEqual(["answered"]);
    expect(await row(page, answered).count()).toBe(1);
    await page.getByLabel("Cause").selectOption("busy");
    await expect.poll(() => page.locator("#calls-empty").isVisible(), { timeout: LIST_TIMEOUT_MS }).toBe(true);
    expect(await page.locator("#calls-empty").textContent()).toBe("No calls match these filters.");
    await page.getByLabel("Lifecycle").selectOption("");
    await page.getByLabel("Cause").selectOption("completed");
    await expect.poll(() => row(page, endedByEvents).count(), { timeout: LIST_TIMEOUT_MS }).toBe(1);
    expect(await row(page, "call-hang-me").count()).toBe(1);
    expect(await row(page, answered).count()).toBe(0);
    expect(new Set(await page.locator("#calls-body td.lifecycle").allTextContents())).toEqual(new Set(["ended (completed)"]));
    await screenshot("console-1280-filtered");

    expect(guarded.foreignRequests).toEqual([]);
    expect(guarded.errors).toEqual([]);
    await guarded.context.close();
  });

  it("shows what a read-only key may not do disabled, naming the scope it needs", async () => {
    const { key: reader } = await ok(gateway.adminToken, "POST", `/admin/tenants/${TENANT}/keys`, { name: "read only", scopes: ["calls:read"] });
    const guarded = await guardedPage(browser, gateway.url);
    const { page, screenshot } = guarded;
    await signIn(guarded, reader);
    await expect.poll(() => page.locator("#key-scopes").textContent()).toBe("This key's scopes: calls:read.");
    await row(page, "call-emergency").waitFor({ timeout: LIST_TIMEOUT_MS });

    const hangup = page.getByRole("button", { name: "Hang up call call-emergency" });
    expect(await hangup.isDisabled()).toBe(true);
    expect(await page.locator("#hangup-scope-note").textContent()).toBe("Hanging up a call needs the scope calls:hangup, which this key does not have.");
    expect(await hangup.getAttribute("aria-describedby")).toBe("hangup-scope-note");
    expect(await page.getByRole("button", { name: "Count matching calls" }).isDisabled()).toBe(true);
    expect(await page.locator("#bulk-scope-note").textContent()).toContain("the scope bulk");
    expect(await page.getByRole("button", { name: "Evaluate" }).isDisabled()).toBe(true);
    expect(await page.locator("#policy-scope-note").textContent()).toContain("the scope policies:evaluate");
    // What it may do still works: the calls and the recent changes are listed.
    expect(await page.locator("#calls-scope-note").isHidden()).toBe(true);
    await expect.poll(() => page.locator("#audit-body tr").count(), { timeout: LIST_TIMEOUT_MS }).toBeGreaterThan(0);
    await screenshot("console-1280-read-only");

    expect(guarded.foreignRequests).toEqual([]);
    expect(guarded.errors).toEqual([]);
    await guarded.context.close();
  });

  it("is usable on a phone, and forgets the key when asked", async () => {
    const guarded = await guardedPage(browser, gateway.url, PHONE);
    const { page, screenshot } = guarded;
    await signIn(guarded, key);
    await row(page, "call-emergency").waitFor({ timeout: LIST_TIMEOUT_MS });
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
    // The live call's hang-up button is on screen, with its name.
    await page.getByRole("button", { name: "Hang up call call-emergency" }).scrollIntoViewIfNeeded();
    await screenshot("console-390-calls");

    // From the keyboard: Enter on the row's button asks for confirmation with the focus on the answer;
    // Escape backs out, and the call is untouched.
    await page.getByRole("button", { name: "Hang up call call-emergency" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Hang up call call-emergency?" }).waitFor();
    expect(await page.evaluate<string>("document.activeElement.id")).toBe("confirm-ok");
    await screenshot("console-390-confirm");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    expect((await ok(key, "GET", `/v1/calls/call-emergency?connection=${CONNECTION}`)).hangup).toBeNull();

    // A call's lifecycle and timeline read on the phone too, from the keyboard, within its width.
    await page.getByRole("button", { name: `Details of call ${endedByEvents}` }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(async () => (await details(page))["Cause"], { timeout: LIST_TIMEOUT_MS }).toBe("completed");
    expect(await page.getByRole("list", { name: "Timeline, oldest first" }).locator("li").count()).toBe(4);
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
    await screenshot("console-390-lifecycle");

    // Every control a person can reach has a name a screen reader can say.
    const unnamed = await page.evaluate<string[]>(`[...document.querySelectorAll("button, input, select, textarea, a[href]")]
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => !((el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || (el.tagName !== "INPUT" && el.textContent.trim())))
      .map((el) => el.outerHTML.slice(0, 120))`);
    expect(unnamed).toEqual([]);

    await page.getByRole("button", { name: "Forget key" }).click();
    expect(await page.evaluate<number>("sessionStorage.length")).toBe(0);
    expect(await page.locator("#workspace").isHidden()).toBe(true);

    expect(guarded.foreignRequests).toEqual([]);
    expect(guarded.errors).toEqual([]);
    await guarded.context.close();
  });
});
