/**
 * No credential ever leaves the gateway: not in an answer, a call record, a webhook or a log line, on any
 * provider's failure path — rejected credentials, provider errors, dropped connections, and a provider
 * that echoes what it was sent back in its error, in any form it was sent (another case, percent-encoded,
 * the Basic header's base64 whole or cut short, part of a token).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ALOHAA_FAKE_AUTH } from "../src/providers/alohaa/fake";
import { CALLAB_FAKE_AUTH } from "../src/providers/callab/fake";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { TELNYX_FAKE_AUTH } from "../src/providers/telnyx/fake";
import { TRYVOX_FAKE_AUTH } from "../src/providers/tryvox/fake";
import { TWILIO_FAKE_AUTH } from "../src/providers/twilio/fake";
import { VONAGE_FAKE_AUTH } from "../src/providers/vonage/fake";
import { MAX_PROVIDER_BODY_BYTES } from "../src/providers/send-hangup";
import { admin, createConnection, createTenant, fakeProviderUrl, getCall, hangup, scriptProvider, uniqueCallId } from "./helpers";

const WORKING: Record<string, Record<string, string>> = {
  alohaa: ALOHAA_FAKE_AUTH,
  tryvox: TRYVOX_FAKE_AUTH,
  plivo: PLIVO_FAKE_AUTH,
  callab: CALLAB_FAKE_AUTH,
  twilio: TWILIO_FAKE_AUTH,
  telnyx: TELNYX_FAKE_AUTH,
  vonage: VONAGE_FAKE_AUTH,
};

/** Wrong but well-formed credentials whose every value is a recognisable marker. */
function wrongCredentials(provider: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(WORKING[provider]!).map(([field, value]) => [
      field,
      field === "private_key" ? value : `leak-${provider}-${field}-${crypto.randomUUID()}`,
    ]),
  );
}

/** What a secret looks like wherever it could surface: whole, and each long line of a PEM. */
function needles(credentials: Record<string, string>): string[] {
  return Object.values(credentials).flatMap((value) =>
    value.includes("PRIVATE KEY") ? value.split("\n").filter((line) => line.length > 40) : [value],
  );
}

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/**
 * Every form in which the gateway sent these credentials, as a provider might echo them: whole, in upper and
 * lower case, percent-encoded, base64 of each value and of each `id:secret` pair (the Basic header) whole
 * and with its end cut off, and ten characters from the middle of each key or token.
 */
function sentForms(credentials: Record<string, string>): string[] {
  // A private key is never sent: its lines are echoed as they are (needles), its other forms were never seen.
  const values = Object.values(credentials).filter((value) => !value.includes("PRIVATE KEY"));
  const pairs = values.flatMap((a) => values.filter((b) => b !== a).map((b) => base64(`${a}:${b}`)));
  const parts = Object.entries(credentials)
    .filter(([field, value]) => /token|key|secret/.test(field) && value.length >= 12 && !value.includes("PRIVATE KEY"))
    .map(([, value]) => value.slice(Math.floor(value.length / 2) - 5, Math.floor(value.length / 2) + 5));
  return [
    // Three lines of a PEM are enough to show it is scrubbed, and keep the echo within what is read (below).
    ...needles(credentials).slice(0, values.length + 3),
    ...values.flatMap((value) => [value.toUpperCase(), value.toLowerCase(), encodeURIComponent(value), base64(value)]),
    ...pairs.flatMap((pair) => [pair, pair.slice(0, -4)]),
    ...parts,
  ];
}

/**
 * A provider answer that repeats every credential value in every field a module might read; `error` is an
 * object (Alohaa's) in one and a string (TryVox's, Plivo's, Callab's) in the other.
 */
