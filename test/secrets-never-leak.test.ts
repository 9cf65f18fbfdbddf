/**
 * No credential ever leaves the gateway: not in an answer, a call record or a log line, on any
 * provider's failure path — rejected credentials, provider errors, dropped connections, and a provider
 * that echoes what it was sent back in its error.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ALOHAA_FAKE_AUTH } from "../src/providers/alohaa/fake";
import { CALLAB_FAKE_AUTH } from "../src/providers/callab/fake";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { TELNYX_FAKE_AUTH } from "../src/providers/telnyx/fake";
import { TRYVOX_FAKE_AUTH } from "../src/providers/tryvox/fake";
import { TWILIO_FAKE_AUTH } from "../src/providers/twilio/fake";
import { VONAGE_FAKE_AUTH } from "../src/providers/vonage/fake";
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

/** A provider answer that repeats every credential value in every field a module might read. */
function echoingError(secrets: string[]): string {
  const all = secrets.join(" ");
  return JSON.stringify({
    success: false,
    error: { code: all, reason: all },
    errors: [{ code: all, title: all, detail: all }],
    code: all,
    message: all,
    more_info: all,
  });
}

const seen: string[] = [];
const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
  vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
    seen.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  }),
);

let key: string;
beforeAll(async () => {
  ({ key } = await createTenant("leaky"));
});
afterAll(() => consoleSpies.forEach((spy) => spy.mockRestore()));

async function capture(res: Response): Promise<void> {
  seen.push(JSON.stringify([...res.headers]), await res.text());
}

describe.each(Object.keys(WORKING))("%s", (provider) => {
  it("keeps its credentials out of every answer, record and log line", async () => {
    const wrong = wrongCredentials(provider);
    const working = WORKING[provider]!;
    const base_url = fakeProviderUrl();
    const created = await admin("PUT", `/admin/tenants/leaky/connections/bad-${provider}`, { provider, credentials: wrong, base_url });
    await capture(created);
    await createConnection("leaky", `good-${provider}`, provider, working, { base_url });

    const rejected = uniqueCallId();
    await capture(await hangup(key, rejected, { connection: `bad-${provider}` }));
    await capture(await getCall(key, rejected, `bad-${provider}`));

    // The provider echoes back what this connection sent it.
    const sent = needles(working);
    const echoed = uniqueCallId();
    await scriptProvider(echoed, [
      { status: 500, body: echoingError(sent) },
      { status: 400, body: echoingError(sent) },
    ]);
    await capture(await hangup(key, echoed, { connection: `good-${provider}` }));
    await capture(await getCall(key, echoed, `good-${provider}`));

    const dropped = uniqueCallId();
    await scriptProvider(dropped, [{ status: 0, reset: true }, { status: 401, body: echoingError(sent) }]);
    await capture(await hangup(key, dropped, { connection: `good-${provider}` }));
    await capture(await getCall(key, dropped, `good-${provider}`));

    const text = seen.join("\n");
    for (const secret of [...needles(wrong), ...sent]) {
      const at = text.indexOf(secret);
      expect(at === -1 ? "" : text.slice(Math.max(0, at - 300), at + 80)).toBe("");
    }
  });
});
