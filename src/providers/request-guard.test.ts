/**
 * No hangup request leaves unless it names its call: a `base_url` ending in `?` or `#` (or carrying a query,
 * a fragment, dot segments, backslashes, encoded delimiters) must never turn Plivo's
 * `DELETE …/Call/{uuid}/` into `DELETE …/Call/`, the request that hangs up every call on the account.
 * Either the connection schema refuses such a base URL, or the last guard before sending does
 * (`Unsendable`, nothing sent); a base URL the schema accepts always yields a request that names the call.
 * The expected path endings are written here, apart from the modules' own `address`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BaseUrl } from "../admin/connections";
import { Unsendable } from "../errors";
import { segment } from "./http";
import { PROVIDER_NAMES, getProvider, type ProviderName } from "./registry";
import { sendHangup } from "./send-hangup";
import { assertSendable } from "./request-guard";
import { TEST_SCOPE } from "./testing/kit";
import type { OutboundRequest } from "./types";
import { VONAGE_FAKE_AUTH } from "./vonage/fake";

const CREDENTIALS: Record<ProviderName, unknown> = {
  alohaa: { api_key: "k" },
  tryvox: { auth_id: "acct", api_key: "k" },
  plivo: { auth_id: "MA1", auth_token: "t" },
  callab: { api_key: "k" },
  twilio: { account_sid: "AC1", auth_token: "t" },
  telnyx: { api_key: "k" },
  vonage: VONAGE_FAKE_AUTH,
  sandbox: {},
};

/** How each provider's documented request ends, given the encoded call id; Alohaa and Callab name it in the body. */
const EXPECTED_PATH_END: Record<ProviderName, (id: string) => string> = {
  alohaa: () => "/v1/external/call/hangup",
  tryvox: (id) => `/calls/${id}`,
  plivo: (id) => `/Call/${id}/`,
  callab: () => "/calls/end",
  twilio: (id) => `/Calls/${id}.json`,
  telnyx: (id) => `/v2/calls/${id}/actions/hangup`,
  vonage: (id) => `/v1/calls/${id}`,
  sandbox: (id) => `/calls/${id}`,
};
const NAMED_IN_BODY = new Set<ProviderName>(["alohaa", "callab"]);

