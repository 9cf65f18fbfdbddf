/**
 * Each isolate's view of a connection's circuit breaker (src/health/breaker-view.ts), against a health
 * object held in memory and a clock the test moves: several views stand for several isolates sharing one
 * health object. What must hold: a closed view decides alone; the failure that opens the circuit stops
 * every isolate's hangups within `maxAgeMs` of reaching the health object; one probe per cool-down (one
 * per isolate when the health object cannot be reached); a health object that fails or stalls never
 * stops a hangup; and an isolate remembers a bounded number of connections.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BreakerViews, VIEW_TIMING, type HealthObject } from "../src/health/breaker-view";
import { CLOSED, admit, record, type Admission, type BreakerConfig, type BreakerState, type HangupResult } from "../src/health/circuit-breaker";

const CONFIG: BreakerConfig = { failureThreshold: 3, failureWindowMs: 10_000, coolDownMs: 5_000, probeLeaseMs: 2_000 };
const T0 = 1_000_000;
const KEY = "acme/plivo";

/** up: answers at once; held: answers when the test releases it; down: fails; stalled: never answers. */
afterEach(() => {
  vi.restoreAllMocks();
});

type Mode = "up" | "held" | "down" | "stalled";

/** The connection's health object: the same state machine, answering at once (or failing, or never). */
class Health implements HealthObject {
  state: BreakerState = CLOSED;
  mode: Mode = "up";
  asks = { sync: 0, admit: 0 };
  /** When the state last turned from closed to open or half-open. */
  failingSince: number | null = null;

  constructor(private readonly clock: () => number) {}

  /** The outcomes each sync carried. */
  batches: number[] = [];

  sync(results: HangupResult[]): Promise<BreakerState> {
    this.batches.push(results.length);
    return this.answer("sync", () => {
      for (const result of results) this.set(record(this.state, result, this.clock(), CONFIG));
      return this.state;
    });
  }

  admit() {
    return this.answer("admit", () => {
      const admitted = admit(this.state, this.clock(), CONFIG);
      this.set(admitted.breaker);
      return admitted;
    });
  }

  private set(next: BreakerState): void {
    if (this.state.state === "closed" && next.state !== "closed") this.failingSince = this.clock();
    if (next.state === "closed") this.failingSince = null;
    this.state = next;
  }

  private held: (() => void)[] = [];

  /** Lets the held requests through, in the order they were sent. */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  private answer<T>(method: keyof Health["asks"], run: () => T): Promise<T> {
    this.asks[method]++;
    if (this.mode === "held") return new Promise<T>((resolve) => this.held.push(() => resolve(run())));
    if (this.mode === "down") return Promise.reject(new Error("unreachable"));
    if (this.mode === "stalled") return new Promise<T>(() => {});
    return Promise.resolve(run());
  }
}

/** An isolate: its views, and the work it left running after its answers (its waitUntil). */
class Isolate {
  readonly views: BreakerViews;
  private pending: Promise<unknown>[] = [];
  readonly waitUntil = (promise: Promise<unknown>) => void this.pending.push(promise);

  constructor(
    private readonly health: Health,
    clock: () => number,
    timing = VIEW_TIMING,
  ) {
    this.views = new BreakerViews(CONFIG, timing, clock);
  }

  admit(key = KEY): Promise<Admission> {
    return this.views.admit(key, () => this.health, this.waitUntil);
  }

  report(admission: Admission, result: HangupResult, key = KEY): void {
    this.views.report(key, admission, result, () => this.health, this.waitUntil);
  }

  /** Lets the background work finish (the health object has heard everything). */
  async settle(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }
}

function world(isolates: number) {
  let now = T0;
  const clock = () => now;
  const health = new Health(clock);
  return {
    health,
    isolates: Array.from({ length: isolates }, () => new Isolate(health, clock)),
    at: (t: number) => (now = t),
    advance: (ms: number) => (now += ms),
    now: clock,
  };
}

/** Opens the circuit from one isolate: threshold failures, heard by the health object. */
async function openFrom(isolate: Isolate, health: Health): Promise<void> {
  for (let i = 0; i < CONFIG.failureThreshold; i++) isolate.report(await isolate.admit(), "failure");
  await isolate.settle();
  expect(health.state.state).toBe("open");
}

