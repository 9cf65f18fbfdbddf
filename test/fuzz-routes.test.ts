/**
 * Hostile input on every route, generated: methods, paths and their segments (any text, broken
 * percent-encoding, dot segments, huge), queries, credentials (none, wrong, revoked, the other side's),
 * content types, extra headers, and bodies (random JSON, near-valid documents, raw text and bytes, deep
 * nesting, oversized, streamed). Whatever arrives: never a 5xx, every error a problem+json document, and
 * a rejected request changes nothing, neither in KV nor in any Durable Object.
 *
 * The routes come from the gateway's own OpenAPI document, so a route added tomorrow is fuzzed too.
 * Bodies valid but for one deep or huge field reach what runs after validation (fingerprints, storage);
 * call ids are checked against the contract's charset; and a call's record is driven with many
 * callbacks and signals to check that it stays small and readable.
 */
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_BODY_BYTES, maxBodyBytes } from "../src/http/guards";
import { MAX_CALLBACK_BODY_BYTES } from "../src/callbacks/routes";
import { MAX_JSON_BYTES, MAX_JSON_DEPTH } from "../src/http/json-bounds";
import { PAGE_PATHS } from "../src/http/page-routes";
import { CALL_ID_PATTERN, ID_PATTERN } from "../src/http/schemas";
import { asTenantDirect, fetchGateway } from "./gateway-fetch";
import { BASE, admin, createConnection, createTenant, fakeProviderUrl, servedOpenApiDocument } from "./helpers";

const TENANT = "fuzz";
const PROTECTED_PREFIXES = { "/admin/": "admin", "/v1/": "tenant" } as const;
/** Routes the document leaves out: the pages and their files (src/http/page-routes.ts). */
const PAGES = [...PAGE_PATHS.filter((path) => !path.includes("*")), "/assets/docs.js", "/assets/console.css", "/assets/nothing.js"];
const UNDOCUMENTED_ROUTES = PAGES.map((template) => ({ method: "GET", template }));
const RUNS = { anyRequest: 250, nearValid: 250, ids: 60, sizes: 40, mediaTypes: 60, callIds: 150, growth: 3, pages: 120 };

interface Route {
  method: string;
  template: string;
}

let routes: Route[] = [];
let tenantKey = "";
/**
 * The key of the properties that expect an exact status: a tenant of their own, so that the requests of
 * the broad properties above never bring them to the tenant rate limit (a 429 where a 404 is expected).
 */
let exactKey = "";
let revokedKey = "";

beforeAll(async () => {
  // Thousands of requests: the access log line of each would drown the report of a failure.
  vi.spyOn(console, "log").mockImplementation(() => {});
  ({ key: tenantKey } = await createTenant(TENANT));
  await createConnection(TENANT, "sandbox", "sandbox");
  ({ key: exactKey } = await createTenant("fuzz-exact"));
  await createConnection("fuzz-exact", "sandbox", "sandbox");
  const revoked = await (await admin("POST", `/admin/tenants/${TENANT}/keys`, { name: "revoked" })).json<{ id: string; key: string }>();
  revokedKey = revoked.key;
  expect((await admin("DELETE", `/admin/tenants/${TENANT}/keys/${revoked.id}`)).status).toBe(204);

  const document = await servedOpenApiDocument();
  routes = [
    ...Object.entries(document.paths).flatMap(([template, operations]) =>
      Object.keys(operations).map((method) => ({ method: method.toUpperCase(), template })),
    ),
    ...UNDOCUMENTED_ROUTES,
  ];
  expect(routes.length).toBeGreaterThan(10);
});

// ---------------------------------------------------------------------------------------------------
// What must hold for every answer

/** Everything a request could leave behind: every KV key and every Durable Object. */
async function storedState(): Promise<{ kv: string[]; calls: string[]; health: string[] }> {
  const kv: string[] = [];
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown> = await env.GATEWAY_KV.list(cursor ? { cursor } : {});
    kv.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  const ids = async <T extends Rpc.DurableObjectBranded | undefined>(namespace: DurableObjectNamespace<T>) =>
    (await listDurableObjectIds(namespace)).map((id) => id.toString()).sort();
  return { kv: kv.sort(), calls: await ids(env.CALLS), health: await ids(env.CONNECTION_HEALTH) };
}

