/**
 * End to end through the call objects themselves: calls registered, flagged and hung up through the API
 * are listed within the 10 s lag bound (each change reaches the index through the CALL_INDEX queue), and
 * a bulk hangup of registered calls stops them through their own objects, whose records say so.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { waitForList } from "./call-index-kit";
import { asTenant, createConnection, createTenant, getCall, hangup, uniqueCallId } from "./helpers";

let acme: { key: string };

beforeAll(async () => {
  acme = await createTenant("acme");
  await createConnection("acme", "sandbox", "sandbox");
});

async function register(callId: string, flags: string[] = []): Promise<void> {
  const res = await asTenant(acme.key, "POST", "/v1/calls", { call_id: callId, connection: "sandbox", to: "+14155550100", flags });
  expect(res.status, await res.clone().text()).toBe(201);
}

describe("the index follows the calls", () => {
  it("a registered call is listed live within 10 s, and ended with its outcome within 10 s of its hangup", async () => {
    const callId = uniqueCallId("live");
    await register(callId);
    const listedIn = await waitForList(acme.key, "state=live&registered=true", (calls) => calls.some((c) => c.call_id === callId));
    expect(listedIn).toBeLessThan(10_000);

    expect((await hangup(acme.key, callId, { connection: "sandbox", reason: "e2e" })).status).toBe(200);
    // Listed with who cut it and why.
    const endedIn = await waitForList(acme.key, "state=ended&status=terminated", (calls) =>
      calls.some((c) => c.call_id === callId && c.hangup_source === "api" && c.hangup_reason === "e2e"),
    );
    expect(endedIn).toBeLessThan(10_000);
    expect((await waitForList(acme.key, "state=live", (calls) => !calls.some((c) => c.call_id === callId)))).toBeLessThan(10_000);
  });

  it("a flag signalled on a call is listed within 10 s", async () => {
    const callId = uniqueCallId("live");
    await register(callId);
    const res = await asTenant(acme.key, "POST", `/v1/calls/${callId}/signals`, { connection: "sandbox", flags: ["E2E-Flag"] });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    expect(await waitForList(acme.key, "flag=e2e-flag", (calls) => calls.some((c) => c.call_id === callId))).toBeLessThan(10_000);
  });

  it("a bulk hangup stops registered calls through their own objects", async () => {
    const ids = Array.from({ length: 5 }, () => uniqueCallId("live"));
    for (const id of ids) await register(id, ["bulk-e2e"]);
    await waitForList(acme.key, "flag=bulk-e2e&state=live", (calls) => calls.length === ids.length);
    const accepted = await asTenant(acme.key, "POST", "/v1/bulk-hangups", { connection: "sandbox", match: { flags: ["bulk-e2e"] }, reason: "e2e sweep" });
    expect(accepted.status).toBe(202);
    const { id, matched } = await accepted.json<{ id: string; matched: number }>();
    expect(matched).toBe(ids.length);
    const started = Date.now();
    for (;;) {
      const status = await (await asTenant(acme.key, "GET", `/v1/bulk-hangups/${id}`)).json<{ status: string; done: number; outcomes: Record<string, number> }>();
      if (status.status === "completed") {
        expect(status).toMatchObject({ done: ids.length, outcomes: { terminated: ids.length } });
        break;
      }
      if (Date.now() - started > 25_000) throw new Error(`bulk hangup did not complete: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const callId of ids) {
      const record = JSON.stringify(await (await getCall(acme.key, callId, "sandbox")).json());
      expect(record).toContain("e2e sweep");
      expect(record).toContain('"bulk"');
    }
    await waitForList(acme.key, "flag=bulk-e2e&state=ended&status=terminated", (calls) => calls.length === ids.length);
  });
});