describe("a view of a closed circuit", () => {
  it("decides alone while fresh, refreshes in the background once half stale, and waits only once stale", async () => {
    const { health, isolates, advance } = world(1);
    const [isolate] = isolates;
    // The first hangup of the connection in this isolate has nothing to go on: it asks.
    expect(await isolate!.admit()).toEqual({ kind: "send", reportSuccess: false });
    expect(health.asks.sync).toBe(1);

    for (let i = 0; i < 10; i++) {
      advance(VIEW_TIMING.refreshAfterMs / 10 - 1);
      const admission = await isolate!.admit();
      isolate!.report(admission, "success");
    }
    expect(health.asks).toEqual({ sync: 1, admit: 0 });

    // Half stale: decided from the view, refreshed behind it.
    health.mode = "stalled";
    advance(VIEW_TIMING.refreshAfterMs);
    expect(await isolate!.admit()).toMatchObject({ kind: "send" });
    expect(health.asks.sync).toBe(2);
  });

  it("a failure is in the view at once, and a success after it is reported so that the streak ends", async () => {
    const { health, isolates } = world(1);
    const [isolate] = isolates;
    isolate!.report(await isolate!.admit(), "failure");
    const next = await isolate!.admit();
    expect(next).toEqual({ kind: "send", reportSuccess: true });
    isolate!.report(next, "success");
    await isolate!.settle();
    expect(health.state).toEqual(CLOSED);
    expect(health.asks.sync).toBe(3);
  });
});

describe("outcomes", () => {
  it("reach the health object in order, one request at a time, and no answer loses those not sent yet", async () => {
    const { health, isolates } = world(1);
    const [isolate] = isolates as [Isolate];
    const admission = await isolate.admit();
    health.mode = "held";
    for (let i = 0; i < CONFIG.failureThreshold; i++) isolate.report(admission, "failure");
    // The view is open at once; one request is in flight, with the first failure.
    expect(await isolate.admit()).toMatchObject({ kind: "refuse" });
    expect(health.asks.sync).toBe(2);
    // Its answer (one failure) does not close the view: the two failures not sent yet are on top of it.
    health.release();
    // Answered, it sends the other two at once.
    await vi.waitFor(() => expect(health.asks.sync).toBe(3));
    expect(await isolate.admit()).toMatchObject({ kind: "refuse" });
    health.release();
    await isolate.settle();
    expect(health.state).toMatchObject({ state: "open", failures: CONFIG.failureThreshold });
  });
});