const callIds = fc
  .oneof(fc.string({ minLength: 1, maxLength: 24 }), fc.stringMatching(/^[a-z0-9.:@%?#/\\ ;=-]{1,16}$/))
  .filter((id) => id.trim() !== "" && id !== "." && id !== "..");

const HOSTILE = ["?", "#", "?x=1", "#frag", "%3F", "%23", "\\", "/..", "/.", "%2e%2e", "//", " ", "\t", "\n", "@", "%", ";", "/", "?/", "#/"];
const hostileBases = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("http://", "https://", "HTTP://", "http:\\\\"),
      fc.constantFrom("h.test", "127.0.0.1:9000", "[::1]", "u:p@h.test", "@h.test", "h.test:8080"),
      fc.array(fc.oneof(fc.constantFrom("/eu", "/v1", "/a/b", "/x%3Fy"), fc.constantFrom(...HOSTILE)), { maxLength: 5 }),
    )
    .map(([scheme, host, path]) => scheme + host + path.join("")),
  fc.tuple(fc.webUrl({ validSchemes: ["http", "https"], withQueryParameters: true, withFragments: true }), fc.constantFrom("", ...HOSTILE)).map(([url, tail]) => url + tail),
);

/** Sends one hangup through the real sending code to a recording fetcher; what was sent, or the refusal. */
async function attempt(name: ProviderName, baseUrl: string, callId: string): Promise<{ sent: Request[]; refused?: unknown }> {
  const sent: Request[] = [];
  // The sandbox answers itself; without its simulation, its request goes to the recording fetcher like the others'.
  const adapter = { ...getProvider(name)!, simulate: undefined };
  try {
    await sendHangup(
      adapter,
      { callId, operationId: "op-1", credentials: CREDENTIALS[name], baseUrl, scope: TEST_SCOPE },
      { policy: { maxAttempts: 1 }, sleep: async () => {}, fetcher: async (request) => (sent.push(request), new Response(null, { status: 204 })) },
    );
    return { sent };
  } catch (refused) {
    return { sent, refused };
  }
}

/** The request names exactly this call: no query or fragment, the documented ending, the id in the body where it goes there. */
async function expectNamesCall(name: ProviderName, request: Request, callId: string): Promise<void> {
  const url = new URL(request.url);
  expect(request.url).not.toMatch(/[?#]/);
  expect(url.pathname.endsWith(EXPECTED_PATH_END[name](segment(callId))), `${request.url} for ${JSON.stringify(callId)}`).toBe(true);
  if (NAMED_IN_BODY.has(name)) expect(JSON.parse(await request.text()).call_id).toBe(callId);
}

describe("a base_url cannot make a hangup lose its call", () => {
  it.each(PROVIDER_NAMES)("%s: a base URL the schema accepts always sends a request naming the call; any other is refused or still names it", async (name) => {
    await fc.assert(
      fc.asyncProperty(hostileBases, callIds, async (text, callId) => {
        // What a connection stores is the schema's output (zod trims the URL), or, for a refused one, the text itself
        // (as if stored before the schema refused it).
        const parsed = BaseUrl.safeParse(text);
        const accepted = parsed.success;
        const { sent, refused } = await attempt(name, parsed.success ? parsed.data : text, callId);
        if (accepted) expect(refused).toBeUndefined();
        if (refused !== undefined) {
          expect(sent).toEqual([]);
          return;
        }
        expect(sent).toHaveLength(1);
        await expectNamesCall(name, sent[0]!, callId);
      }),
      {
        numRuns: name === "vonage" ? 60 : 200,
        examples: [["http://h.test/x?", "c1"], ["http://h.test/x#", "c1"], ["http://h.test/eu/..", "c1"], ["http://h.test/%3F", "c/1?"]],
      },
    );
  });

  it("Plivo with a base URL ending in a bare ? or # sends nothing (it would be DELETE …/Call/)", async () => {
    for (const baseUrl of ["http://h.test/eu?", "http://h.test/eu#", "http://h.test?", "http://h.test/#/"]) {
      const { sent, refused } = await attempt("plivo", baseUrl, "a-live-call");
      expect(refused).toBeInstanceOf(Unsendable);
      expect(sent).toEqual([]);
    }
  });
});

describe("the connection schema's base_url", () => {
  it.each([
    "http://h.test/x?",
    "http://h.test/x#",
    "http://h.test?",
    "http://h.test/x?a=1",
    "http://h.test/x#frag",
    "http://u:p@h.test/x",
    "http://@h.test/x",
    "http://h.test\\x",
    "http://h.test/x\\",
    "http://h.test/x y",
    "ftp://h.test/x",
  ])("refuses %j", (baseUrl) => {
    expect(BaseUrl.safeParse(baseUrl).success).toBe(false);
  });

  it("stores what URL parsing reads: surrounding spaces, tabs and line breaks removed", () => {
    expect(BaseUrl.parse(" http://h.test/e\tu\n ")).toBe("http://h.test/eu");
  });

  it.each(["https://api.plivo.com", "http://127.0.0.1:9000/eu", "http://h.test/eu/", "http://h.test/%3F", "http://h.test/a/..", "http://[::1]:8080/p@x"])("accepts %j", (baseUrl) => {
    expect(BaseUrl.safeParse(baseUrl).success).toBe(true);
  });
});

describe("the guard itself", () => {
  const plivoAddress = getProvider("plivo")!.address;
  const alohaaAddress = getProvider("alohaa")!.address;
  const request = (url: string, body?: string): OutboundRequest => ({ method: "POST", url, headers: {}, ...(body !== undefined ? { body } : {}) });

  it("passes a request whose path ends with the encoded call id", () => {
    expect(() => assertSendable(request("https://api.plivo.com/v1/Account/MA1/Call/c%2F1/"), plivoAddress, "c/1")).not.toThrow();
  });

  it.each([
    ["the collection (no call id)", "https://api.plivo.com/v1/Account/MA1/Call/"],
    ["the path turned into a query", "https://api.plivo.com/eu?/v1/Account/MA1/Call/c1/"],
    ["the path turned into a fragment", "https://api.plivo.com/eu#/v1/Account/MA1/Call/c1/"],
    ["an empty query after the call", "https://api.plivo.com/v1/Account/MA1/Call/c1/?"],
    ["another call", "https://api.plivo.com/v1/Account/MA1/Call/c2/"],
    ["the call id left unencoded", "https://api.plivo.com/v1/Account/MA1/Call/c/1/"],
    ["dot segments eating the call", "https://api.plivo.com/v1/Account/MA1/Call/c1/../"],
    ["another scheme", "ftp://api.plivo.com/v1/Account/MA1/Call/c1/"],
    ["no URL at all", "not a url"],
  ])("refuses %s", (_, url) => {
    const callId = url.includes("c%2F1") || url.includes("c/1") ? "c/1" : "c1";
    expect(() => assertSendable(request(url), plivoAddress, callId)).toThrow(Unsendable);
  });

  it("refuses a body that names another call, or none, where the body names it", () => {
    const url = "https://incoming-call.alohaa.ai/v1/external/call/hangup";
    expect(() => assertSendable(request(url, JSON.stringify({ call_id: "c1" })), alohaaAddress, "c1")).not.toThrow();
    for (const body of [JSON.stringify({ call_id: "c2" }), JSON.stringify({ call_id: "" }), JSON.stringify({}), "[]", "", JSON.stringify({ call_id: ["c1"] })]) {
      expect(() => assertSendable(request(url, body), alohaaAddress, "c1")).toThrow(Unsendable);
    }
    expect(() => assertSendable(request(`${url}?`, JSON.stringify({ call_id: "c1" })), alohaaAddress, "c1")).toThrow(Unsendable);
  });
});
