/**
 * Bulk hangups at the provider's pace: a connection's pace is shared by every job on it. The pure parts
 * (the blocks the pace object grants, a job's spacing inside them) are tested on a clock of their own;
 * then two jobs run at once on one Telnyx connection (2 hangups a second in the tests) and the fake
 * provider's own clock says they never started more than that together.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { SlotQueue, blockSize, hangupRate } from "../src/bulk/pacing";
import { PACE_HORIZON_MS, grantBlock, type SlotBlock } from "../src/pace/grant";
import { readConfig } from "../src/config";
import { TELNYX_FAKE_AUTH } from "../src/providers/telnyx/fake";
import { providerPaceObject } from "../src/objects";
import { feed, report, waitForList } from "./call-index-kit";
import { asTenant, createConnection, createTenant, fakeProviderUrl, providerRequests, type FakeRequest } from "./helpers";

describe("grantBlock", () => {
  it("hands out blocks that never overlap, each from the connection's next free slot", () => {
    const rate = 50;
    let nextFree = 0;
    const blocks: SlotBlock[] = [];
    // Two jobs asking in turn at the same instant.
    for (let i = 0; i < 3; i++) {
      const granted = grantBlock(nextFree, 1_000, 50, rate);
      blocks.push(granted.block);
      nextFree = granted.nextFree;
    }
    expect(blocks.map((b) => [b.first_at, b.count])).toEqual([
      [1_000, 50],
      [2_000, 50],
      [3_000, 50],
    ]);
    expect(blocks.every((b) => b.interval_ms === 20)).toBe(true);
  });

  it("never grants beyond the horizon, and starts from now once the pace is idle", () => {
    const full = grantBlock(1_000 + PACE_HORIZON_MS, 1_000, 10, 10);
    expect(full.block.count).toBe(0);
    expect(full.nextFree).toBe(1_000 + PACE_HORIZON_MS);
    const partial = grantBlock(1_000 + PACE_HORIZON_MS - 250, 1_000, 10, 10);
    expect(partial.block).toMatchObject({ first_at: 1_000 + PACE_HORIZON_MS - 250, count: 2 });
    expect(grantBlock(500, 60_000, 10, 10).block).toMatchObject({ first_at: 60_000, count: 10 });
  });

  it("paces Plivo within its documented 300 requests per 5 s, and knows a rate for any provider", () => {
    expect(hangupRate("plivo") * 5).toBeLessThanOrEqual(300);
    expect(hangupRate("some-new-provider")).toBeGreaterThan(0);
    expect(blockSize(hangupRate("plivo"))).toBe(50);
    expect(hangupRate("plivo", { plivo: 100 })).toBe(100);
  });
});

describe("SlotQueue", () => {
  /** A clock that only moves when the queue sleeps (`stall`: its next sleep overruns by that much), and a pace shared by whoever asks it. */
  function harness() {
    let now = 0;
    let nextFree = 0;
    let overrun = 0;
    const asks: number[] = [];
    const clock = () => now;
    const sleep = async (ms: number) => {
      now += ms + overrun;
      overrun = 0;
    };
    const ask = async (want: number) => {
      asks.push(want);
      const granted = grantBlock(nextFree, now, want, 10);
      nextFree = granted.nextFree;
      return granted.block;
    };
    return { clock, sleep, ask, asks, advance: (ms: number) => (now += ms), stall: (ms: number) => (overrun = ms), at: () => now };
  }

  it("spaces one job's starts 1/rate apart and asks the pace once per block, not once per call", async () => {
    const h = harness();
    const queue = new SlotQueue(h.ask, 10, 25, h.clock, h.sleep);
    const starts: number[] = [];
    for (let i = 0; i < 25; i++) {
      await queue.take();
      starts.push(h.at());
    }
    expect(starts).toEqual(Array.from({ length: 25 }, (_, i) => i * 100));
    expect(h.asks.length).toBeLessThanOrEqual(4);
    expect(h.asks.every((want) => want <= 10)).toBe(true);
  });

  it("drops slots it was too late for instead of catching up in a burst", async () => {
    const h = harness();
    const queue = new SlotQueue(h.ask, 10, 10, h.clock, h.sleep);
    await queue.take(); // slot 0 (and the block 0..900)
    h.advance(550); // busy: slots 100..400 went by
    await queue.take();
    expect(h.at()).toBe(550); // slot 500, late by less than an interval: taken now
    await queue.take();
    expect(h.at()).toBe(600);
  });

  it("gives up a slot it woke too late for, so starts held up together do not leave together", async () => {
    const h = harness();
    const queue = new SlotQueue(h.ask, 10, 10, h.clock, h.sleep);
    await queue.take(); // slot 0
    h.stall(250); // the wait for slot 100 ends at 350
    await queue.take();
    // Slot 100 (woken for at 350) and slot 200 are gone; slot 300, less than an interval ago, is taken at once.
    expect(h.at()).toBe(350);
    await queue.take();
    expect(h.at()).toBe(400);
  });
});

