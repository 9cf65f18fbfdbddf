/**
 * The rule kinds that decide where, when, how many and how often calls may run: `destinations`,
 * `calling_hours`, and the two that judge calls together, `concurrency` and `velocity` (counted by
 * src/counters/). Country codes are checked against the numbering plan, zones against the runtime's
 * `Intl`, so a rule that could never match is refused at publish rather than silently ignored.
 */
import { z } from "zod";
import { isTimeZone } from "./local-time";
import { isPlanCountry } from "./numbering";
import { expecting, list, rule } from "./schema-parts";

/** Far above any trunk or number, small enough to count exactly in one object. */
const MAX_LIMIT = 1_000_000;
/** Velocity keeps every registration of the window: 30 days bounds its storage. */
const MAX_WINDOW_SECONDS = 30 * 24 * 3600;

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

const DESTINATION_FORM = 'an E.164 prefix such as "+4470" or a country such as "country:CU"';

const Destination = z.string(expecting(`${DESTINATION_FORM} (in YAML, quote a prefix: +4470 alone is a number)`)).superRefine((value, ctx) => {
  if (/^\+[0-9]{1,15}$/.test(value)) return;
  const country = /^country:(.*)$/.exec(value)?.[1];
  if (country === undefined) ctx.addIssue({ code: "custom", message: `must be ${DESTINATION_FORM}` });
  else if (!isPlanCountry(country)) {
    ctx.addIssue({
      code: "custom",
      message: `unknown country code "${country}": must be an ISO 3166-1 alpha-2 code of the numbering plan, in capitals, such as "country:CU"`,
    });
  }
});

const Limit = (what: string) =>
  z
    .number(expecting(`a whole number of ${what}`))
    .int(`must be a whole number of ${what}`)
    .min(1, "must be at least 1")
    .max(MAX_LIMIT, `must be at most ${MAX_LIMIT.toLocaleString("en-US")}`);

const ClockTime = z
  .string(expecting('a time of day such as "08:00"'))
  .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be a time of day HH:MM from "00:00" to "23:59", such as "08:00"');

export const DestinationsRule = rule(
  "destinations",
  {
    deny: list(Destination, "destinations")
      .optional()
      .describe('Called numbers (`to`) starting with one of these prefixes, or in one of these countries, are hung up at once.'),
    allow: list(Destination, "destinations")
      .optional()
      .describe("When given, a called number matching none of these is hung up at once. A number of no country (+882, +883) is in no `country:` list."),
  },
  "DestinationsRule",
  "Hangs up, at once, registered calls to denied destinations or (with `allow`) to any other. Deny overrides allow. A call without `to` is not judged.",
).superRefine(
  (value, ctx) => {
    if (value.deny === undefined && value.allow === undefined) ctx.addIssue({ code: "custom", message: "required: deny or allow (or both)" });
  },
  { when: (payload) => isObject(payload.value) }, // reported with every other problem of the rule
);

export const ConcurrencyRule = rule(
  "concurrency",
  {
    max_live: Limit("calls").describe("At most this many live calls matching the rule at once, per `per` value."),
    per: z
      .enum(["tenant", "connection", "to_country", "from"], { error: () => 'must be "tenant", "connection", "to_country" or "from"' })
      .describe("What is counted apart: the tenant, the connection, the called number's country, or the calling number."),
  },
  "ConcurrencyRule",
  "Hangs up, at once, a registered call that would make the live calls of its tenant, connection, destination country or calling number exceed max_live.",
);

export const CallingHoursRule = rule(
  "calling_hours",
  {
    time_zone: z
      .string(expecting('an IANA time zone such as "America/New_York", or "destination"'))
      .refine((zone) => zone === "destination" || isTimeZone(zone), 'must be an IANA time zone such as "America/New_York", or "destination"')
      .describe('An IANA zone, or "destination": the called number\'s country\'s zone (README, "Destination time zones").'),
    from: ClockTime.describe("The window opens at this local time (24-hour HH:MM)."),
    until: ClockTime.describe("The window closes at this local time (exclusive); earlier than `from`: a window over midnight."),
    days: list(z.enum(WEEKDAYS, { error: () => `must be one of ${WEEKDAYS.join(", ")}` }), "days")
      .optional()
      .describe("The days the window opens on (a window over midnight belongs to the day it opens on). Default: every day."),
  },
  "CallingHoursRule",
  "Hangs up registered calls outside a daily calling window: at once when registered outside it, at its close when still live.",
).superRefine(
  (value, ctx) => {
    if (typeof value.from === "string" && value.from === value.until) {
      ctx.addIssue({ code: "custom", path: ["until"], message: "must differ from `from` (a window of no time, or of the whole day: leave the rule out)" });
    }
  },
  { when: (payload) => isObject(payload.value) }, // reported with every other problem of the rule
);

export const VelocityRule = rule(
  "velocity",
  {
    max_calls: Limit("calls").describe("At most this many calls per `per` number registered within any window_seconds."),
    window_seconds: z
      .number(expecting("a whole number of seconds"))
      .int("must be a whole number of seconds")
      .min(1, "must be at least 1")
      .max(MAX_WINDOW_SECONDS, `must be at most ${MAX_WINDOW_SECONDS} (30 days)`)
      .describe("The sliding window, in seconds."),
    per: z.enum(["to", "from"], { error: () => 'must be "to" or "from"' }).describe("Count per called number (`to`) or per calling number (`from`)."),
  },
  "VelocityRule",
  "Hangs up, at once, a registration beyond max_calls for the same number within window_seconds. Every registration counts, whatever became of its call.",
);
