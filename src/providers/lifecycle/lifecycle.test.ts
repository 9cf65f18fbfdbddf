/** The bounds every lifecycle event and status reading passes through: times, numbers, words, durations. */
import { describe, expect, it } from "vitest";
import { MAX_DURATION_SECONDS, e164, e164FromDigits, providerWord, seconds } from "./bounds";
import { lifecycleEvent } from "./event";
import { isoInstant, plivoInstant, rfc2822Instant } from "./times";

describe("times: each provider's documented format, strictly", () => {
  it.each([
    ["2026-05-01T09:32:00Z", "2026-05-01T09:32:00.000Z"],
    ["2026-05-01T09:32:00.521992Z", "2026-05-01T09:32:00.521Z"],
    ["2026-05-01T09:32:00.5Z", "2026-05-01T09:32:00.500Z"],
    ["2026-05-01T15:02:00+05:30", "2026-05-01T09:32:00.000Z"],
    ["2026-05-01T04:32:00-0500", "2026-05-01T09:32:00.000Z"],
  ])("ISO %s → %s", (value, expected) => {
    expect(isoInstant(value)).toBe(expected);
  });

  it.each([
    "2026-05-01T09:32:00", // no zone: which instant is not said
    "2026-05-01 09:32:00Z",
    "2026-02-30T00:00:00Z", // no such day
    "2026-05-01T24:00:00Z",
    "2026-05-01T09:32:00+15:00",
    "1970-01-01T00:00:00Z", // an unset epoch zero
    "2100-01-01T00:00:00Z",
    "May 1, 2026",
    "",
    "2026-05-01T09:32:00Z ",
  ])("ISO %j → null", (value) => {
    expect(isoInstant(value)).toBeNull();
  });

  it("RFC 2822 as Twilio writes it, with or without the weekday; nothing looser", () => {
    expect(rfc2822Instant("Tue, 31 Aug 2010 20:36:28 +0000")).toBe("2010-08-31T20:36:28.000Z");
    expect(rfc2822Instant("31 Aug 2010 22:36:28 +0200")).toBe("2010-08-31T20:36:28.000Z");
    expect(rfc2822Instant("Tue, 31 Aug 2010 20:36:28 GMT")).toBe("2010-08-31T20:36:28.000Z");
    for (const bad of ["Tue, 31 Foo 2010 20:36:28 +0000", "Tue, 31 Sep 2010 20:36:28 +0000", "2010-08-31T20:36:28Z", "Tue, 31 Aug 2010 20:36:28"]) {
      expect(rfc2822Instant(bad)).toBeNull();
    }
  });

  it("Plivo's `yyyy-MM-dd HH:mm:ss` is UTC without an offset, and honours one when given (its CDR examples)", () => {
    expect(plivoInstant("2026-05-01 09:32:00")).toBe("2026-05-01T09:32:00.000Z");
    expect(plivoInstant("2022-10-12 21:57:47+05:30")).toBe("2022-10-12T16:27:47.000Z");
    expect(plivoInstant("2026-05-01 09:32:00.123456")).toBe("2026-05-01T09:32:00.123Z");
    for (const bad of ["", "2026-05-01T09:32:00", "2026-13-01 09:32:00", "01-05-2026 09:32:00"]) expect(plivoInstant(bad)).toBeNull();
    expect(plivoInstant(undefined)).toBeNull();
  });
});

describe("bounds", () => {
  it("a provider word is cut to 64 characters, never inside one, without control characters", () => {
    expect(providerWord("x".repeat(100))).toHaveLength(64);
    const emoji = providerWord("😀".repeat(100))!;
    expect([...emoji]).toHaveLength(64);
    expect(emoji).toBe("😀".repeat(64));
    expect(providerWord("busy\r\nX-Injected: 1")).toBe("busy  X-Injected: 1");
    expect(providerWord("   ")).toBeNull();
    expect(providerWord(undefined)).toBeNull();
  });

  it.each([
    ["+14155550100", "+14155550100"],
    ["+442071838750", "+442071838750"],
    ["14155550100", null],
    ["+0123456", null],
    ["+1", null],
    ["+1234567890123456", null],
    ["sip:alice@example.com", null],
    ["client:alice", null],
    ["+1 415 555 0100", null],
    ["anonymous", null],
  ])("e164(%j) → %j", (value, expected) => {
    expect(e164(value)).toBe(expected);
  });

  it("international digits without `+` (Plivo, Vonage) become E.164; anything else is null", () => {
    expect(e164FromDigits("14155550100")).toBe("+14155550100");
    expect(e164FromDigits("+14155550100")).toBe("+14155550100");
    for (const bad of ["sip:alice@phone.plivo.com", "Unknown", "0044207", "", "1".repeat(16)]) expect(e164FromDigits(bad)).toBeNull();
  });

  it.each([
    [42, 42],
    ["42", 42],
    ["12.9", 12],
    [0, 0],
    [MAX_DURATION_SECONDS, MAX_DURATION_SECONDS],
    [MAX_DURATION_SECONDS + 1, null],
    [-1, null],
    ["-1", null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    ["1e9", null],
    ["", null],
    [null, null],
    [{}, null],
  ])("seconds(%j) → %j", (value, expected) => {
    expect(seconds(value)).toBe(expected);
  });
});

describe("lifecycleEvent: one shape, bounded, with its invariants", () => {
  it("an event that is not an end says nothing about an end, whatever the mapping passed", () => {
    expect(lifecycleEvent({
      callId: "c1", providerStatus: "ringing", state: "ringing", endedAt: "2026-05-01T09:32:00.000Z", durationSeconds: 5,
      cause: "busy", endedBy: "callee", providerCause: "USER_BUSY",
    })).toEqual({
      callId: "c1", providerStatus: "ringing", state: "ringing", occurredAt: null, from: null, to: null,
      startedAt: null, answeredAt: null, endedAt: null, durationSeconds: null, cause: null, endedBy: null, providerCause: null,
    });
  });

  it("an end always says a cause and who ended it, unknown when not told", () => {
    expect(lifecycleEvent({ callId: "c1", providerStatus: "hangup", state: "ended" })).toMatchObject({ cause: "unknown", endedBy: "unknown", providerCause: null });
  });

  it("re-checks what the mapping hands over: numbers, times, words", () => {
    const event = lifecycleEvent({
      callId: "c1", providerStatus: "s".repeat(500), state: "ended", from: "14155550100", to: "+14155550100",
      occurredAt: "not a time", endedAt: "2026-05-01T09:32:00.000Z", durationSeconds: "99999999", providerCause: "c".repeat(500),
    });
    expect(event).toMatchObject({ from: null, to: "+14155550100", occurredAt: null, endedAt: "2026-05-01T09:32:00.000Z", durationSeconds: null });
    expect(event.providerStatus).toHaveLength(64);
    expect(event.providerCause).toHaveLength(64);
  });
});