/**
 * What a call object holds: its tables and its alarm. Locally, merely addressing an object (as reading an
 * unknown call does) creates its database file; what matters is that nothing was written into it.
 */
async function callObjectContents(id: string): Promise<{ tables: string[]; alarm: number | null }> {
  return runInDurableObject(env.CALLS.get(env.CALLS.idFromString(id)), async (_instance, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((row) => row.name)
      .filter((name) => !name.startsWith("_cf_")),
    alarm: await state.storage.getAlarm(),
  }));
}

async function expectNothingStored(before: Awaited<ReturnType<typeof storedState>>, what: string): Promise<void> {
  const after = await storedState();
  expect(after.kv, `${what} changed KV`).toEqual(before.kv);
  expect(after.health, `${what} reached a connection's circuit breaker`).toEqual(before.health);
  for (const id of after.calls.filter((id) => !before.calls.includes(id))) {
    expect(await callObjectContents(id), `${what} wrote into a call's Durable Object`).toEqual({ tables: [], alarm: null });
  }
}

async function expectProblemDocument(res: Response, method: string): Promise<void> {
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  if (method === "HEAD") return;
  const problem = JSON.parse(await res.clone().text()) as Record<string, unknown>;
  expect(problem).toMatchObject({ status: res.status, type: expect.any(String), title: expect.any(String), detail: expect.any(String), code: expect.any(String) });
}

/** Sends a request and checks what must hold for any request at all; returns the answer for more checks. */
async function sendHostile(path: string, init: RequestInit): Promise<Response> {
  const before = await storedState();
  const res = await fetchGateway(path, init);
  const method = init.method ?? "GET";
  expect(res.status, `${method} ${path}`).toBeLessThan(500);
  // Every answer, errors included, names its request (contract, "Errors").
  expect(res.headers.get("x-request-id"), `${method} ${path}`).toMatch(/^[\x21-\x7e]{1,128}$/);
  if (res.status >= 400) {
    await expectProblemDocument(res, method);
    await expectNothingStored(before, `a rejected ${method} ${path}`);
  } else {
    await res.clone().arrayBuffer();
  }
  return res;
}

// ---------------------------------------------------------------------------------------------------
// Generators

/** Header values: printable ASCII (workerd sends anything above it as UTF-8 bytes, with a warning per value). */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

const validId = fc.stringMatching(ID_PATTERN);

/** A path segment: what a client, a fuzzer or an attacker might put there, already in the URL's text. */
const segment = fc.oneof(
  validId,
  fc.constantFrom(TENANT, "sandbox", "call-1", "hgw_x"),
  fc.string({ unit: "binary", maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: "binary-ascii", maxLength: 20 }),
  fc.constantFrom("", ".", "..", "%", "%zz", "%E0%A4%A", "%00", "%2F", "%2e%2e", "%F0%9F%98%80", "%ff%fe", "a%20b", "UPPER"),
  fc.integer({ min: 257, max: 4_000 }).map((n) => "a".repeat(n)),
);

const query = fc.option(
  fc.oneof(
    segment.map((s) => `?connection=${s}`),
    fc.constantFrom("?connection=sandbox", "?connection=a&connection=b", "?connection", "?=&&==", "?connection=%ZZ"),
    fc.string({ unit: "binary-ascii", maxLength: 30 }).map((s) => `?${s}`),
  ),
  { nil: "" },
);

type Credential = "none" | "admin" | "tenant" | "revoked" | "unknown-key" | "garbage";
const credential = fc.constantFrom<Credential>("none", "admin", "tenant", "revoked", "unknown-key", "garbage");

function authorization(kind: Credential, garbage: string): string | undefined {
  switch (kind) {
    case "none":
      return undefined;
    case "admin":
      return `Bearer ${env.ADMIN_TOKEN}`;
    case "tenant":
      return `Bearer ${tenantKey}`;
    case "revoked":
      return `Bearer ${revokedKey}`;
    case "unknown-key":
      return `Bearer hgw_aaaaaaaaaaaa_${"A".repeat(43)}`;
    case "garbage":
      return garbage;
  }
}

