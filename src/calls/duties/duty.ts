/**
 * What a duty of the call's object is: something the object must do by itself, with the time it is next
 * due read off the stored call alone (`dueAt`, a pure function of the document and the configuration), and
 * the work (`run`). The object's one alarm is set for the earliest due time of all duties (cloudflare/
 * agents' scheduler, fed by a table of schedules, is the model; here the "table" is the document's clocks).
 * A duty never imports the object or another duty: it sees the call and acts through its context.
 */
import type { Config } from "../../config";
import type { SendResult } from "../../providers/send-hangup";
import type { HangupOutcome } from "../../vocabulary";
import type { RoundRequest } from "../rounds";
import type { HangupAnswer } from "../rpc";
import type { StoredCall } from "../stored-call";
import type { TenantFacts } from "../tenant-facts";

export interface DutyContext {
  readonly env: Env;
  readonly config: Config;
  /** True when the call just changed by news (a registration, a signal, a provider event), not by the clock. */
  readonly news: boolean;
  /** Keeps the object alive for work that need not be awaited (the breaker hearing an outcome). */
  waitUntil(promise: Promise<unknown>): void;
  /** The call as stored now; read it again after every await. */
  call(): StoredCall;
  /** A change: written at once, with a new version (and so reported to the index). */
  save(next: StoredCall): StoredCall;
  /** A fact whose loss only repeats a duty: kept in memory, written with the next change. */
  remember(next: StoredCall): StoredCall;
  /** Starts or joins a hangup round, exactly as the RPC does. */
  hangUp(request: RoundRequest): Promise<HangupAnswer>;
  /** Runs the pending round again (its sender died), or waits for the one in flight. */
  resumeRound(): Promise<void>;
  /** Deletes the object's storage and its alarm (retention). */
  deleteAll(): Promise<void>;
}

/** What a duty may read when a round finishes, to fold it into the call in the same write. */
export interface Settling {
  now: number;
  sent: SendResult;
  facts: TenantFacts;
}

export interface Duty {
  readonly name: string;
  /** When it must next run (epoch ms), from the stored call alone; null when there is nothing to do. */
  dueAt(call: StoredCall, now: number, config: Config): number | null;
  run(ctx: DutyContext): Promise<void>;
  /** Also run right after every change that makes it due, not only from the alarm (the index report). */
  readonly afterChange?: boolean;
  /** Never run before it is due, even by an alarm that rings early (retention deletes the call). */
  readonly onlyWhenDue?: boolean;
  /** Folds a finished round into the call, in the same write as its outcome. */
  settle?(call: StoredCall, outcome: HangupOutcome, settling: Settling): StoredCall;
}
