/**
 * What a call's Durable Object tells the tenant's call index after each change of the call: the
 * call's whole list entry, never a delta, with a version that grows with every change. Reports are
 * sent at least once and may arrive twice or out of order; the index keeps, per call, the entry with
 * the highest version, so a replayed or late report never takes an entry back.
 */
import type { OutcomeStatus } from "../http/schemas";

export interface CallIndexReport {
  tenant: string;
  connection: string;
  call_id: string;
  provider: string;
  /** `ended` once the call is reported ended or its hangup has a final outcome; `live` otherwise. */
  state: "live" | "ended";
  registered: boolean;
  started_at: string | null;
  to: string | null;
  flags: string[];
  /** The latest round's outcome; null while no round has finished. */
  hangup_status: OutcomeStatus | null;
  /** Who asked for the latest hangup round, and why (a policy hangup's reason is `policy:<rule id>`). */
  hangup_source: "api" | "policy" | "bulk" | null;
  hangup_reason: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  /** The call's storage was deleted (retention): its entry goes too. */
  deleted?: true;
}