const ROUTE_FIELDS = [
  "connection", "reason", "call_id", "flags", "ended", "started_at", "from", "to", "metadata", "kind", "call", "policy",
  "rules", "mode", "name", "webhook", "provider", "credentials", "base_url", "callbacks", "CallSid", "CallStatus",
];

/** JSON nested `depth` levels: parsers that recurse fall over somewhere here. */
const deepJson = fc.tuple(fc.integer({ min: 1_000, max: 20_000 }), fc.constantFrom("array", "object", "metadata")).map(([depth, shape]) => {
  if (shape === "array") return "[".repeat(depth) + "]".repeat(depth);
  const nested = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  // "metadata": a registration valid in every field but the deep one, so that it gets past `.strict()`.
  return shape === "object" ? nested : `{"call_id":"deep","connection":"sandbox","metadata":${nested}}`;
});

const body: fc.Arbitrary<BodyInit | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.json(),
  fc.dictionary(fc.constantFrom(...ROUTE_FIELDS), fc.oneof(fc.jsonValue(), validId, segment), { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }),
  deepJson,
  fc.integer({ min: MAX_BODY_BYTES - 20, max: MAX_BODY_BYTES + 2_000 }).map((n) => JSON.stringify({ reason: "x".repeat(n) })),
);

const mediaType = fc.option(
  fc.oneof(
    fc.constantFrom(
      "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=utf-16",
      "application/problem+json", "application/merge-patch+json", "application/json ; charset=utf-8", "application/json;",
      "application/jsonx", "text/plain", "text/html", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
      "application/a+b+json", "application/x_y+json", "", "*/*", "json",
    ),
    headerValue,
  ),
  { nil: undefined },
);

const EXTRA_HEADER_NAMES = [
  "idempotency-key", "content-encoding", "accept", "accept-encoding", "x-forwarded-for", "x-forwarded-proto", "origin", "cookie",
  "x-twilio-signature", "x-plivo-signature-v3", "x-plivo-signature-v3-nonce", "expect", "if-none-match", "range",
];
const extraHeaders = fc.dictionary(fc.constantFrom(...EXTRA_HEADER_NAMES), headerValue, { maxKeys: 4 });

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"];

function fill(template: string, segments: string[]): string {
  let i = 0;
  return template.replace(/\{[^}]+\}/g, () => segments[i++ % segments.length] ?? "");
}

/** A body as sent by a client that streams it, so the gateway cannot trust a Content-Length. */
function streamed(payload: BodyInit): ReadableStream<Uint8Array> {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : new Uint8Array(payload as Uint8Array);
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 8_192) controller.enqueue(bytes.slice(offset, offset + 8_192));
      controller.close();
    },
  });
}

function requestInit(method: string, headers: Record<string, string | undefined>, payload: BodyInit | undefined, stream: boolean): RequestInit {
  const defined = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
  const withBody = payload !== undefined && method !== "GET" && method !== "HEAD";
  return { method, headers: defined, ...(withBody ? { body: stream ? streamed(payload) : payload } : {}) };
}

// ---------------------------------------------------------------------------------------------------

describe("any request to any route", () => {
  it("is never a 5xx, every error is problem+json, a rejected request stores nothing, and protected routes want their own credential", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          route: fc.constantFrom(...routes),
          methodChoice: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 }),
          segments: fc.array(segment, { minLength: 1, maxLength: 3 }),
          query,
          credential,
          garbage: headerValue,
          contentType: mediaType,
          headers: extraHeaders,
          payload: body,
          stream: fc.boolean(),
        }),
        async (r) => {
          const method = r.methodChoice ?? r.route.method;
          const path = fill(r.route.template, r.segments) + r.query;
          const init = requestInit(method, { ...r.headers, authorization: authorization(r.credential, r.garbage), "content-type": r.contentType }, r.payload, r.stream);
          const res = await sendHostile(path, init);

          const pathname = new URL(BASE + path).pathname;
          const prefix = Object.keys(PROTECTED_PREFIXES).find((p) => pathname.startsWith(p)) as keyof typeof PROTECTED_PREFIXES | undefined;
          if (prefix && PROTECTED_PREFIXES[prefix] !== r.credential) {
            // Without its own credential a protected route answers only what the guards in front of it say.
            expect([401, 413, 415], `${method} ${path} as ${r.credential}`).toContain(res.status);
          }
          if (res.headers.get("content-type")?.startsWith("text/html")) expect(["/docs", "/console"]).toContain(pathname);
        },
      ),
      { numRuns: RUNS.anyRequest },
    );
  });
});

