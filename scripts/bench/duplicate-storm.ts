/**
 * The duplicate storm: a thousand hangups of one call, all in flight at once, each on its own
 * connection. The contract says the provider hears of it once and every caller gets the same outcome,
 * all but one marked `Idempotent-Replayed: true`. Those are asserted (a failure stops the run, quick
 * mode included); what is measured is how long callers wait while one object serialises them all.
 */
import type { FakeProvider } from "./fake-provider";
import type { Exchange, HttpTarget } from "./http-client";
import { BENCH_CONNECTION } from "./policy-fixtures";
import { ms, whole, type Measurement } from "./report";
import { elapsedMs, summarize, type Summary } from "./stats";

export const STORM_SIZE = 1_000;
const STORMS = { full: 3, quick: 1 };

interface Storm {
  callId: string;
  latency: Summary;
  wallMs: number;
  upstreamRequests: number;
}

/** The same JSON whatever the order of its keys: the contract asks for identical fields, not bytes. */
function canonical(json: string): string {
  return JSON.stringify(JSON.parse(json), (_key, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
}

function assertExactlyOnce(callId: string, answers: Exchange[], upstreamRequests: number): void {
  const fail = (what: string) => {
    throw new Error(`duplicate storm on ${callId}: ${what}`);
  };
  const wrong = answers.find((answer) => answer.status !== 200);
  if (wrong) fail(`an answer was ${wrong.status}: ${wrong.body.slice(0, 500)}`);
  if (upstreamRequests !== 1) fail(`the provider received ${upstreamRequests} hangups, not 1`);
  const outcomes = new Set(answers.map((answer) => canonical(answer.body)));
  if (outcomes.size !== 1) fail(`${outcomes.size} different outcomes among ${answers.length} answers`);
  const outcome = JSON.parse(answers[0]!.body) as { status?: string };
  if (outcome.status !== "terminated") fail(`the outcome is ${String(outcome.status)}, not terminated`);
  const performers = answers.filter((answer) => answer.headers["idempotent-replayed"] !== "true").length;
  if (performers !== 1) fail(`${performers} answers lack Idempotent-Replayed: true (exactly one must)`);
}

async function runStorm(target: HttpTarget, tenantKey: string, provider: FakeProvider, callId: string): Promise<Storm> {
  const request = () =>
    target.send("POST", `/v1/calls/${encodeURIComponent(callId)}/hangup`, {
      headers: { authorization: `Bearer ${tenantKey}` },
      json: { connection: BENCH_CONNECTION, reason: "duplicate storm" },
    });
  const started = process.hrtime.bigint();
  const answers = await Promise.all(Array.from({ length: STORM_SIZE }, request));
  const wallMs = elapsedMs(started, process.hrtime.bigint());
  const upstreamRequests = provider.hangupsFor(callId);
  assertExactlyOnce(callId, answers, upstreamRequests);
  return { callId, latency: summarize(answers.map((answer) => answer.ms)), wallMs, upstreamRequests };
}

/** `stormTarget` must allow STORM_SIZE sockets, so that every request is really in flight at once. */
export async function measureDuplicateStorm(stormTarget: HttpTarget, tenantKey: string, provider: FakeProvider, quick: boolean): Promise<Measurement> {
  const storms: Storm[] = [];
  for (let n = 1; n <= (quick ? STORMS.quick : STORMS.full); n++) storms.push(await runStorm(stormTarget, tenantKey, provider, `storm-${n}`));
  return {
    section: {
      title: "Duplicate storm: 1,000 concurrent hangups of one call",
      lead:
        `${whole(STORM_SIZE)} \`POST /v1/calls/{id}/hangup\` for the same new call, all sent at once on ${whole(STORM_SIZE)} connections, ` +
        `fake provider answering after ${provider.latencyMs} ms. Asserted on every storm: every answer 200, the same outcome (\`terminated\`), ` +
        `exactly one without \`Idempotent-Replayed: true\`, exactly one request at the provider.`,
      tables: [
        {
          header: ["storm", "answers", "upstream requests", "p50 ms", "p99 ms", "max ms", "all answered in ms"],
          rows: storms.map((storm) => [
            storm.callId,
            whole(storm.latency.count),
            String(storm.upstreamRequests),
            ms(storm.latency.p50),
            ms(storm.latency.p99),
            ms(storm.latency.max),
            ms(storm.wallMs),
          ]),
        },
      ],
      notes: [
        "The latency includes opening the connections (the first storm opens them, the others reuse them) and the client queueing 1,000 requests on one node event loop.",
      ],
    },
    checks: [],
    raw: storms,
  };
}