describe("the circuit opens for every isolate", () => {
  it(`within ${VIEW_TIMING.maxAgeMs} ms of the health object hearing the failure that opens it`, async () => {
    const { health, isolates, advance } = world(2);
    const [a, b] = isolates as [Isolate, Isolate];
    await b.admit(); // b's view: closed, fresh
    await openFrom(a, health);
    expect(await a.admit()).toMatchObject({ kind: "refuse" });
    // b has not heard yet, and need not for up to maxAgeMs: its view is what it decides from.
    advance(VIEW_TIMING.maxAgeMs - 1);
    expect(await b.admit()).toMatchObject({ kind: "send" });
    advance(1);
    expect(await b.admit()).toEqual({ kind: "refuse", retryAt: (health.state as { retryAt: number }).retryAt, failures: CONFIG.failureThreshold });
  });

  it("whatever the isolates do and whenever: no hangup is admitted later than that while the cool-down runs", async () => {
    type Step = { isolate: number; advanceMs: number; outcome: HangupResult | "none" };
    const step = fc.record({
      isolate: fc.integer({ min: 0, max: 2 }),
      advanceMs: fc.integer({ min: 0, max: 700 }),
      outcome: fc.constantFrom<Step["outcome"]>("failure", "failure", "success", "none"),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 80 }), async (steps) => {
        const { health, isolates, advance, now } = world(3);
        for (const { isolate, advanceMs, outcome } of steps) {
          advance(advanceMs);
          const { state, failingSince } = health;
          const refusing = (state.state === "open" && now() < state.retryAt) || (state.state === "half_open" && now() < state.probeLeaseUntil);
          const admission = await isolates[isolate]!.admit();
          if (failingSince !== null && refusing && now() >= failingSince + VIEW_TIMING.maxAgeMs) expect(admission.kind).toBe("refuse");
          if (admission.kind === "send" && outcome !== "none") isolates[isolate]!.report(admission, outcome);
          await isolates[isolate]!.settle();
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("probes", () => {
  it("after the cool-down, one hangup of all the isolates' is the probe; the others fail fast until it reports", async () => {
    const { health, isolates, advance } = world(3);
    await openFrom(isolates[0]!, health);
    advance(CONFIG.coolDownMs);
    const admissions = await Promise.all(isolates.flatMap((isolate) => Array.from({ length: 5 }, () => isolate.admit())));
    expect(admissions.filter((a) => a.kind === "send")).toHaveLength(1);
    // The probe succeeds: every isolate sends again within maxAgeMs.
    const prober = isolates[Math.floor(admissions.findIndex((a) => a.kind === "send") / 5)]!;
    prober.report(admissions.find((a) => a.kind === "send")!, "success");
    await prober.settle();
    advance(VIEW_TIMING.maxAgeMs);
    for (const isolate of isolates) expect(await isolate.admit()).toMatchObject({ kind: "send" });
  });

  it("with the health object unreachable, each isolate lets at most one probe out per cool-down", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { health, isolates, advance } = world(3);
    await openFrom(isolates[0]!, health);
    for (const isolate of isolates.slice(1)) expect(await isolate.admit()).toMatchObject({ kind: "refuse" }); // every view has seen it open
    health.mode = "down";
    advance(CONFIG.coolDownMs);
    const admissions = await Promise.all(isolates.map((isolate) => Promise.all(Array.from({ length: 5 }, () => isolate.admit()))));
    expect(admissions.map((own) => own.filter((a) => a.kind === "send").length)).toEqual([1, 1, 1]);
    // The probes fail: each view opens again on its own, for a whole cool-down.
    isolates.forEach((isolate, i) => isolate.report(admissions[i]!.find((a) => a.kind === "send")!, "failure"));
    advance(CONFIG.coolDownMs - 1);
    for (const isolate of isolates) expect(await isolate.admit()).toMatchObject({ kind: "refuse" });
  });
});

describe("a health object that cannot be reached never stops a hangup", () => {
  it("unreachable: every hangup is decided from the view (closed: sent), and the view still opens on its own failures", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { health, isolates, advance } = world(1);
    const [isolate] = isolates as [Isolate];
    health.mode = "down";
    for (let i = 0; i < CONFIG.failureThreshold; i++) {
      const admission = await isolate.admit();
      expect(admission.kind).toBe("send");
      isolate.report(admission, "failure");
      advance(VIEW_TIMING.maxAgeMs);
    }
    await isolate.settle();
    expect(await isolate.admit()).toMatchObject({ kind: "refuse" });
    expect(error).toHaveBeenCalled();
  });

  it("stalled: the hangups of a stale view wait for it at most askTimeoutMs in all, then go on", async () => {
    const { health } = world(0);
    const isolate = new Isolate(health, () => T0, { ...VIEW_TIMING, askTimeoutMs: 30 });
    health.mode = "stalled";
    // The ask never answers: without the timeout these would wait forever (and the test time out).
    const admissions = await Promise.all(Array.from({ length: 5 }, () => isolate.admit()));
    expect(admissions.every((a) => a.kind === "send")).toBe(true);
    expect(health.asks.sync).toBe(1);
  });
});

describe("memory", () => {
  it(`holds at most maxUnsent outcomes for a health object that does not answer`, async () => {
    const { health, isolates } = world(1);
    const [isolate] = isolates as [Isolate];
    const admission = await isolate.admit();
    health.mode = "held";
    isolate.report(admission, "failure"); // in flight, held
    for (let i = 0; i < VIEW_TIMING.maxUnsent + 50; i++) isolate.report(admission, "failure");
    health.release();
    await vi.waitFor(() => expect(health.batches).toHaveLength(3));
    expect(health.batches).toEqual([0, 1, VIEW_TIMING.maxUnsent]);
  });

  it("an isolate remembers at most maxConnections connections, the first remembered forgotten first", async () => {
    const { health } = world(0);
    const isolate = new Isolate(health, () => T0, { ...VIEW_TIMING, maxConnections: 3 });
    for (const key of ["t/a", "t/b", "t/c", "t/d"]) await isolate.admit(key);
    expect(isolate.views.size).toBe(3);
    expect(health.asks.sync).toBe(4);
    await isolate.admit("t/d"); // still remembered: no ask
    expect(health.asks.sync).toBe(4);
    await isolate.admit("t/a"); // forgotten: asked again
    expect(health.asks.sync).toBe(5);
  });
});
