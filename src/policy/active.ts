/**
 * The active policy, as this Worker isolate sees it. KV holds the published document; each isolate
 * keeps it compiled in memory and asks KV again at most every REFRESH_MS, recompiling only when the
 * version changed. So a publish applies at once on the isolate that took it, within REFRESH_MS on the
 * other isolates of that location, and across Cloudflare's network within KV's propagation time (up to
 * about 60 s).
 */
import { kvKey } from "../storage-keys";
import { compilePolicy, type CompiledPolicy } from "./compile";
import { validatePolicy, type PolicyDocument, type PolicyProblem } from "./schema";
import { policyVersion } from "./version";

/** The KV value of the active policy, and of each version in the history. */
export interface PublishedPolicy {
  version: string;
  document: PolicyDocument;
  published_at: string;
}

export const REFRESH_MS = 5_000;

interface Snapshot {
  published: PublishedPolicy | null;
  compiled: CompiledPolicy | null;
  checkedAt: number;
}

let snapshot: Snapshot | null = null;

export async function loadActivePolicy(env: Env): Promise<CompiledPolicy | null> {
  return (await currentSnapshot(env)).compiled;
}

export async function getActivePolicy(env: Env): Promise<PublishedPolicy | null> {
  return (await currentSnapshot(env)).published;
}

async function currentSnapshot(env: Env): Promise<Snapshot> {
  const now = Date.now();
  if (snapshot && now - snapshot.checkedAt < REFRESH_MS) return snapshot;
  const stored = await env.GATEWAY_KV.get<PublishedPolicy>(kvKey.activePolicy(), "json");
  snapshot = adopt(snapshot, stored, now);
  return snapshot;
}

/**
 * The snapshot after reading `stored` from KV. A read may be older than what this isolate already
 * holds (KV caches reads at the edge for up to a minute, so the isolate that took a publish can read
 * the previous policy back): a policy published earlier than the one held never replaces it.
 */
function adopt(held: Snapshot | null, stored: PublishedPolicy | null, now: number): Snapshot {
  if (held?.published && (!stored || stored.published_at < held.published.published_at)) return { ...held, checkedAt: now };
  if (held?.published && stored?.version === held.published.version) return { published: stored, compiled: held.compiled, checkedAt: now };
  return { published: stored, compiled: stored ? compilePolicy(stored.document, stored.version) : null, checkedAt: now };
}

/** A version from the history, whether active or not. */
export async function getPolicyVersion(env: Env, version: string): Promise<PublishedPolicy | null> {
  return env.GATEWAY_KV.get<PublishedPolicy>(kvKey.policyVersion(version), "json");
}

export type PublishResult = { kind: "published"; version: string; published_at: string } | { kind: "invalid"; errors: PolicyProblem[] };

/**
 * Validates and publishes a document. Nothing is written when it is invalid. The version history entry
 * is written before the active pointer, so the active policy is always in the history. Publishing the
 * active version again writes nothing (KV allows one write per second per key) and answers its
 * original published_at.
 */
export async function publishPolicy(env: Env, input: unknown): Promise<PublishResult> {
  const validation = validatePolicy(input);
  if (validation.kind === "invalid") return validation;

  const version = await policyVersion(validation.document);
  const active = await env.GATEWAY_KV.get<PublishedPolicy>(kvKey.activePolicy(), "json");
  if (active?.version === version) {
    snapshot = adopt(snapshot, active, Date.now());
    return { kind: "published", version, published_at: active.published_at };
  }

  const published: PublishedPolicy = { version, document: validation.document, published_at: new Date().toISOString() };
  const value = JSON.stringify(published);
  await env.GATEWAY_KV.put(kvKey.policyVersion(version), value);
  await env.GATEWAY_KV.put(kvKey.activePolicy(), value);
  snapshot = { published, compiled: compilePolicy(published.document, version), checkedAt: Date.now() };
  return { kind: "published", version, published_at: published.published_at };
}
