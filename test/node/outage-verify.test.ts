/**
 * The outage run's judge (scripts/load/outage-verify.ts): each way a watched fraud call can go wrong is
 * caught, a call that went right is not flagged, and the recovery time is measured from the right return.
 */
import { describe, expect, it } from "vitest";
import type { OutageCall } from "../../scripts/load/outage-provider";
import { outageProblemsOf, recoveryMs, storedHangupStatus } from "../../scripts/load/outage-verify";

const ended: OutageCall = { requests: 9, refused: 8, hangups: 1, requestsAfterHangup: 0, hungUpAt: 50_000 };

describe("outage run verdicts", () => {
  it("a call refused while down, then hung up once and recorded so, has no problem", () => {
    expect(outageProblemsOf(ended, "terminated")).toEqual([]);
  });

  it("catches each way a call goes wrong", () => {
    expect(outageProblemsOf({ ...ended, hangups: 0, hungUpAt: null }, "failed")).toEqual(["lost"]);
    expect(outageProblemsOf({ ...ended, hangups: 2 }, "terminated")).toEqual(["double_termination"]);
    expect(outageProblemsOf({ ...ended, requestsAfterHangup: 1 }, "terminated")).toEqual(["double_termination"]);
    expect(outageProblemsOf(ended, "failed")).toEqual(["misreported"]);
    expect(outageProblemsOf(ended, null)).toEqual(["misreported"]);
    expect(outageProblemsOf({ ...ended, hangups: 0, hungUpAt: null }, "terminated")).toEqual(["lost", "misreported"]);
  });
});

describe("recovery time", () => {
  it("runs from the provider's latest return before the hangup", () => {
    expect(recoveryMs(50_000, [10_000, 40_000, 70_000])).toBe(10_000);
    expect(recoveryMs(40_000, [10_000, 40_000])).toBe(0);
  });

  it("is not measured for a call never hung up, or hung up before any return", () => {
    expect(recoveryMs(null, [10_000])).toBeNull();
    expect(recoveryMs(5_000, [10_000])).toBeNull();
  });
});

describe("the stored outcome", () => {
  it("is the single hangup's outcome, or the latest round's where the record lists rounds", () => {
    expect(storedHangupStatus({ hangup: { status: "completed", outcome: { status: "terminated" } } })).toBe("terminated");
    expect(storedHangupStatus({ rounds: [{ outcome: { status: "failed" } }, { outcome: { status: "terminated" } }] })).toBe("terminated");
    expect(storedHangupStatus({ hangup: null })).toBeNull();
    expect(storedHangupStatus(null)).toBeNull();
  });
});
