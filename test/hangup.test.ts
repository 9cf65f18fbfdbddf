/**
 * The spine: a tenant hangs up a call through its connection, the call's Durable Object makes it
 * happen once, and everyone asking gets the same stored outcome.
 */
import { abortAllDurableObjects } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import {
  admin,
  allProviderRequests,
  createConnection,
  createTenant,
  expectProblem,
  fakeProviderUrl,
  getCall,
  hangup,
  providerRequests,
  scriptProvider,
  uniqueCallId,
} from "./helpers";

let acme: { key: string; keyId: string };
let globex: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  globex = await createTenant("globex");
  await createConnection("acme", "sandbox", "sandbox");
  await createConnection("acme", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: `${fakeProviderUrl()}/plivo-prefix` });
  await createConnection("globex", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
});

interface Outcome {
  status: string;
  call_id: string;
  tenant: string;
  connection: string;
  provider: string;
  reason: string | null;
  attempts: number;
  provider_response: { http_status: number | null; code?: string; detail: string };
  requested_at: string;
  completed_at: string;
  decision: unknown;
}

describe("sandbox outcomes", () => {
  it.each([
    ["live-", "terminated"],
    ["ended-", "already_ended"],
    ["unknown-", "not_found"],
    ["badauth-", "failed"],
    ["flaky-", "terminated"],
  ])("a %s call is %s", async (prefix, status) => {
    const callId = uniqueCallId(prefix.slice(0, -1));
    const res = await hangup(acme.key, callId, { connection: "sandbox", reason: "test" });
    expect(res.status).toBe(200);
    const outcome = await res.json<Outcome>();
    expect(outcome).toMatchObject({ status, call_id: callId, tenant: "acme", connection: "sandbox", provider: "sandbox", reason: "test" });
    expect(res.headers.get("idempotent-replayed")).toBeNull();
  });

  it("retries a transient failure and records both attempts", async () => {
    const callId = uniqueCallId("flaky");
    const outcome = await (await hangup(acme.key, callId, { connection: "sandbox" })).json<Outcome>();
    expect(outcome.status).toBe("terminated");
    expect(outcome.attempts).toBe(2);
    const record = await (await getCall(acme.key, callId, "sandbox")).json<{ attempts: { http_status: number }[] }>();
    expect(record.attempts.map((a) => a.http_status)).toEqual([503, 204]);
  });

  it("does not retry rejected credentials", async () => {
    const outcome = await (await hangup(acme.key, uniqueCallId("badauth"), { connection: "sandbox" })).json<Outcome>();
    expect(outcome).toMatchObject({ status: "failed", attempts: 1, provider_response: { http_status: 401 } });
  });
});

