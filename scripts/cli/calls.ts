/**
 * `calls list` and `calls stop`: the tenant's call index and bulk hangups, for an operator at a
 * terminal (a table, a progress bar) or a script (JSON on stdout when piped). `calls stop` is the one
 * destructive command: it counts first, then asks in a terminal (`Hang up 4,012 live calls? [y/N]`), as
 * `gh repo delete` and `terraform apply` do; `--yes` answers for a script, and without a terminal to ask
 * and without `--yes` it refuses.
 */
import { createInterface } from "node:readline/promises";
import type { JobStatus } from "../../src/bulk/job-object";
import type { ListedCall } from "../../src/call-index/list-query";
import { defineCommand, listLimit, type OptionSpec } from "./command";
import { CliError } from "./errors";
import { apiKey, callGateway, gatewayUrl, KEY_OPTION, URL_OPTION } from "./gateway";
import { note, printResult } from "./output";

const POLL_MS = 500;
const BAR_WIDTH = 30;

const CONNECTION_OPTION = { type: "string", placeholder: "connection", description: "Only calls on this connection" } satisfies OptionSpec;

/** Comma-separated values of a repeatable criterion: `--flag irsf,wangiri`. */
function list(value: string | undefined): string[] | undefined {
  const items = value?.split(",").map((item) => item.trim()).filter(Boolean);
  return items?.length ? items : undefined;
}