describe("the pages and their files", () => {
  it("GET and HEAD are the page (or a redirect to it, or the API's 404 problem); any other method is a 405 problem with Allow", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PAGES),
        fc.constantFrom(...METHODS),
        query,
        credential,
        mediaType,
        extraHeaders,
        body,
        async (page, method, q, who, contentType, headers, payload) => {
          const init = requestInit(method, { ...headers, authorization: authorization(who, ""), "content-type": contentType }, payload, false);
          const res = await sendHostile(page + q, { ...init, redirect: "manual" });
          if (method !== "GET" && method !== "HEAD") {
            expect(res.status, `${method} ${page}`).toBe(405);
            expect(res.headers.get("allow")).toBe("GET, HEAD");
          } else if (page.endsWith("nothing.js")) {
            expect(res.status).toBe(404);
          } else {
            expect([200, 304, 307], `${method} ${page}`).toContain(res.status);
          }
        },
      ),
      { numRuns: RUNS.pages },
    );
  });
});

/**
 * A valid body for each route, the starting point of near-valid ones. A route missing here starts from
 * `{}`. Bodies name the tenant "fuzz-other" wherever they could change how "fuzz" hangs up (its
 * connection, its webhook), so that the fuzzing stays fast and local.
 */
const VALID_BODIES: Record<string, unknown> = {
  "/admin/tenants/{tenant}": { name: "Fuzzed", webhook: { url: "https://hooks.example/hangup" } },
  "/admin/tenants/{tenant}/keys": { name: "fuzzed" },
  "/admin/tenants/{tenant}/connections/{connection}": { provider: "sandbox", credentials: {}, callbacks: "unsigned-ok" },
  "/admin/policies": { rules: [{ id: "cap", kind: "max_duration", max_seconds: 3600 }, { id: "fraud", kind: "fraud_flags", flags: ["irsf"] }], mode: "shadow" },
  "/v1/calls/{call_id}/hangup": { connection: "sandbox", reason: "fuzz" },
  "/v1/calls": { call_id: "fuzz-call", connection: "sandbox", started_at: "2026-01-01T00:00:00Z", from: "+14155550100", to: "+442071838750", flags: ["x"], metadata: { a: 1 } },
  "/v1/calls/{call_id}/signals": { connection: "sandbox", flags: ["irsf"], ended: false },
  "/v1/policies/evaluate": { kind: "call", connection: "sandbox", call: { call_id: "c", flags: ["irsf"] }, policy: { rules: [{ id: "r", kind: "protect", to_prefixes: ["+1911"] }] } },
  "/callbacks/{tenant}/{connection}": { data: { event_type: "call.hangup", payload: { call_control_id: "fuzz-call" } }, call_uuid: "fuzz-call", status: "completed" },
};

type JsonPath = (string | number)[];
const REMOVE = Symbol("remove");
/** Stands in for a JSON fragment in a document until the document is text. */
const FRAGMENT_MARK = "\u0001fragment\u0001";

function pathsOf(value: unknown, at: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== "object") return [at];
  const children = Object.entries(value).flatMap(([key, child]) => pathsOf(child, [...at, Array.isArray(value) ? Number(key) : key]));
  return [at, ...children];
}

function replaceAt(value: unknown, path: JsonPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement === REMOVE ? {} : replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === REMOVE) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

/** JSON text that has broken parsers and validators before: empty, huge, control characters, lone surrogates, odd numbers, deep. */
const nastyFragment = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('""', '"\\u0000"', '"\\ud800"', '"\\u202e"', `"${"x".repeat(20_000)}"`, "-0", "1e308", "1e999", "-1", "0.5", '"2026-02-30T25:61:00Z"', '"+00"', '"<script>"', "true", "null", "[]", "{}"),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
);