describe("exactly once", () => {
  it("200 concurrent hangups of one call reach the provider once and all agree", async () => {
    const callId = uniqueCallId();
    // A slow provider makes the requests pile up while the first one is in flight.
    await scriptProvider(callId, [{ status: 204, delay_ms: 300 }]);
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => hangup(acme.key, callId, { connection: "plivo", reason: "fraud" })),
    );
    const bodies = await Promise.all(answers.map((r) => r.json<Outcome>()));

    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(await providerRequests(callId)).toHaveLength(1);
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]!.status).toBe("terminated");
    const fresh = answers.filter((r) => r.headers.get("idempotent-replayed") !== "true");
    expect(fresh).toHaveLength(1);
  });

  it("a later request is answered from the stored outcome with Idempotent-Replayed", async () => {
    const callId = uniqueCallId();
    const first = await hangup(acme.key, callId, { connection: "plivo" });
    const firstBody = await first.json<Outcome>();
    const again = await hangup(acme.key, callId, { connection: "plivo", reason: "a different reason" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstBody);
    expect(await providerRequests(callId)).toHaveLength(1);
  });

  it("sends Plivo's documented request: DELETE with Basic auth, the base_url prefix kept, trailing slash", async () => {
    const callId = uniqueCallId("plivo:odd@id+x=1&y");
    const outcome = await (await hangup(acme.key, callId, { connection: "plivo" })).json<Outcome>();
    expect(outcome.status).toBe("terminated");
    const [request] = await providerRequests(callId);
    expect(request).toMatchObject({
      method: "DELETE",
      // `/`, `#` and `?` encoded; `=` is a path character, sent as it is (as Plivo's SDK sends ids).
      path: `/plivo-prefix/v1/Account/${PLIVO_FAKE_AUTH.auth_id}/Call/${callId.replace("/", "%2F").replace("#", "%23").replace("?", "%3F")}/`,
    });
    expect(request!.headers.authorization).toBe(`Basic ${btoa(`${PLIVO_FAKE_AUTH.auth_id}:${PLIVO_FAKE_AUTH.auth_token}`)}`);
  });

  it("maps Plivo's 404 to not_found and stores it", async () => {
    const callId = uniqueCallId("ended");
    const outcome = await (await hangup(acme.key, callId, { connection: "plivo" })).json<Outcome>();
    expect(outcome).toMatchObject({ status: "not_found", provider_response: { http_status: 404, code: "not found" } });
  });

  it("never sends a Plivo hangup without a call id", async () => {
    // " " fails validation; "." and ".." are dot segments that URL parsing removes before routing.
    for (const callId of [" ", ".", ".."]) {
      const res = await hangup(acme.key, callId, { connection: "plivo" });
      expect([404, 422]).toContain(res.status);
    }
    const accountWide = (await allProviderRequests()).filter((r) => /\/Call\/?$/.test(r.path));
    expect(accountWide).toEqual([]);
  });
});

describe("Idempotency-Key", () => {
  it("the same key with the same body replays; with a different body is 422", async () => {
    const callId = uniqueCallId();
    const key = crypto.randomUUID();
    const first = await hangup(acme.key, callId, { connection: "sandbox", reason: "a" }, { "idempotency-key": key });
    expect(first.status).toBe(200);
    const same = await hangup(acme.key, callId, { connection: "sandbox", reason: "a" }, { "idempotency-key": key });
    expect(same.headers.get("idempotent-replayed")).toBe("true");
    const different = await hangup(acme.key, callId, { connection: "sandbox", reason: "b" }, { "idempotency-key": key });
    await expectProblem(different, 422, "idempotency_key_reused");
  });
});

