/**
 * The rules that need no count act through the call's object as they are: a registered call to a denied
 * destination is hung up before the answer, and a calling window's close is the watched call's deadline.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PLIVO_FAKE_AUTH } from "../src/providers/plivo/fake";
import { admin, asTenant, createConnection, createTenant, fakeProviderUrl, uniqueCallId } from "./helpers";

let tenant: { key: string };

/** A calling window open from an hour ago to two hours ahead (UTC, whole minutes), whatever the time of day. */
const WINDOW_CLOSES_AT = Math.floor((Date.now() + 2 * 3_600_000) / 60_000) * 60_000;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

interface CallRecord {
  registration: { decision: { terminate: { rule: string } | null; deadline: string | null; matched: { id: string; effect: string; detail: string }[] } } | null;
  hangup: { source: string; reason: string; outcome: { status: string } | null } | null;
}

beforeAll(async () => {
  tenant = await createTenant("dialler");
  await createConnection("dialler", "plivo", "plivo", PLIVO_FAKE_AUTH, { base_url: fakeProviderUrl() });
  const policy = {
    rules: [
      { id: "premium", kind: "destinations", deny: ["+882", "country:CU"] },
      { id: "office", kind: "calling_hours", time_zone: "UTC", from: hhmm(WINDOW_CLOSES_AT - 3 * 3_600_000), until: hhmm(WINDOW_CLOSES_AT) },
    ],
  };
  const res = await admin("PUT", "/admin/policies", policy);
  if (res.status !== 200) throw new Error(`publish: ${res.status} ${await res.text()}`);
}, 30_000);

async function register(body: Record<string, unknown>): Promise<CallRecord> {
  const res = await asTenant(tenant.key, "POST", "/v1/calls", { call_id: uniqueCallId(), connection: "plivo", ...body });
  expect(res.status).toBe(201);
  return res.json<CallRecord>();
}

describe("destinations and calling_hours on registered calls", () => {
  it("a call to a denied country is hung up before the answer", async () => {
    const record = await register({ to: "+5372345678" });
    expect(record.hangup).toMatchObject({ source: "policy", reason: "policy:premium", outcome: { status: "terminated" } });
    expect(record.registration?.decision.matched[0]).toMatchObject({ id: "premium", effect: "terminate", detail: "The destination +5372345678 (CU) is denied by country:CU." });
  });

  it("an allowed call runs, watched until its calling window closes", async () => {
    const record = await register({ to: "+14155550100" });
    expect(record.hangup).toBeNull();
    expect(record.registration?.decision.deadline).toBe(new Date(WINDOW_CLOSES_AT).toISOString());
  });
});