/** A valid body as JSON text, changed in one place: a value replaced or removed, or an odd field added. */
function nearValid(valid: unknown): fc.Arbitrary<string> {
  const text = JSON.stringify(valid);
  const withFragment = (document: unknown, fragment: string) => JSON.stringify(document).replace(JSON.stringify(FRAGMENT_MARK), fragment);
  return fc.oneof(
    fc.constant(text),
    fc.constantFrom(...pathsOf(valid)).map((path) => JSON.stringify(replaceAt(valid, path, REMOVE))),
    fc.tuple(fc.constantFrom(...pathsOf(valid)), nastyFragment).map(([path, fragment]) => withFragment(replaceAt(valid, path, FRAGMENT_MARK), fragment)),
    fc.tuple(fc.constantFrom("__proto__", "constructor", "prototype", "extra", ""), nastyFragment).map(([key, fragment]) =>
      text.startsWith("{") ? `{${JSON.stringify(key)}:${fragment}${text === "{}" ? "}" : `,${text.slice(1)}`}` : text,
    ),
  );
}

const callbackForm = fc
  .dictionary(fc.constantFrom("CallSid", "CallStatus", "CallUUID", "Event", "call_uuid", "status", "HangupCause"), headerValue, { maxKeys: 5 })
  .map((fields) => new URLSearchParams(fields).toString());

describe("well-credentialed requests with near-valid bodies", () => {
  it("are answered, never with a 5xx; a rejection is problem+json and stores nothing", async () => {
    await createTenant("fuzz-other");
    await createConnection(TENANT, "telnyx-cb", "telnyx", { api_key: "k" }, { callbacks: "unsigned-ok" });
    await createConnection(TENANT, "tryvox-cb", "tryvox", { auth_id: "a", api_key: "k" }, { callbacks: "unsigned-ok" });
    const params = {
      tenant: fc.constantFrom("fuzz-other", "nobody"),
      connection: fc.constantFrom("sandbox", "telnyx-cb", "tryvox-cb", "nope"),
      call_id: fc.oneof(fc.constantFrom("fuzz-call", "ended-1"), fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 40 })),
      id: validId,
      version: fc.string({ unit: "binary-ascii", maxLength: 40 }),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes).chain((route) =>
          fc.record({
            route: fc.constant(route),
            values: fc.record(params),
            json: nearValid(VALID_BODIES[route.template] ?? {}),
            form: fc.option(callbackForm, { nil: undefined }),
            headers: extraHeaders,
            query: fc.constantFrom("?connection=sandbox", "?connection=nope", ""),
          }),
        ),
        async ({ route, values, json, form, headers, query }) => {
          const path = route.template.replace(/\{([^}]+)\}/g, (_m, name: keyof typeof params) =>
            name === "tenant" && route.template.startsWith("/callbacks/") ? TENANT : encodeURIComponent(values[name] ?? ""),
          );
          const isCallback = route.template.startsWith("/callbacks/");
          const asForm = isCallback && form !== undefined;
          const init = requestInit(
            route.method,
            {
              ...headers,
              authorization: isCallback ? undefined : credentialFor(route.template, tenantKey),
              "content-type": asForm ? "application/x-www-form-urlencoded" : "application/json",
            },
            asForm ? form : json,
            false,
          );
          const res = await sendHostile(path + (route.method === "GET" ? query : ""), init);
          if (res.status < 300 && res.status !== 204 && !PAGES.includes(route.template)) {
            expect(res.headers.get("content-type")).toMatch(/^application\/json/);
          }
        },
      ),
      { numRuns: RUNS.nearValid },
    );
  });
});

