/**
 * The active policy in KV and its per-isolate cache: a publish is seen at once by the isolate that made
 * it, another isolate's publish within REFRESH_MS, an invalid document is never written, a stale KV
 * read never brings an older policy back, and a policy is compiled once per version.
 * One story, in order: the cache is module state, as in the Worker.
 */
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it, vi } from "vitest";
import { REFRESH_MS, getActivePolicy, getPolicyVersion, loadActivePolicy, publishPolicy, type PublishedPolicy } from "../src/policy/active";
import type { PolicyDocument } from "../src/policy/schema";
import { policyVersion } from "../src/policy/version";
import { kvKey } from "../src/storage-keys";

let clock = Date.now();
const clockSpy = vi.spyOn(Date, "now").mockImplementation(() => clock);
afterAll(() => clockSpy.mockRestore());

const HOUR: PolicyDocument = { rules: [{ id: "hour", kind: "max_duration", max_seconds: 3600 }] };
const FRAUD: PolicyDocument = { rules: [{ id: "fraud", kind: "fraud_flags", flags: ["irsf"] }] };
const DENY: PolicyDocument = { rules: [{ id: "nobody", kind: "allowed_tenants", tenants: ["nobody"] }] };

/** What another isolate's publish leaves in KV. */
async function writtenElsewhere(document: PolicyDocument, publishedAt: string): Promise<PublishedPolicy> {
  const published = { version: await policyVersion(document), document, published_at: publishedAt };
  await env.GATEWAY_KV.put(kvKey.activePolicy(), JSON.stringify(published));
  return published;
}

describe("the active policy", () => {
  let first: { version: string; published_at: string };

  it("is none until one is published", async () => {
    expect(await loadActivePolicy(env)).toBeNull();
    expect(await getActivePolicy(env)).toBeNull();
  });

  it("an invalid document is reported and nothing is written", async () => {
    const result = await publishPolicy(env, { rules: [{ id: "x", kind: "nope" }] });
    expect(result).toEqual({ kind: "invalid", errors: [expect.objectContaining({ path: "rules.0.kind" })] });
    expect(await env.GATEWAY_KV.get(kvKey.activePolicy())).toBeNull();
    expect((await env.GATEWAY_KV.list({ prefix: "policy:" })).keys).toEqual([]);
  });

  it("a publish is written to the active key and the history, and this isolate sees it at once", async () => {
    const result = await publishPolicy(env, HOUR);
    if (result.kind !== "published") throw new Error("publish failed");
    first = result;
    expect(result.version).toBe(await policyVersion(HOUR));
    const stored = { version: result.version, document: HOUR, published_at: result.published_at };
    expect(await env.GATEWAY_KV.get(kvKey.activePolicy(), "json")).toEqual(stored);
    expect(await getPolicyVersion(env, result.version)).toEqual(stored);
    expect((await loadActivePolicy(env))?.version).toBe(result.version);
    expect(await getActivePolicy(env)).toEqual(stored);
  });

  it("publishing the active document again changes nothing", async () => {
    clock += 1000;
    expect(await publishPolicy(env, JSON.parse(JSON.stringify(HOUR)))).toEqual(first);
  });

  it("another isolate's publish is seen within REFRESH_MS, not before", async () => {
    const elsewhere = await writtenElsewhere(FRAUD, new Date(Date.parse(first.published_at) + 10_000).toISOString());
    clock += REFRESH_MS - 1; // since this isolate last read KV (the publish above)
    expect((await loadActivePolicy(env))?.version).toBe(first.version);
    clock += 1;
    expect((await loadActivePolicy(env))?.version).toBe(elsewhere.version);
  });

  it("compiles a version once: a refresh that finds the same version keeps the compiled policy", async () => {
    const compiled = await loadActivePolicy(env);
    clock += REFRESH_MS;
    expect(await loadActivePolicy(env)).toBe(compiled);
  });

  it("a stale read of an older publish does not bring it back", async () => {
    const held = await getActivePolicy(env);
    await writtenElsewhere(DENY, new Date(Date.parse(first.published_at) - 60_000).toISOString());
    clock += REFRESH_MS;
    expect(await getActivePolicy(env)).toEqual(held);
  });
});
