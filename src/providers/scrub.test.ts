/**
 * Credentials never come back from a provider's answer in any form the gateway sent them: raw, in another
 * case, percent-encoded, form-encoded, in base64 (the Basic header, whole or cut short, or of each value),
 * or in part (8 characters in a row of a value of at least 12). Checked on the scrubber alone, and through
 * every real module and the sending code, with answers echoing those forms in every field a module copies.
 * What "a form" is, is written here apart from src/providers/scrub.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../bytes";
import { MIN_PARTIAL_CHARS, scrubberFor } from "./scrub";
import { sendHangup } from "./send-hangup";
import { TEST_SCOPE } from "./testing/kit";
import type { ProviderAdapter } from "./types";
import { alohaa } from "./alohaa";
import { callab } from "./callab";
import { plivo } from "./plivo";
import { telnyx } from "./telnyx";
import { tryvox } from "./tryvox";
import { twilio } from "./twilio";
import { vonage } from "./vonage";
import { VONAGE_FAKE_AUTH } from "./vonage/fake";

const bytesOf = (text: string) => new TextEncoder().encode(text);
const b64 = (text: string) => toBase64(bytesOf(text));

/**
 * The first run of MIN_PARTIAL_CHARS characters of any form of the secret found in `text`, any case: the
 * secret raw and percent-encoded, base64 of `id:secret` when the id is a credential too (the Basic header),
 * and base64 of anything containing the secret (at each byte alignment; the last group, which depends on
 * what follows, left out).
 */
function leak(text: string, secret: string, id?: string): string | undefined {
  const folded = text.toLowerCase();
  const bytes = bytesOf(secret);
  const aligned = [0, 1, 2].map((k) => toBase64(bytes.subarray(k)).slice(0, -4));
  const forms = [secret, encodeURIComponent(secret), ...aligned, ...(id === undefined ? [] : [b64(`${id}:${secret}`)])];
  for (const form of forms.map((f) => f.toLowerCase())) {
    for (let i = 0; i + MIN_PARTIAL_CHARS <= form.length; i++) {
      const part = form.slice(i, i + MIN_PARTIAL_CHARS);
      if (folded.includes(part)) return part;
    }
  }
  return undefined;
}

/** What a provider might echo of (id, secret): every form the gateway sent, whole, cut short or in part. */
function echoes(id: string, secret: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(secret),
    // Any case, character by character (where a case mapping keeps the length, as for every ASCII letter).
    fc.array(fc.boolean(), { minLength: secret.length, maxLength: secret.length }).map((upper) =>
      [...secret].map((c, i) => [upper[i] ? c.toUpperCase() : c.toLowerCase()].find((m) => m.length === c.length) ?? c).join(""),
    ),
    fc.constant(encodeURIComponent(secret)),
    fc.constant(encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())),
    fc.constant(new URLSearchParams({ v: secret }).toString().slice(2)),
    fc.integer({ min: 0, max: 4 }).map((cut) => b64(`${id}:${secret}`).slice(0, b64(`${id}:${secret}`).length - cut)),
    fc.constant(b64(secret)),
    fc.constant(b64(secret).toUpperCase()),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => {
      const start = a % (secret.length - MIN_PARTIAL_CHARS + 1);
      return secret.slice(start, start + MIN_PARTIAL_CHARS + (b % (secret.length - start - MIN_PARTIAL_CHARS + 1)));
    }),
  );
}

/** Answers carrying `form` in every field some module copies into a reading (its code, Twilio's status word). */
function echoingAnswers(form: string): string[] {
  return [
    JSON.stringify({ success: false, error: { code: form, reason: form } }),
    JSON.stringify({ error: form, message: form }),
    JSON.stringify({ code: form, message: form, more_info: form, status: 400 }),
    JSON.stringify({ errors: [{ code: form, title: form, detail: form }] }),
    JSON.stringify({ type: `https://developer.nexmo.com/api-errors#${form}`, title: form, detail: form }),
    JSON.stringify({ sid: "CA1", status: form }),
    JSON.stringify({ status: form, message: form, data: { result: form } }),
    `error: ${form}`,
  ];
}

const secrets = fc.string({ minLength: 12, maxLength: 40 });
const ids = fc.string({ minLength: 1, maxLength: 20 }).filter((id) => id.trim() !== "" && id !== "." && id !== "..");

/** Each module with its credentials made of a secret and, where its schema has one, an account id. */
const MODULES: [ProviderAdapter<never>, (secret: string, id: string) => unknown, boolean][] = [
  [alohaa as ProviderAdapter<never>, (secret) => ({ api_key: secret }), false],
  [tryvox as ProviderAdapter<never>, (secret, id) => ({ auth_id: id, api_key: secret }), true],
  [plivo as ProviderAdapter<never>, (secret, id) => ({ auth_id: id, auth_token: secret }), true],
  [callab as ProviderAdapter<never>, (secret) => ({ api_key: secret }), false],
  [twilio as ProviderAdapter<never>, (secret, id) => ({ account_sid: id, auth_token: secret }), true],
  [telnyx as ProviderAdapter<never>, (secret) => ({ api_key: secret }), false],
  [vonage as ProviderAdapter<never>, (secret, id) => ({ ...VONAGE_FAKE_AUTH, application_id: id, signature_secret: secret }), true],
];

