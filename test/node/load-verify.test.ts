/**
 * The load run's judge (scripts/load/verify.ts): each way a call can go wrong is caught, and a call that
 * went right is not flagged. The run itself proves nothing if this does not.
 */
import { describe, expect, it } from "vitest";
import type { CallAtProvider } from "../../scripts/load/flaky-provider";
import { problemsOf, type Outcome, type Stored, type Told } from "../../scripts/load/verify";

const outcome: Outcome = { status: "terminated", attempts: 2, call_id: "c1" };
const told: Told = { httpStatus: 200, outcome };
const stored: Stored = { hangup: { status: "completed", outcome }, events: [{ type: "hangup.requested" }, { type: "hangup.completed" }] };
const atProvider: CallAtProvider = { requests: 2, injectedFailures: 1, hangups: 1, requestsAfterHangup: 0 };

describe("load run verdicts", () => {
  it("a call told, stored and carried out alike has no problem", () => {
    expect(problemsOf(told, stored, atProvider)).toEqual([]);
  });

  it("catches each way a call goes wrong", () => {
    expect(problemsOf({ httpStatus: 500, outcome: null }, stored, atProvider)).toContain("no_answer");
    expect(problemsOf({ error: "socket hang up" }, stored, atProvider)).toContain("no_answer");
    expect(problemsOf(told, null, atProvider)).toContain("lost");
    expect(problemsOf(told, { ...stored, hangup: { status: "pending", outcome: null } }, atProvider)).toContain("lost");
    expect(problemsOf(told, { ...stored, events: [...stored.events, { type: "hangup.completed" }] }, atProvider)).toContain("lost");
    expect(problemsOf(told, { ...stored, hangup: { status: "completed", outcome: { ...outcome, attempts: 3 } } }, atProvider)).toContain("mismatch");
    expect(problemsOf(told, stored, { ...atProvider, hangups: 2 })).toContain("duplicate_hangup");
    expect(problemsOf(told, stored, { ...atProvider, requestsAfterHangup: 1 })).toContain("duplicate_hangup");
    expect(problemsOf(told, stored, { ...atProvider, hangups: 0 })).toContain("untruthful");
    expect(problemsOf(told, stored, { ...atProvider, requests: 3 })).toContain("attempts_miscounted");
  });

  it("an attempt the provider carried out but whose answer never came excuses the next one's 'no such call', and only that", () => {
    const notFound: Outcome = { ...outcome, status: "not_found", attempts: 2 };
    const lostAnswer: Stored = { ...stored, hangup: { status: "completed", outcome: notFound }, attempts: [{ http_status: null }, { http_status: 404 }] };
    const hungUpByTheFirst: CallAtProvider = { requests: 2, injectedFailures: 0, hangups: 1, requestsAfterHangup: 1 };
    expect(problemsOf({ httpStatus: 200, outcome: notFound }, lostAnswer, hungUpByTheFirst)).toEqual([]);
    const everyAnswerHeard: Stored = { ...lostAnswer, attempts: [{ http_status: 503 }, { http_status: 404 }] };
    expect(problemsOf({ httpStatus: 200, outcome: notFound }, everyAnswerHeard, hungUpByTheFirst)).toEqual(expect.arrayContaining(["untruthful", "duplicate_hangup"]));
    expect(problemsOf({ httpStatus: 200, outcome: notFound }, lostAnswer, { ...hungUpByTheFirst, hangups: 2 })).toContain("duplicate_hangup");
  });

  it("a failed hangup is truthful only if the provider never hung the call up", () => {
    const failed: Outcome = { ...outcome, status: "failed", attempts: 4 };
    const failedStored: Stored = { ...stored, hangup: { status: "completed", outcome: failed } };
    const neverHungUp: CallAtProvider = { requests: 4, injectedFailures: 4, hangups: 0, requestsAfterHangup: 0 };
    expect(problemsOf({ httpStatus: 200, outcome: failed }, failedStored, neverHungUp)).toEqual([]);
    expect(problemsOf({ httpStatus: 200, outcome: failed }, failedStored, { ...neverHungUp, hangups: 1 })).toContain("untruthful");
  });
});
