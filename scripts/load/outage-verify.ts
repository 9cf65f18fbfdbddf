/**
 * What the outage run checks for each watched fraud call, from what the provider saw and what the
 * gateway stored, and how long each call outlived the provider's return. Pure: the run gathers the
 * evidence, this judges it (test/node/outage-verify.test.ts).
 */
import type { OutageCall } from "./outage-provider";

/** Every way a call can go wrong in the outage run, in the order the run reports them. */
export const OUTAGE_PROBLEMS = ["lost", "double_termination", "misreported"] as const;
export type OutageProblem = (typeof OUTAGE_PROBLEMS)[number];

/**
 * `storedStatus`: the call's latest hangup outcome as its record says (null: no outcome, or no record).
 * Every call of the run is live and flagged, so the only right end is one hangup at the provider and a
 * record saying `terminated`.
 */
export function outageProblemsOf(atProvider: OutageCall, storedStatus: string | null): OutageProblem[] {
  const problems: OutageProblem[] = [];
  if (atProvider.hangups === 0) problems.push("lost");
  if (atProvider.hangups > 1 || atProvider.requestsAfterHangup > 0) problems.push("double_termination");
  if ((storedStatus === "terminated") !== (atProvider.hangups > 0)) problems.push("misreported");
  return problems;
}

/** ms from the provider's latest return before the hangup to the hangup; null if never hung up or hung up while never down. */
export function recoveryMs(hungUpAt: number | null, returns: readonly number[]): number | null {
  if (hungUpAt === null) return null;
  let latest: number | null = null;
  for (const at of returns) if (at <= hungUpAt) latest = at;
  return latest === null ? null : hungUpAt - latest;
}

/**
 * The hangup outcome a call's record holds (`GET /v1/calls/{id}`), or null. Reads the latest round if
 * the record lists rounds, else the single hangup.
 */
export function storedHangupStatus(record: unknown): string | null {
  if (typeof record !== "object" || record === null) return null;
  const { hangup, rounds } = record as { hangup?: { outcome?: { status?: string } | null; status?: string } | null; rounds?: { outcome?: { status?: string } | null; status?: string }[] };
  const latest = Array.isArray(rounds) && rounds.length ? rounds[rounds.length - 1] : hangup;
  return latest?.outcome?.status ?? null;
}
