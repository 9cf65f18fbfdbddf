/**
 * A provider's pace as start slots: the one decision of a connection's ProviderPace object
 * (./pace-object.ts), a plain function of its clock.
 */

/**
 * Slots are never granted further ahead of now than this. The pace object keeps its clock in memory
 * only; an object is evicted only after it has been idle for longer than this, so a new instance never
 * grants a slot an old one still owed.
 */
export const PACE_HORIZON_MS = 3_000;

/** `count` start slots: the first at `first_at` (epoch ms), then one every `interval_ms`. */
export interface SlotBlock {
  first_at: number;
  interval_ms: number;
  count: number;
}

/**
 * The pace object's one decision: up to `want` slots from the connection's next free one (or now),
 * within the horizon. A block of 0 slots means the horizon is full: ask again once its first slot is within it.
 */
export function grantBlock(nextFree: number, now: number, want: number, perSecond: number): { block: SlotBlock; nextFree: number } {
  const interval = 1000 / perSecond;
  const first = Math.max(now, nextFree);
  const room = Math.floor((now + PACE_HORIZON_MS - first) / interval);
  const count = Math.max(0, Math.min(Math.floor(want), room));
  return { block: { first_at: first, interval_ms: interval, count }, nextFree: first + count * interval };
}

/** When to ask again after a block of 0 slots: once the first slot it names is within the horizon. */
export function askAgainAt(block: SlotBlock): number {
  return block.first_at - PACE_HORIZON_MS + block.interval_ms;
}
