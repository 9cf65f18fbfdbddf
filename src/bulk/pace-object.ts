/**
 * BulkPace: one Durable Object per (tenant, connection) that keeps the connection's bulk hangup pace
 * (./pacing.ts) for every job at once. A job asks it for a block of start slots, about a second of the
 * provider's rate, and spaces its own starts inside it; blocks never overlap, so however many jobs run
 * on a connection, together they start no more hangups a second than its provider allows.
 *
 * Why an object: the jobs are objects of their own, possibly on different machines, and only a Durable
 * Object gives them one strongly consistent clock to share (KV is eventually consistent; D1 is the call
 * index's one writer, already busy). Asked once per block, never once per call, it is off every call's
 * path and costs a job about one request a second per connection. It stores nothing: its whole state is
 * the time of the next free slot, and grants reach at most PACE_HORIZON_MS ahead.
 */
import { DurableObject } from "cloudflare:workers";
import { grantBlock, type SlotBlock } from "./pacing";

const MAX_BLOCK = 1_000;

export class BulkPace extends DurableObject<Env> {
  private nextFree = 0;

  /** Up to `want` start slots at `perSecond`, after every slot granted before. */
  reserve(want: number, perSecond: number): SlotBlock {
    if (!(perSecond > 0) || !(want >= 1)) throw new RangeError("a block needs at least one slot and a positive rate");
    const { block, nextFree } = grantBlock(this.nextFree, Date.now(), Math.min(want, MAX_BLOCK), perSecond);
    this.nextFree = nextFree;
    return block;
  }
}