function echoingError(secrets: string[], errorAsText = false): string {
  const all = secrets.join(" ");
  const body = JSON.stringify({
    success: false,
    error: errorAsText ? all : { code: all, reason: all },
    errors: [{ code: all, title: all, detail: all }],
    code: all,
    type: `https://developer.nexmo.com/api-errors#${all}`,
    message: all,
    more_info: all,
  });
  // Within what the gateway reads of an answer (16 KiB), or the module would see no JSON and copy nothing.
  expect(new TextEncoder().encode(body).length).toBeLessThan(MAX_PROVIDER_BODY_BYTES);
  return body;
}

const seen: string[] = [];
const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
  vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
    seen.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  }),
);

const RECEIVER = `leaky-${crypto.randomUUID()}`;
const WEBHOOK_SECRET = `whsec_${base64("0123456789abcdef0123456789abcdef")}`;

let key: string;
beforeAll(async () => {
  ({ key } = await createTenant("leaky"));
  const res = await admin("PUT", "/admin/tenants/leaky", { webhook: { url: `${fakeProviderUrl()}/__webhooks/${RECEIVER}`, secret: WEBHOOK_SECRET } });
  expect(res.status).toBe(200);
});

/** The webhook bodies delivered for these calls, once each has one (they leave from the call's object, after the answer). */
async function webhookBodies(callIds: string[]): Promise<string[]> {
  const until = Date.now() + 15_000;
  for (;;) {
    const bodies = (await (await fetch(`${fakeProviderUrl()}/__webhooks/${RECEIVER}`)).json<{ body: string }[]>()).map((d) => d.body);
    const mine = bodies.filter((body) => callIds.some((id) => body.includes(id)));
    if (callIds.every((id) => mine.some((body) => body.includes(id))) || Date.now() > until) return mine;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
afterAll(() => consoleSpies.forEach((spy) => spy.mockRestore()));

async function capture(res: Response): Promise<void> {
  seen.push(JSON.stringify([...res.headers]), await res.text());
}

describe.each(Object.keys(WORKING))("%s", (provider) => {
  it("keeps its credentials, in every form it sent them, out of every answer, record, webhook and log line", async () => {
    const wrong = wrongCredentials(provider);
    const working = WORKING[provider]!;
    const base_url = fakeProviderUrl();
    const created = await admin("PUT", `/admin/tenants/leaky/connections/bad-${provider}`, { provider, credentials: wrong, base_url });
    await capture(created);
    await createConnection("leaky", `good-${provider}`, provider, working, { base_url });

    const rejected = uniqueCallId();
    await capture(await hangup(key, rejected, { connection: `bad-${provider}` }));
    await capture(await getCall(key, rejected, `bad-${provider}`));

    // The provider echoes back what this connection sent it, each form in answers of its own (a code is cut
    // at 64 characters, so forms sharing one answer would hide one another).
    const sent = sentForms(working);
    const echoed = await Promise.all(
      sent.map(async (form) => {
        const callId = uniqueCallId();
        await scriptProvider(callId, [
          { status: 500, body: echoingError([form]) },
          // A 2xx carrying an error: every module reads it as a failure and keeps its code.
          { status: 200, body: echoingError([form], true) },
        ]);
        await capture(await hangup(key, callId, { connection: `good-${provider}` }));
        await capture(await getCall(key, callId, `good-${provider}`));
        return callId;
      }),
    );

    const dropped = uniqueCallId();
    await scriptProvider(dropped, [{ status: 0, reset: true }, { status: 401, body: echoingError(sent.slice(0, 4)) }]);
    await capture(await hangup(key, dropped, { connection: `good-${provider}` }));
    await capture(await getCall(key, dropped, `good-${provider}`));

    const calls = [rejected, ...echoed, dropped];
    const delivered = await webhookBodies(calls);
    expect(delivered).toHaveLength(calls.length);
    seen.push(...delivered);

    const text = seen.join("\n");
    const folded = text.toLowerCase();
    for (const secret of [...needles(wrong), ...sent]) {
      const at = folded.indexOf(secret.slice(0, 40).toLowerCase());
      expect(at === -1 ? "" : text.slice(Math.max(0, at - 300), at + 80), secret).toBe("");
    }
  });
});