describe("ids by the contract's pattern", () => {
  const anyId = fc.oneof(validId, fc.string({ unit: "binary", minLength: 1, maxLength: 70 }), fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 70 }));
  const adminHeaders = () => ({ authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" });

  it("a tenant or connection is created exactly when its id matches ^[a-z0-9][a-z0-9_-]{0,62}$", async () => {
    await fc.assert(
      fc.asyncProperty(anyId, fc.boolean(), async (id, asConnection) => {
        const path = asConnection ? `/admin/tenants/${TENANT}/connections/${encodeURIComponent(id)}` : `/admin/tenants/${encodeURIComponent(id)}`;
        const payload = asConnection ? { provider: "sandbox", credentials: {} } : { name: "fuzzed" };
        const res = await sendHostile(path, { method: "PUT", headers: adminHeaders(), body: JSON.stringify(payload) });
        expect(res.status < 300, `${JSON.stringify(id)} → ${res.status}`).toBe(ID_PATTERN.test(id));
      }),
      { numRuns: RUNS.ids },
    );
  });

  it("an unknown key or call is 404 (a callback URL 401) when its ids are well-formed and 422 (or an unrouted 404) when not", async () => {
    await fc.assert(
      fc.asyncProperty(anyId, fc.constantFrom("key", "callback", "call"), async (id, where) => {
        const encoded = encodeURIComponent(id);
        const res =
          where === "key"
            ? await sendHostile(`/admin/tenants/${TENANT}/keys/${encoded}`, { method: "DELETE", headers: adminHeaders() })
            : where === "callback"
              ? await sendHostile(`/callbacks/${encoded}/sandbox`, { method: "POST", body: "CallStatus=completed", headers: { "content-type": "application/x-www-form-urlencoded" } })
              : await sendHostile(`/v1/calls/call-1?connection=${encoded}`, { headers: { authorization: `Bearer ${exactKey}` } });
        // An unknown callback URL is refused like a bad signature (401), so it reveals nothing (CONTRACT.md).
        const unknown = where === "callback" ? 401 : 404;
        // "." and ".." in a path are dot segments the URL parser removes (an unrouted 404); in the query they stay ids.
        const dotSegment = where !== "call" && (id === "." || id === "..");
        expect(res.status).toBe(ID_PATTERN.test(id) ? unknown : dotSegment ? 404 : 422);
      }),
      { numRuns: RUNS.ids },
    );
  });
});

describe("bodies valid but for one deep or huge field", () => {
  /** Free-form fields: depth and size bounded (src/http/json-bounds.ts), so 422 naming the field. */
  const FREE_FORM = new Set(["metadata", "credentials"]);
  const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  const deepObject = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  const wideObject = (keys: number) => JSON.stringify(Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i])));
  const FRAGMENTS = [
    { name: "deep array", text: deepArray(8_000) },
    { name: "deep object", text: deepObject(5_000) },
    { name: "just too deep object", text: deepObject(MAX_JSON_DEPTH + 1) },
    { name: "wide object", text: wideObject(1_500) }, // over 8 KiB, under the callbacks' 32 KiB body limit
    { name: "long string", text: JSON.stringify("x".repeat(MAX_JSON_BYTES * 2)) },
  ];

  it("reach what runs after validation, are never a 5xx, and a free-form field past its bounds is 422 naming it", async () => {
    const { key } = await createTenant("fuzz-deep");
    await createConnection("fuzz-deep", "sandbox", "sandbox");
    await createConnection("fuzz-deep", "tryvox-cb", "tryvox", { auth_id: "a", api_key: "k" }, { callbacks: "unsigned-ok", base_url: fakeProviderUrl() });
    await admin("PUT", "/admin/tenants/fuzz-other", { name: "other" });
    const concrete = (template: string) =>
      template
        .replace("/callbacks/{tenant}/{connection}", "/callbacks/fuzz-deep/tryvox-cb")
        .replace("{tenant}", "fuzz-other")
        .replace("{connection}", "deep")
        .replace("{call_id}", "deep-call")
        .replace("{id}", "nokey");
    let freeFormReached = 0;
    for (const route of routes.filter((r) => VALID_BODIES[r.template] !== undefined && (r.method === "POST" || r.method === "PUT"))) {
      const valid = VALID_BODIES[route.template];
      for (const path of pathsOf(valid).filter((p) => p.length > 0)) {
        for (const fragment of FRAGMENTS) {
          const text = JSON.stringify(replaceAt(valid, path, FRAGMENT_MARK)).replace(JSON.stringify(FRAGMENT_MARK), fragment.text);
          const authorization = route.template.startsWith("/callbacks/") ? undefined : credentialFor(route.template, key);
          const res = await sendHostile(concrete(route.template), requestInit(route.method, { authorization, "content-type": "application/json" }, text, false));
          const where = `${route.method} ${route.template} with a ${fragment.name} at ${path.join(".")}`;
          expect(res.status, where).not.toBe(413);
          if (FREE_FORM.has(String(path[0]))) {
            expect(res.status, where).toBe(422);
            const problem = await res.json<{ errors: { path: string }[] }>();
            expect(problem.errors.map((e) => e.path.split(".")[0]), where).toContain(path[0]);
            freeFormReached++;
          }
        }
      }
    }
    // metadata, metadata.a and credentials, each with every fragment.
    expect(freeFormReached).toBe(3 * FRAGMENTS.length);
  });
});