describe("the call's record", () => {
  it("shows pending before the provider answers, and the outcome after", async () => {
    const callId = uniqueCallId();
    await scriptProvider(callId, [{ status: 204, delay_ms: 800 }]);
    const inFlight = hangup(acme.key, callId, { connection: "plivo", reason: "max duration" });
    // Wait until the request reached the provider, then look at the record while it is held there.
    for (let i = 0; i < 100 && (await providerRequests(callId)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const during = await (await getCall(acme.key, callId, "plivo")).json<{ state: string; hangup: { status: string; reason: string } }>();
    expect(during.state).toBe("hanging_up");
    expect(during.hangup).toMatchObject({ status: "pending", reason: "max duration" });

    expect((await (await inFlight).json<Outcome>()).status).toBe("terminated");
    const after = await (await getCall(acme.key, callId, "plivo")).json<{ state: string; hangup: { status: string; outcome: Outcome } }>();
    expect(after.state).toBe("ended");
    expect(after.hangup.status).toBe("completed");
    expect(after.hangup.outcome.status).toBe("terminated");
  });

  it("a provider that drops the connection mid-call leaves a failed outcome that says so", async () => {
    const callId = uniqueCallId();
    await scriptProvider(callId, Array.from({ length: 6 }, () => ({ status: 0, reset: true })));
    const outcome = await (await hangup(acme.key, callId, { connection: "plivo" })).json<Outcome>();
    expect(outcome.status).toBe("failed");
    expect(outcome.provider_response).toMatchObject({ http_status: null, detail: expect.stringContaining("could not be reached") });
    const record = await (await getCall(acme.key, callId, "plivo")).json<{ attempts: unknown[]; hangup: { status: string } }>();
    expect(record.attempts.length).toBe(outcome.attempts);
    expect(record.hangup.status).toBe("completed");
  });

  it("after the object dies mid-hangup, the next request asks the provider again and never claims terminated", async () => {
    const callId = uniqueCallId();
    // The first request reaches the provider (which hangs up) but the object dies before storing that.
    await scriptProvider(callId, [{ status: 204, delay_ms: 1000 }]);
    const dying = hangup(acme.key, callId, { connection: "plivo" }).catch(() => null);
    for (let i = 0; i < 100 && (await providerRequests(callId)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await abortAllDurableObjects();
    await dying;

    const during = await (await getCall(acme.key, callId, "plivo")).json<{ hangup: { status: string } }>();
    expect(during.hangup.status).toBe("pending");

    // Plivo now says the call is gone: the reconciled outcome is what the provider says, not "terminated".
    await scriptProvider(callId, [{ status: 404, body: JSON.stringify({ api_id: "x", error: "not found" }) }]);
    const settled = await hangup(acme.key, callId, { connection: "plivo" });
    expect((await settled.json<Outcome>()).status).toBe("not_found");
    expect(await providerRequests(callId)).toHaveLength(2);
    const record = await (await getCall(acme.key, callId, "plivo")).json<{ events: { type: string }[] }>();
    expect(record.events.map((e) => e.type)).toContain("hangup.reconciling");
  });

  it("is 404 for a call never seen", async () => {
    await expectProblem(await getCall(acme.key, uniqueCallId(), "plivo"), 404, "not_found");
  });
});

describe("tenants are isolated", () => {
  it("another tenant's call is answered as a call that does not exist", async () => {
    const callId = uniqueCallId();
    await hangup(acme.key, callId, { connection: "plivo" });
    await expectProblem(await getCall(globex.key, callId, "plivo"), 404);
    await expectProblem(await getCall(globex.key, callId, "sandbox"), 404);
  });

  it("another tenant's connection is unknown", async () => {
    await expectProblem(await hangup(globex.key, uniqueCallId(), { connection: "sandbox" }), 404, "not_found");
  });

  it("the same call id hung up by two tenants is two calls", async () => {
    const callId = uniqueCallId();
    const a = await (await hangup(acme.key, callId, { connection: "plivo" })).json<Outcome>();
    const b = await hangup(globex.key, callId, { connection: "plivo" });
    expect(a.tenant).toBe("acme");
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect((await b.json<Outcome>()).tenant).toBe("globex");
  });
});

describe("keys", () => {
  it("a revoked key stops working at once", async () => {
    const temp = await createTenant("temp");
    await createConnection("temp", "sandbox", "sandbox");
    expect((await hangup(temp.key, uniqueCallId(), { connection: "sandbox" })).status).toBe(200);
    expect((await admin("DELETE", `/admin/tenants/temp/keys/${temp.keyId}`)).status).toBe(204);
    await expectProblem(await hangup(temp.key, uniqueCallId(), { connection: "sandbox" }), 401, "unauthorized");
  });

  it("a missing, malformed or unknown key is 401", async () => {
    for (const key of ["", "nonsense", `hgw_${"a".repeat(12)}_${"b".repeat(43)}`]) {
      const res = await hangup(key, uniqueCallId(), { connection: "sandbox" });
      await expectProblem(res, 401, "unauthorized");
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("the admin token is not a tenant key, and a tenant key is not the admin token", async () => {
    const { env } = await import("cloudflare:workers");
    await expectProblem(await hangup(env.ADMIN_TOKEN!, uniqueCallId(), { connection: "sandbox" }), 401);
    const res = await (await import("./helpers")).send("/admin/tenants/x", {
      method: "PUT",
      headers: { authorization: `Bearer ${acme.key}`, "content-type": "application/json" },
      body: "{}",
    });
    await expectProblem(res, 401);
  });
});
