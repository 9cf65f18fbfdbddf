/**
 * How fast bulk hangups may ask each provider: hangups per second per connection (one provider account),
 * shared by every job on the connection. The README's pacing table gives the source of every number; an
 * operator may set other paces per provider (`BULK_HANGUPS_PER_SECOND`).
 *
 * A connection's pace is kept by its ProviderPace object (src/pace/), which grants start slots in
 * blocks that never overlap; a job asks it once per block, about a second of slots, not
 * once per call, and spaces its own starts inside its blocks (`SlotQueue`). Two jobs on one connection
 * therefore get alternate blocks and share the pace instead of each taking all of it.
 */
import { askAgainAt, type SlotBlock } from "../pace/grant";

export const HANGUPS_PER_SECOND: Record<string, number> = {
  // Plivo documents 300 API requests per 5 s per account (60/s); 50/s leaves a sixth for the tenant's own traffic.
  plivo: 50,
  // Twilio limits concurrent REST requests per account (429, error 20429) rather than a rate; 25/s at
  // ~200 ms each stays near 5 open requests.
  twilio: 25,
  // Telnyx, Vonage and the providers documented in ../shared/providers/ publish no per-endpoint rate
  // for hangups in the documents we have: a conservative 10/s.
  telnyx: 10,
  vonage: 10,
  alohaa: 10,
  tryvox: 10,
  callab: 10,
  // No network: bounded by the call objects alone.
  sandbox: 500,
};

const UNKNOWN_PROVIDER_RATE = 5;
/**
 * Hangups one job keeps open at once, from the call waiting for its slot to the answer: a job runs at
 * min(pace, MAX_IN_FLIGHT / time per hangup), so this is enough for Plivo's 50/s at up to 2 s a hangup.
 */
export const MAX_IN_FLIGHT = 100;
/** A block is about this much of the connection's pace. */
const BLOCK_MS = 1_000;

/** The pace of a provider's connections: the operator's (`BULK_HANGUPS_PER_SECOND`, src/config.ts), else the table's. */
export function hangupRate(provider: string, configured: Record<string, number> = {}): number {
  return configured[provider] ?? HANGUPS_PER_SECOND[provider] ?? UNKNOWN_PROVIDER_RATE;
}

/** How many slots a job asks for at once at this pace. */
export function blockSize(perSecond: number): number {
  return Math.max(1, Math.round((perSecond * BLOCK_MS) / 1000));
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One job's slots on one connection. `take` waits for the next slot and claims it; the next block is
 * asked for while half of the current one is still ahead, so a job does not stall on the pace object.
 */
export class SlotQueue {
  private readonly blocks: SlotBlock[] = [];
  /** Slots of blocks[0] already claimed or dropped. */
  private used = 0;
  private asking: Promise<void> | null = null;

  /**
   * `ask`: a block of up to `want` slots from the connection's pace; `needed`: how many starts the job
   * expects to make on this connection (it never asks for more than that, or a block, at once).
   */
  constructor(
    private readonly ask: (want: number) => Promise<SlotBlock>,
    private readonly blockSize: number,
    private needed: number,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = sleepFor,
  ) {}

  async take(): Promise<void> {
    for (;;) {
      const slot = this.claim(this.clock());
      if (slot === null) {
        await this.refill(Math.max(1, this.wanted()));
        continue;
      }
      this.prefetch();
      const wait = slot.at - this.clock();
      if (wait > 0) await this.sleep(wait);
      // Woken more than an interval late (the isolate was busy): the slot is gone, like one never claimed,
      // so that starts held up together never leave together.
      if (this.clock() - slot.at > slot.interval) continue;
      this.needed = Math.max(0, this.needed - 1);
      return;
    }
  }

  /** The next slot not yet past, or null when none is in hand. */
  private claim(now: number): { at: number; interval: number } | null {
    for (let block = this.blocks[0]; block; block = this.blocks[0]) {
      // A slot more than an interval in the past is dropped, never caught up on: starts never bunch up.
      while (this.used < block.count && block.first_at + this.used * block.interval_ms < now - block.interval_ms) this.used++;
      if (this.used < block.count) return { at: block.first_at + this.used++ * block.interval_ms, interval: block.interval_ms };
      this.blocks.shift();
      this.used = 0;
    }
    return null;
  }

  private inHand(): number {
    return this.blocks.reduce((sum, block) => sum + block.count, 0) - this.used;
  }

  private wanted(): number {
    return Math.min(this.blockSize, this.needed - this.inHand());
  }

  private prefetch(): void {
    if (this.inHand() * 2 > this.blockSize || this.wanted() <= 0) return;
    // A failed prefetch is only a missed head start: `take` asks again when the slots run out.
    this.refill(this.wanted()).catch(() => undefined);
  }

  private refill(want: number): Promise<void> {
    this.asking ??= (async () => {
      try {
        const block = await this.ask(want);
        if (block.count > 0) this.blocks.push(block);
        else await this.sleep(Math.max(1, askAgainAt(block) - this.clock()));
      } finally {
        this.asking = null;
      }
    })();
    return this.asking;
  }
}