describe("call ids by the contract's charset", () => {
  const callId = fc.oneof(
    fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 40 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 20 }),
    // The contract's characters (fast-check cannot generate from the pattern's lookahead; "." and ".." come from here too).
    fc.stringMatching(/^[!"$&'()*+,\-.0-9:;<=>@A-Z[\]^_`a-z{|}~]{1,256}$/, { size: "small" }),
    fc.tuple(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.constantFrom("/", "\\", "?", "#", "%", " ", "\t", "%2F", "..", "\u007f")).map(([id, bad]) => `${id}${bad}${id}`),
    fc.constantFrom(".", "..", "...", "x".repeat(256), "x".repeat(257), "v3:abc", "x%2F..%2F"),
  );
  const ROUTES = ["hangup", "get", "signals", "register", "evaluate"] as const;

  it("an id is refused (422) exactly when the contract forbids it, on every route that takes one; a refusal stores nothing", async () => {
    const { key } = await createTenant("fuzz-ids");
    await createConnection("fuzz-ids", "sandbox", "sandbox");
    const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    await fc.assert(
      fc.asyncProperty(callId, fc.constantFrom(...ROUTES), async (id, where) => {
        const encoded = encodeURIComponent(id);
        const post = (path: string, body: unknown) => sendHostile(path, { method: "POST", headers: auth, body: JSON.stringify(body) });
        const res =
          where === "hangup" ? await post(`/v1/calls/${encoded}/hangup`, { connection: "sandbox" })
          : where === "get" ? await sendHostile(`/v1/calls/${encoded}?connection=sandbox`, { headers: auth })
          : where === "signals" ? await post(`/v1/calls/${encoded}/signals`, { connection: "sandbox", ended: true })
          : where === "register" ? await post("/v1/calls", { call_id: id, connection: "sandbox" })
          : await post("/v1/policies/evaluate", { kind: "call", connection: "sandbox", call: { call_id: id } });
        const inPath = where === "hangup" || where === "get" || where === "signals";
        if (CALL_ID_PATTERN.test(id)) expect(res.status, `${where} ${JSON.stringify(id)}`).not.toBe(422);
        else expect(res.status, `${where} ${JSON.stringify(id)}`).toBe(inPath && (id === "." || id === "..") ? 404 : 422);
      }),
      { numRuns: RUNS.callIds },
    );
  });
});

describe("a call's record under many callbacks and signals", () => {
  /**
   * What "small" means: a record holds at most 8 KiB of metadata and 100 flags of 64 characters; events
   * are kept per type up to a bound, callback texts are cut. However many callbacks arrive, it stays
   * within this (and far within what GET can serve).
   */
  const MAX_RECORD_BYTES = 64 * 1024;

  it("stays small and readable (GET 200) after any number of callbacks and signals", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          callbacks: fc.integer({ min: 100, max: 300 }),
          textBytes: fc.integer({ min: 1, max: MAX_CALLBACK_BODY_BYTES - 200 }),
          signals: fc.integer({ min: 0, max: 90 }),
        }),
        async ({ callbacks, textBytes, signals }) => {
          // A tenant per run, so that shrinking a failure never runs into the tenant rate limit.
          const tenant = `fuzz-growth-${run++}`;
          const { key } = await createTenant(tenant);
          await createConnection(tenant, "tryvox", "tryvox", { auth_id: "a", api_key: "k" }, { callbacks: "unsigned-ok", base_url: fakeProviderUrl() });
          const id = `growth-${crypto.randomUUID()}`;
          expect((await asTenantDirect(key, "POST", "/v1/calls", { call_id: id, connection: "tryvox", metadata: { note: "n".repeat(1_000) } })).status).toBe(201);
          const callback = (i: number) =>
            fetchGateway(`/callbacks/${tenant}/tryvox`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ call_uuid: id, status: `ringing-${i}-${"x".repeat(textBytes)}`.slice(0, textBytes + 12) }),
            });
          for (let sent = 0; sent < callbacks; sent += 20) {
            const answers = await Promise.all(Array.from({ length: Math.min(20, callbacks - sent) }, (_, i) => callback(sent + i)));
            for (const answer of answers) expect(answer.status).toBeLessThan(500);
          }
          for (let i = 0; i < signals; i++) {
            const answer = await asTenantDirect(key, "POST", `/v1/calls/${id}/signals`, { connection: "tryvox", flags: [`growth-flag-${i}`] });
            expect(answer.status).toBeLessThan(500);
          }
          const read = await asTenantDirect(key, "GET", `/v1/calls/${id}?connection=tryvox`);
          expect(read.status).toBe(200);
          const bytes = (await read.arrayBuffer()).byteLength;
          expect(bytes, `record after ${callbacks} callbacks of ${textBytes} bytes and ${signals} signals`).toBeLessThanOrEqual(MAX_RECORD_BYTES);
        },
      ),
      { numRuns: RUNS.growth },
    );
  }, 180_000);
});

