/**
 * Keeps the number of call objects open in workerd under the point where it breaks. Locally workerd
 * keeps a Durable Object open for 10 to 20 s after its last event, with its SQLite database (three
 * file descriptors, some 400 KiB of memory), and at about 2,300 open call objects SQLite fails with
 * SQLITE_NOMEM and the gateway answers 500 (measured on this stack; BENCHMARKS.md, "Local limits"). Every
 * request of the bench and the load runs is a new call, so a fast machine would get there within seconds.
 *
 * So no more than OPEN_OBJECT_CEILING new objects are started within EVICTION_WINDOW_MS: before a
 * round that would exceed it, the run waits, outside any timing, for older objects to be closed.
 */

/** Comfortably above the 10 to 20 s workerd takes to close an idle object. */
const EVICTION_WINDOW_MS = 25_000;
/** Well under the ~2,300 open objects at which SQLite ran out of memory. */
export const OPEN_OBJECT_CEILING = 1_500;

export class ObjectPacer {
  /** When each recent object was started, oldest first. */
  private readonly startedAt: number[] = [];
  private waitedMs = 0;

  /** A new call object was just started. */
  started(): void {
    this.startedAt.push(Date.now());
  }

  /** Time spent waiting so far, for the report. */
  get totalWaitMs(): number {
    return this.waitedMs;
  }

  /** Resolves once `count` more objects can be started without exceeding the ceiling. */
  async reserve(count: number): Promise<void> {
    if (count > OPEN_OBJECT_CEILING) throw new Error(`a round of ${count} new calls exceeds the ${OPEN_OBJECT_CEILING} open objects workerd can hold`);
    for (;;) {
      const horizon = Date.now() - EVICTION_WINDOW_MS;
      while (this.startedAt.length && this.startedAt[0]! <= horizon) this.startedAt.shift();
      if (this.startedAt.length + count <= OPEN_OBJECT_CEILING) return;
      const waitMs = this.startedAt[this.startedAt.length + count - OPEN_OBJECT_CEILING - 1]! - horizon + 1;
      this.waitedMs += waitMs;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