describe("two jobs on one connection", () => {
  let key: string;

  beforeAll(async () => {
    ({ key } = await createTenant("pace"));
    await createConnection("pace", "telnyx", "telnyx", TELNYX_FAKE_AUTH, { base_url: fakeProviderUrl() });
  });

  async function calls(flag: string, n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, (_, i) => `${flag}-${i}-${crypto.randomUUID()}`);
    await feed(ids.map((id) => report("pace", id, { connection: "telnyx", provider: "telnyx", flags: [flag] })));
    await waitForList(key, `flag=${flag}`, (listed) => listed.length === n);
    return ids;
  }

  async function untilAllDone(id: string, n: number): Promise<void> {
    const started = Date.now();
    for (;;) {
      const status = await (await asTenant(key, "GET", `/v1/bulk-hangups/${id}`)).json<{ done: number }>();
      if (status.done >= n) return;
      if (Date.now() - started > 25_000) throw new Error(`job ${id} stuck at ${status.done} of ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it("together never start more hangups a second than the connection's pace allows", async () => {
    // The tests' pace for Telnyx connections (vitest.config.ts): two jobs on their own pace would start twice as many.
    const rate = hangupRate("telnyx", readConfig(env).bulkHangupsPerSecond);
    expect(rate).toBe(2);
    const perJob = 8;
    const [a, b] = await Promise.all([calls("pace-a", perJob), calls("pace-b", perJob)]);
    const accepted = await Promise.all(
      ["pace-a", "pace-b"].map(async (flag) => (await asTenant(key, "POST", "/v1/bulk-hangups", { connection: "telnyx", match: { flags: [flag] }, reason: "pace" })).json<{ id: string }>()),
    );
    await Promise.all(accepted.map(({ id }) => untilAllDone(id, perJob)));

    const requests = (await Promise.all([...a!, ...b!].map((id) => providerRequests(id)))).flat() as (FakeRequest & { at: number })[];
    expect(requests).toHaveLength(2 * perJob);
    const starts = requests.map((r) => r.at).sort((x, y) => x - y);
    // The most starts the fake provider saw in any 2 s: twice the rate, and one more for a window that opens and closes on a slot.
    const busiest = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + 2_000).length));
    expect(busiest).toBeLessThanOrEqual(2 * rate + 1);
    // Both jobs were at work in the same seconds: they shared the pace rather than taking turns.
    const spans = [a!, b!].map((ids) => {
      const own = requests.filter((r) => ids.some((id) => r.path.includes(id))).map((r) => r.at);
      return [Math.min(...own), Math.max(...own)] as const;
    });
    expect(spans[0]![0] < spans[1]![1] && spans[1]![0] < spans[0]![1]).toBe(true);
  });

  it("the pace object grants a job its slots after every slot granted before", async () => {
    const pace = providerPaceObject(env, "pace", "shared-pace-probe", "hangups");
    const first = await pace.reserve(10, 10);
    const second = await pace.reserve(10, 10);
    expect(second.first_at).toBeGreaterThanOrEqual(first.first_at + first.count * first.interval_ms);
  });
});