/** Every documented route that takes a body, but the callbacks, which read the provider's own formats. */
function jsonBodyRoutes(): Route[] {
  return routes.filter((r) => (r.method === "POST" || r.method === "PUT") && !r.template.startsWith("/callbacks/"));
}

function credentialFor(template: string, key: string): string {
  return template.startsWith("/admin/") ? `Bearer ${env.ADMIN_TOKEN}` : `Bearer ${key}`;
}

describe("body size and media type", () => {
  it("a body over the route's limit is 413, sized or streamed; one within the limit never is", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...jsonBodyRoutes()),
        fc.integer({ min: -64, max: 64 }),
        fc.boolean(),
        async (route, overBy, stream) => {
          const limit = maxBodyBytes(fill(route.template, ["sandbox"]));
          const size = limit + overBy;
          const padding = "x".repeat(size - '{"reason":""}'.length);
          const payload = `{"reason":"${padding}"}`;
          const init = requestInit(route.method, { authorization: credentialFor(route.template, exactKey), "content-type": "application/json" }, payload, stream);
          const res = await sendHostile(fill(route.template, ["sandbox"]), init);
          if (size > limit) expect(res.status).toBe(413);
          else expect(res.status).not.toBe(413);
        },
      ),
      { numRuns: RUNS.sizes },
    );
  });

  const token = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,15}$/);
  const notJson = fc.tuple(token, token, fc.constantFrom("", "; charset=utf-8", "; boundary=x")).filter(([, subtype]) => !/(^|\+)json$/.test(subtype));

  it("a body sent as anything but JSON is 415 before anything reads it, whoever sends it; JSON that does not parse is 400", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...jsonBodyRoutes()), notJson, fc.constantFrom("{}", '{"connection":"sandbox"}', "connection=sandbox"), credential, async (route, [type, subtype, params], payload, who) => {
        const init = requestInit(route.method, { authorization: authorization(who, ""), "content-type": `${type}/${subtype}${params}` }, payload, false);
        expect((await sendHostile(fill(route.template, ["sandbox"]), init)).status).toBe(415);
      }),
      { numRuns: RUNS.mediaTypes },
    );
    for (const route of jsonBodyRoutes()) {
      const init = requestInit(route.method, { authorization: credentialFor(route.template, exactKey), "content-type": "application/json" }, "{not json", false);
      expect((await sendHostile(fill(route.template, ["sandbox"]), init)).status).toBe(400);
    }
  });

  it("a compressed body is 415 saying so, not misread as malformed JSON; identity is no encoding", async () => {
    const json = '{"connection":"sandbox","reason":"compressed"}';
    const gzipped = await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    for (const route of jsonBodyRoutes()) {
      const path = fill(route.template, ["sandbox"]);
      for (const encoding of ["gzip", "br", "deflate, gzip", "GZIP"]) {
        const init = requestInit(route.method, { authorization: credentialFor(route.template, exactKey), "content-type": "application/json", "content-encoding": encoding }, gzipped, false);
        const res = await sendHostile(path, init);
        expect(res.status, `${route.method} ${path} with ${encoding}`).toBe(415);
      }
      const plain = requestInit(route.method, { authorization: credentialFor(route.template, exactKey), "content-type": "application/json", "content-encoding": "identity" }, json, false);
      expect((await sendHostile(path, plain)).status).not.toBe(415);
    }
  });
});
