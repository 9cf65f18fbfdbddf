/**
 * `npm run load`: the gateway running locally (the deployable bundle in workerd, scripts/lib/local-gateway.ts)
 * under load, judged call by call. Prints the counts; exits 1 on any loss, mismatch or double hangup.
 *
 *   npm run load -- [--calls 10000] [--concurrency 64] [--failure-rate 0.1]
 *       thousands of hangups of distinct calls in front of a provider failing a share of requests
 *       (scripts/load/without-loss.ts)
 *   npm run load -- --outage [--calls 2000] [--concurrency 64] [--down 30] [--up 30] [--bursts 3]
 *       registered, fraud-flagged, watched calls while the provider is down in bursts; every call must end
 *       terminated exactly once after the provider returns (scripts/load/outage.ts)
 *   npm run load -- --events [--calls 2000] [--concurrency 64] [--failure-rate 0.1] [--seed N]
 *       calls known only from Twilio's signed status callbacks, some sent twice or late, a share cut by the
 *       policy; every lifecycle, webhook and provider hangup judged (scripts/load/events.ts)
 *
 * Everything it starts (the provider, workerd, a temporary directory) is stopped and removed at the end.
 */
import { parseArgs } from "node:util";
import { randomSeed, runEvents } from "./load/events";
import { runOutage } from "./load/outage";
import { runWithoutLoss } from "./load/without-loss";

const DEFAULTS = { calls: 10_000, concurrency: 64, failureRate: 0.1 };
const OUTAGE_DEFAULTS = { calls: 2_000, concurrency: 64, downSeconds: 30, upSeconds: 30, bursts: 3 };
const EVENTS_DEFAULTS = { calls: 2_000 };

function positiveInteger(value: string | undefined, fallback: number, name: string): number {
  const number = Number(value ?? fallback);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer`);
  return number;
}

function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      outage: { type: "boolean" },
      events: { type: "boolean" },
      seed: { type: "string" },
      calls: { type: "string" },
      concurrency: { type: "string" },
      "failure-rate": { type: "string" },
      down: { type: "string" },
      up: { type: "string" },
      bursts: { type: "string" },
    },
  });
  if (values.outage && values.events) throw new Error("--outage and --events are two runs: choose one");
  if (values.seed !== undefined && !values.events) throw new Error("--seed needs --events");
  if (values.outage) {
    if (values["failure-rate"] !== undefined) throw new Error("--failure-rate is for the plain run; the outage run's provider fails by schedule (--down, --up, --bursts)");
    return runOutage({
      calls: positiveInteger(values.calls, OUTAGE_DEFAULTS.calls, "calls"),
      concurrency: positiveInteger(values.concurrency, OUTAGE_DEFAULTS.concurrency, "concurrency"),
      downSeconds: positiveInteger(values.down, OUTAGE_DEFAULTS.downSeconds, "down"),
      upSeconds: positiveInteger(values.up, OUTAGE_DEFAULTS.upSeconds, "up"),
      bursts: positiveInteger(values.bursts, OUTAGE_DEFAULTS.bursts, "bursts"),
    });
  }
  for (const outageOnly of ["down", "up", "bursts"] as const) if (values[outageOnly] !== undefined) throw new Error(`--${outageOnly} needs --outage`);
  const failureRate = Number(values["failure-rate"] ?? DEFAULTS.failureRate);
  if (!(failureRate >= 0 && failureRate < 1)) throw new Error("--failure-rate must be at least 0 and below 1");
  if (values.events) {
    return runEvents({
      calls: positiveInteger(values.calls, EVENTS_DEFAULTS.calls, "calls"),
      concurrency: positiveInteger(values.concurrency, DEFAULTS.concurrency, "concurrency"),
      failureRate,
      seed: values.seed === undefined ? randomSeed() : positiveInteger(values.seed, 0, "seed"),
    });
  }
  return runWithoutLoss({
    calls: positiveInteger(values.calls, DEFAULTS.calls, "calls"),
    concurrency: positiveInteger(values.concurrency, DEFAULTS.concurrency, "concurrency"),
    failureRate,
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
