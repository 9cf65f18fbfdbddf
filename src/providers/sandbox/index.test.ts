/** The sandbox: its answers by call id, and memory that stays bounded however many calls it serves. */
import { describe, expect, it } from "vitest";
import { sendHangup } from "../send-hangup";
import { QUICK_RETRIES, TEST_SCOPE, confirmationTable, operationId } from "../testing/kit";
import { BoundedSet, SANDBOX_MEMORY, endedCalls, sandbox } from ".";

const hangUp = (callId: string, scope = TEST_SCOPE) =>
  sendHangup(sandbox, { callId, operationId: operationId(), credentials: {}, baseUrl: sandbox.defaultBaseUrl, scope }, QUICK_RETRIES);

describe("sandbox: what confirms a hangup (the table in src/providers/README.md)", () => {
  confirmationTable(sandbox, [
    { answer: "204", status: 204, reads: { status: "terminated" } },
    { answer: "200 empty", status: 200, body: "", reads: { status: "failed", retryable: false } },
    { answer: "200 call_already_ended", status: 200, body: { error: "call_already_ended" }, reads: { status: "already_ended" } },
    { answer: "200 call_not_found", status: 200, body: { error: "call_not_found" }, reads: { status: "not_found" } },
    { answer: "200 {}", status: 200, body: {}, reads: { status: "failed", retryable: false } },
  ]);
});

describe("sandbox", () => {
  it("hangs up a live call once; the second hangup finds it over", async () => {
    const callId = `live-${crypto.randomUUID()}`;
    expect((await hangUp(callId)).reading.status).toBe("terminated");
    expect((await hangUp(callId)).reading.status).toBe("already_ended");
  });

  it("remembers per tenant and connection: the same call id elsewhere is another call", async () => {
    const scopes = [
      { tenant: "acme", connection: "sandbox" },
      { tenant: "globex", connection: "sandbox" },
      { tenant: "acme", connection: "sandbox-2" },
      // Names that would collide if tenant and connection were simply joined.
      { tenant: "acme/sandbox", connection: "x" },
      { tenant: "acme", connection: "sandbox/x" },
    ];
    const callId = `live-${crypto.randomUUID()}`;
    for (const scope of scopes) expect((await hangUp(callId, scope)).reading.status).toBe("terminated");
    for (const scope of scopes) expect((await hangUp(callId, scope)).reading.status).toBe("already_ended");
  });

  it("a flaky- call fails once per tenant and connection", async () => {
    const callId = `flaky-${crypto.randomUUID()}`;
    for (const tenant of ["acme", "globex"]) {
      expect((await hangUp(callId, { tenant, connection: "sandbox" })).attempts.map((a) => a.http_status)).toEqual([503, 204]);
    }
  });

  it("answers by prefix: ended, unknown, fail, badauth, flaky", async () => {
    const id = () => crypto.randomUUID();
    expect((await hangUp(`ended-${id()}`)).reading.status).toBe("already_ended");
    expect((await hangUp(`unknown-${id()}`)).reading.status).toBe("not_found");
    expect((await hangUp(`badauth-${id()}`)).reading).toMatchObject({ status: "failed", credentialsRejected: true });
    const flaky = await hangUp(`flaky-${id()}`);
    expect(flaky.attempts.map((a) => a.http_status)).toEqual([503, 204]);
    expect((await hangUp(`fail-${id()}`)).attempts).toHaveLength(4);
  });

  it("remembers at most SANDBOX_MEMORY calls, forgetting the oldest", async () => {
    const set = new BoundedSet(3);
    for (const member of ["a", "b", "c", "d"]) set.add(member);
    expect([set.has("a"), set.has("b"), set.has("d"), set.size]).toEqual([false, true, true, 3]);
    set.add("b"); // touched again: now the newest
    set.add("e");
    expect([set.has("b"), set.has("c")]).toEqual([true, false]);

    // Straight to the simulation: the point is its memory, not the sending (whose timers would pile up).
    for (let n = 0; n < SANDBOX_MEMORY + 50; n++) {
      const outbound = await sandbox.buildRequest({ callId: `many-${n}`, operationId: "op", credentials: {}, baseUrl: sandbox.defaultBaseUrl, scope: TEST_SCOPE });
      expect((await sandbox.simulate!(new Request(outbound.url, { method: outbound.method }))).status).toBe(204);
    }
    expect(endedCalls.size).toBe(SANDBOX_MEMORY);
  });
});
