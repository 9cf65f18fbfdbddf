/**
 * ProviderPace: one Durable Object per (tenant, connection, kind of request) that keeps how fast the
 * gateway asks the connection's provider: bulk hangups (src/bulk/pacing.ts) and the status reads of
 * reconciliation (./status-reads.ts), each at its own rate. A caller asks it for a block of start slots
 * (./grant.ts) and spaces its own requests inside it; blocks never overlap, so however many jobs or call
 * objects ask, together they start no more requests a second than the rate allows.
 *
 * Why an object: the askers are objects of their own, possibly on different machines, and only a Durable
 * Object gives them one strongly consistent clock to share (KV is eventually consistent; D1 is the call
 * index's one writer, already busy). Asked once per block, never once per bulk hangup, it is off every
 * call's path. It stores nothing: its whole state is the time of the next free slot, and grants reach at
 * most PACE_HORIZON_MS ahead.
 */
import { DurableObject } from "cloudflare:workers";
import { grantBlock, type SlotBlock } from "./grant";

const MAX_BLOCK = 1_000;

export class ProviderPace extends DurableObject<Env> {
  private nextFree = 0;

  /** Up to `want` start slots at `perSecond`, after every slot granted before. */
  reserve(want: number, perSecond: number): SlotBlock {
    if (!(perSecond > 0) || !(want >= 1)) throw new RangeError("a block needs at least one slot and a positive rate");
    const { block, nextFree } = grantBlock(this.nextFree, Date.now(), Math.min(want, MAX_BLOCK), perSecond);
    this.nextFree = nextFree;
    return block;
  }
}
