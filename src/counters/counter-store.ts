/**
 * One counter's entries in its object's SQLite: one row per call that took a place (concurrency) or
 * registered (velocity), keyed by the call's identity so that taking it again changes nothing. Every
 * method is synchronous: a Durable Object runs one at a time to its end, so each is atomic and counts
 * are exact however many calls arrive at once.
 *
 * A call's count is its place in line: concurrency, the live entries that came before it plus itself
 * (so an admitted call stays admitted when later ones arrive, and moves up as earlier ones end);
 * velocity, the registrations of the window that ended at its own, fixed when it registered.
 */
import type { CounterKind } from "../policy/counters";

export interface Holder {
  tenant: string;
  connection: string;
  call_id: string;
}

/** The unique name of a holder: the same as its call object's. */
export const holderId = (holder: Holder) => `${holder.tenant}/${holder.connection}/${holder.call_id}`;

/** The counter an object holds: its kind and, for velocity, its window (as last given). */
export interface CounterSpec {
  kind: CounterKind;
  window_ms?: number;
}

/** An entry whose liveness is due to be checked. */
export interface DueEntry extends Holder {
  holder: string;
}

export class CounterStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS entry (
      seq INTEGER PRIMARY KEY,
      holder TEXT NOT NULL UNIQUE,
      tenant TEXT NOT NULL,
      connection TEXT NOT NULL,
      call_id TEXT NOT NULL,
      at INTEGER NOT NULL,
      count INTEGER NOT NULL,
      released INTEGER NOT NULL DEFAULT 0,
      audit_at INTEGER
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS entry_at ON entry (at)");
    sql.exec("CREATE INDEX IF NOT EXISTS entry_audit ON entry (audit_at) WHERE audit_at IS NOT NULL");
  }

  /**
   * Takes the holder's place (a no-op when it has one) and answers its count. `auditAt`: when a new
   * entry is first checked against its call.
   */
  acquire(holder: Holder, spec: CounterSpec, now: number, auditAt: number): number {
    const id = holderId(holder);
    const held = this.countOf(id, spec);
    if (held !== null) return held;
    const count = spec.kind === "velocity" ? this.inWindow(spec, now) + 1 : 0;
    this.sql.exec(
      "INSERT INTO entry (holder, tenant, connection, call_id, at, count, audit_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      id,
      holder.tenant,
      holder.connection,
      holder.call_id,
      now,
      count,
      auditAt,
    );
    if (spec.kind === "velocity") this.prune(spec, now);
    return this.countOf(id, spec)!;
  }

  /**
   * Frees the holder's place: at once for concurrency; a velocity registration keeps counting until it
   * leaves the window, then goes. Releasing what is not held does nothing.
   */
  release(id: string, spec: CounterSpec, now: number): void {
    if (spec.kind === "concurrency") this.sql.exec("DELETE FROM entry WHERE holder = ?", id);
    else {
      this.sql.exec("UPDATE entry SET released = 1, audit_at = NULL WHERE holder = ?", id);
      this.prune(spec, now);
    }
  }

  /** The count the holder would see, without taking anything: its own if it holds a place, else a newcomer's. */
  peek(id: string | null, spec: CounterSpec, now: number): number {
    const held = id === null ? null : this.countOf(id, spec);
    if (held !== null) return held;
    return spec.kind === "velocity" ? this.inWindow(spec, now) + 1 : this.live() + 1;
  }

  live(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entry WHERE released = 0").one().n;
  }

  /** Entries to check against their calls now, oldest check first. */
  due(now: number, limit: number): DueEntry[] {
    return this.sql
      .exec<{ holder: string; tenant: string; connection: string; call_id: string }>(
        "SELECT holder, tenant, connection, call_id FROM entry WHERE audit_at IS NOT NULL AND audit_at <= ? ORDER BY audit_at LIMIT ?",
        now,
        limit,
      )
      .toArray();
  }

  /** When the entry is to be checked again (it was live, or its call could not be asked). */
  checkAgainAt(id: string, at: number): void {
    this.sql.exec("UPDATE entry SET audit_at = ? WHERE holder = ? AND audit_at IS NOT NULL", at, id);
  }

  /** When this counter next has work: an entry to check, or a released registration to drop. */
  nextWork(spec: CounterSpec): number | null {
    const audit = this.sql.exec<{ at: number | null }>("SELECT MIN(audit_at) AS at FROM entry").one().at;
    const oldestReleased =
      spec.kind === "velocity" ? this.sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM entry WHERE released = 1").one().at : null;
    const prune = oldestReleased === null ? null : oldestReleased + (spec.window_ms ?? 0);
    if (audit === null) return prune;
    return prune === null ? audit : Math.min(audit, prune);
  }

  /** Drops released registrations that have left the window: storage is what the window needs, plus live calls. */
  prune(spec: CounterSpec, now: number): void {
    if (spec.kind === "velocity") this.sql.exec("DELETE FROM entry WHERE released = 1 AND at <= ?", now - (spec.window_ms ?? 0));
  }

  private countOf(id: string, spec: CounterSpec): number | null {
    const row = this.sql.exec<{ seq: number; count: number }>("SELECT seq, count FROM entry WHERE holder = ?", id).toArray()[0];
    if (!row) return null;
    if (spec.kind === "velocity") return row.count;
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entry WHERE seq <= ?", row.seq).one().n;
  }

  /** Registrations within the window ending now: an entry exactly `window_ms` old has left it. */
  private inWindow(spec: CounterSpec, now: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entry WHERE at > ?", now - (spec.window_ms ?? 0)).one().n;
  }
}