/** Rows as aligned columns, for a person. */
export function renderTable(calls: ListedCall[]): string {
  const header = ["CALL ID", "CONNECTION", "STATE", "LIFECYCLE", "CAUSE", "HANGUP", "TO", "FLAGS", "CREATED"];
  const rows = calls.map((c) => [
    c.call_id,
    c.connection,
    c.state,
    c.lifecycle_state ?? "-",
    c.cause ?? "-",
    c.hangup_status ?? "-",
    c.to ?? "-",
    c.flags.join(",") || "-",
    c.created_at,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export function progressBar(status: JobStatus): string {
  const total = Math.max(status.matched, 1);
  const filled = Math.round((Math.min(status.done, total) / total) * BAR_WIDTH);
  const counts = { ...status.outcomes, skipped: status.skipped };
  const outcomes = Object.entries(counts).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`).join(", ");
  const retry = status.retry_at ? `; failed ones again at ${status.retry_at}` : "";
  return `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${status.done}/${status.matched}${outcomes ? ` (${outcomes})` : ""}${retry}`;
}

/** The question `calls stop` asks: `Hang up 4,012 live calls? [y/N] `. */
export function stopQuestion(matched: number): string {
  return `Hang up ${matched.toLocaleString("en-US")} live call${matched === 1 ? "" : "s"}? [y/N] `;
}

/** Asks on the terminal (prompt on stderr, so stdout stays the result); only y or yes agrees. */
async function confirm(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

export const callsList = defineCommand({
  name: "calls list",
  summary: "List the tenant's calls, newest first (GET /v1/calls, following every page up to --limit).",
  args: [],
  options: {
    connection: CONNECTION_OPTION,
    state: { type: "string", placeholder: "live|ended", description: "Only live or only ended calls" },
    status: { type: "string", placeholder: "status", description: "The hangup's latest outcome: terminated, already_ended, not_found, failed" },
    "lifecycle-state": { type: "string", placeholder: "state", description: "Where the call is in its life: initiated, ringing, answered, ended" },
    cause: { type: "string", placeholder: "cause", description: "Why the call ended: completed, busy, no_answer, rejected, canceled, failed, unknown" },
    flag: { type: "string", placeholder: "flag", description: "Only calls carrying this flag" },
    since: { type: "string", placeholder: "iso-time", description: "First seen at or after (ISO-8601)" },
    until: { type: "string", placeholder: "iso-time", description: "First seen before (ISO-8601)" },
    limit: { type: "string", placeholder: "n", description: "At most this many calls (default 50)" },
    key: KEY_OPTION,
    url: URL_OPTION,
  },
  notes: "A table when stdout is a terminal, JSON ({ calls }) when piped.",
  async run(_, values) {
    const limit = listLimit(values.limit);
    const base = gatewayUrl(values.url);
    const credentials = { apiKey: apiKey(values.key) };
    const calls: ListedCall[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = {};
      for (const name of ["connection", "state", "status", "cause", "flag", "since", "until"] as const) {
        const value = values[name];
        if (value !== undefined) query[name] = value;
      }
      if (values["lifecycle-state"] !== undefined) query.lifecycle_state = values["lifecycle-state"];
      query.limit = String(Math.min(500, limit - calls.length));
      if (cursor) query.cursor = cursor;
      // The operator's values go as given: the gateway's own validation answers a wrong one.
      const answer = await callGateway(base, "GET /v1/calls", credentials, (client) => client.v1.calls.$get({ query: query as never }));
      const page = answer.body as { calls: ListedCall[]; next_cursor: string | null };
      calls.push(...page.calls);
      cursor = page.next_cursor;
    } while (cursor && calls.length < limit);
    if (process.stdout.isTTY) process.stdout.write((calls.length ? renderTable(calls) : "No calls.") + "\n");
    else printResult({ calls });
  },
});

export const callsStop = defineCommand({
  name: "calls stop",
  summary: "Hang up many live calls at once (POST /v1/bulk-hangups): counts them first (dry run), then follows the job.",
  args: [],
  options: {
    connection: CONNECTION_OPTION,
    flag: { type: "string", placeholder: "flags", description: "Only calls carrying any of these flags (comma-separated)" },
    "to-prefix": { type: "string", placeholder: "prefixes", description: "Only calls whose `to` starts with any of these (comma-separated)" },
    "started-before": { type: "string", placeholder: "iso-time", description: "Only calls started before this (ISO-8601)" },
    reason: { type: "string", description: "Why, kept in every call's record (default: bulk hangup by CLI)" },
    "dry-run": { type: "boolean", description: "Only count: print what would be hung up, change nothing" },
    all: { type: "boolean", description: "Required to stop every live call of the tenant (no connection and no criterion)" },
    yes: { type: "boolean", description: "Do not ask before hanging up (for scripts; required when stdin is not a terminal)" },
    key: KEY_OPTION,
    url: URL_OPTION,
  },
  notes:
    "Counts the matching calls first, then asks on the terminal before hanging any up; --yes answers for scripts, and without a terminal it refuses unless --yes is given. " +
    "Progress goes to stderr; the job's final counts are printed on stdout as JSON. Protected calls are left alone and counted; calls that " +
    "ended before their turn are skipped and counted. Ctrl-C while following cancels the job (POST /v1/bulk-hangups/{id}/cancel).",
  async run(_, values) {
    const base = gatewayUrl(values.url);
    const credentials = { apiKey: apiKey(values.key) };
    const flags = list(values.flag);
    const prefixes = list(values["to-prefix"]);
    const match = {
      ...(flags ? { flags } : {}),
      ...(prefixes ? { to_prefixes: prefixes } : {}),
      ...(values["started-before"] ? { started_before: values["started-before"] } : {}),
    };
    const body = {
      ...(values.connection ? { connection: values.connection } : {}),
      ...(Object.keys(match).length ? { match } : {}),
      reason: values.reason ?? "bulk hangup by CLI",
      ...(values.all ? { all: true } : {}),
    };
    const submit = (json: typeof body & { dry_run?: boolean }) =>
      callGateway(base, "POST /v1/bulk-hangups", credentials, (client) => client.v1["bulk-hangups"].$post({ json: json as never }));
    const dry = (await submit({ ...body, dry_run: true })).body as {
      matched: number;
      protected: number;
      call_ids: string[];
    };
    note(`${dry.matched} live call${dry.matched === 1 ? "" : "s"} match; ${dry.protected} protected (skipped).`);
    if (values["dry-run"]) return printResult(dry);
    if (dry.matched === 0) return note("Nothing to stop.");
    if (!values.yes) {
      if (!process.stdin.isTTY) {
        throw new CliError(`Not hanging up ${dry.matched.toLocaleString("en-US")} live calls: stdin is not a terminal, so there is no one to ask. Pass --yes to hang them up without asking.`);
      }
      if (!(await confirm(stopQuestion(dry.matched)))) throw new CliError("Cancelled: no call was hung up.");
    }

    const accepted = (await submit(body)).body as { id: string };
    const read = async (id: string) =>
      (await callGateway(base, `GET /v1/bulk-hangups/${id}`, credentials, (client) => client.v1["bulk-hangups"][":id"].$get({ param: { id } }))).body as JobStatus;
    // The first Ctrl-C cancels the job (no call of it is sent afterwards); a second one quits at once.
    let interrupted = false;
    const interrupt = () => {
      interrupted = true;
    };
    process.once("SIGINT", interrupt);
    note(`Job ${accepted.id} accepted; following it (Ctrl-C cancels it).`);
    try {
      for (;;) {
        const status = interrupted
          ? ((
              await callGateway(base, `POST /v1/bulk-hangups/${accepted.id}/cancel`, credentials, (client) =>
                client.v1["bulk-hangups"][":id"].cancel.$post({ param: { id: accepted.id }, json: {} }),
              )
            ).body as JobStatus)
          : await read(accepted.id);
        if (process.stderr.isTTY) process.stderr.write(`\r${progressBar(status)}`);
        if (status.status !== "running") {
          process.stderr.write(process.stderr.isTTY ? "\n" : `${progressBar(status)}\n`);
          printResult(status);
          if (status.status === "cancelled") throw new CliError(`Job ${status.id} was cancelled; ${status.done} of ${status.matched} call(s) were done.`);
          if (status.outcomes.failed) throw new CliError(`${status.outcomes.failed} call(s) could not be hung up (failed); see \`call get\` for each.`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } finally {
      process.off("SIGINT", interrupt);
    }
  },
});