/** An account id, a secret, what the provider echoes of them, and how. */
const cases = fc.tuple(ids, secrets).chain(([id, secret]) =>
  fc.record({
    id: fc.constant(id),
    secret: fc.constant(secret),
    form: echoes(id, secret),
    shape: fc.nat({ max: 7 }),
    status: fc.constantFrom(200, 400, 401, 404, 422, 500),
  }),
);

describe("through every module and the sending code", () => {
  it.each(MODULES.map(([adapter, credentials, idIsCredential]) => [adapter.name, adapter, credentials, idIsCredential] as const))(
    "%s: no reading, attempt detail or code carries a form of a credential the answer echoed",
    async (_, adapter, credentials, idIsCredential) => {
      await fc.assert(
        fc.asyncProperty(cases, async ({ id, secret, form, shape, status }) => {
          const body = echoingAnswers(form)[shape]!;
          const result = await sendHangup(
            adapter,
            { callId: "call-1", operationId: "op-1", credentials: credentials(secret, id) as never, baseUrl: "https://provider.test", scope: TEST_SCOPE },
            { policy: { maxAttempts: 2 }, sleep: async () => {}, fetcher: async () => new Response(body, { status }) },
          );
          const texts = [result.reading.detail, result.reading.code ?? "", ...result.attempts.flatMap((a) => [a.detail, a.code ?? ""])];
          for (const text of texts) expect(leak(text, secret, idIsCredential ? id : undefined), text).toBeUndefined();
        }),
        { numRuns: adapter.name === "vonage" ? 60 : 150 },
      );
    },
  );
});

describe("the scrubber", () => {
  const ID = "AC0123456789abcdef";
  const TOKEN = "tok/en+Secret 42?xyz";
  const scrub = scrubberFor({ account_sid: ID, auth_token: TOKEN });

  it.each([
    ["raw", TOKEN],
    ["upper case", TOKEN.toUpperCase()],
    ["lower case", TOKEN.toLowerCase()],
    ["percent-encoded as a URI component", encodeURIComponent(TOKEN)],
    ["percent-encoded, lower-case hex", encodeURIComponent(TOKEN).toLowerCase()],
    ["percent-encoded as a path segment (what segment() sends)", "tok%2Fen+Secret%2042%3Fxyz"],
    ["form-encoded", "tok%2Fen%2BSecret+42%3Fxyz"],
    ["the Basic header", b64(`${ID}:${TOKEN}`)],
    ["the Basic header cut short", b64(`${ID}:${TOKEN}`).slice(0, -4)],
    ["base64 of the token", b64(TOKEN)],
    ["base64 of the token, URL-safe", b64(TOKEN).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")],
    ["base64 of anything containing the token", b64(`xy${TOKEN}`)],
    ["eight characters of it in a row", TOKEN.slice(5, 13)],
    ["the account id", ID],
  ])("removes the credentials %s", (_, form) => {
    const scrubbed = scrub(`the provider said: <${form}>`);
    expect(scrubbed).toMatch(/^the provider said: <.*\[redacted\].*>$/);
    expect(leak(scrubbed, TOKEN, ID)).toBeUndefined();
  });

  it("leaves ordinary text alone", () => {
    expect(scrub("the provider rejected the credentials (HTTP 401)")).toBe("the provider rejected the credentials (HTTP 401)");
  });

  it("removes the Authorization header's token (a Vonage JWT), which is in no credential", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhcHBsaWNhdGlvbl9pZCI6IngifQ.c2lnbmF0dXJl";
    const withHeader = scrubberFor({ application_id: "x" }, { method: "PUT", url: "https://p.test/v1/calls/c", headers: { authorization: `Bearer ${jwt}` } });
    expect(withHeader(`bad token ${jwt}`)).toBe("bad token [redacted]");
    expect(withHeader(`bad token ${jwt.slice(40)}`)).toBe("bad token [redacted]");
  });

  it("shared (frozen) credentials: each hangup's own token is removed, and no earlier hangup's token is taken for a secret", () => {
    const credentials = Object.freeze({ application_id: "app-0123456789" });
    const jwt = (n: number) => `token-${String(n).repeat(24)}`;
    const request = (n: number) => ({ method: "PUT" as const, url: "https://p.test/v1/calls/c", headers: { authorization: `Bearer ${jwt(n)}` } });
    expect(scrubberFor(credentials, request(1))(`bad token ${jwt(1)}`)).toBe("bad token [redacted]");
    const second = scrubberFor(credentials, request(2));
    expect(second(`bad token ${jwt(2)} for app-0123456789`)).toBe("bad token [redacted] for [redacted]");
    // Only what this hangup sent is a secret here: the first hangup's token is not looked for.
    expect(second(`was ${jwt(1)}`)).toBe(`was ${jwt(1)}`);
  });

  it(`values under 6 characters are not looked for (they would match words); under 12, only whole`, () => {
    const short = scrubberFor({ auth_id: "user", auth_token: "abcdefghij" });
    expect(short("user ABCDEFGHIJ abcdefgh")).toBe("user [redacted] abcdefgh");
  });

  it("for any secret (any characters) and any text around any of its forms, no form remains", () => {
    fc.assert(
      fc.property(
        fc.tuple(ids, fc.string({ minLength: 12, maxLength: 40, unit: "grapheme" })).chain(([id, secret]) =>
          fc.tuple(fc.constant(id), fc.constant(secret), echoes(id, secret), fc.string(), fc.string()),
        ),
        ([id, secret, form, before, after]) => {
          const scrubbed = scrubberFor({ auth_id: id, auth_token: secret })(`${before}${form}${after}`);
          expect(leak(scrubbed, secret, id)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });
});
