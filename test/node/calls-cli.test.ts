/**
 * `calls list` and `calls stop` against a real `wrangler dev` (queue consumer and D1 included), run as an
 * operator runs them: calls registered through the API reach the index by themselves, `calls list` prints
 * them as JSON when piped, and `calls stop` counts first (dry run), asks before it hangs up (in a terminal;
 * `--yes` for scripts; refused without either), then follows the job to its end, whose audit entry names
 * the key that ran it (or cancels it on Ctrl-C).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, sharedGateway, type Gateway } from "./gateway-process";

const BIN = join(REPO_ROOT, "scripts/hangup-gateway.mjs");
const TENANT = "cli-index";

let gateway: Gateway;
let key: string;
let keyId: string;

async function api(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  gateway = await sharedGateway();
  expect((await api("PUT", `/admin/tenants/${TENANT}`, gateway.adminToken, { name: "CLI index" })).status).toBeLessThan(300);
  ({ key, id: keyId } = (await (await api("POST", `/admin/tenants/${TENANT}/keys`, gateway.adminToken, {})).json()) as { key: string; id: string });
  expect((await api("PUT", `/admin/tenants/${TENANT}/connections/sandbox`, gateway.adminToken, { provider: "sandbox", credentials: {} })).status).toBeLessThan(300);
});

afterAll(async () => {
  await gateway?.stop();
});

function cliEnv(): NodeJS.ProcessEnv {
  const { HANGUP_GATEWAY_KEY: _ignored, ...inherited } = process.env;
  return { ...inherited, HANGUP_GATEWAY_URL: gateway.url, HANGUP_GATEWAY_KEY: key };
}

/** Runs the CLI; `interruptOn`: sends it Ctrl-C (SIGINT) once its stderr says this. */
async function cli(args: string[], interruptOn?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: cliEnv() });
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (interruptOn && !interrupted && stderr.includes(interruptOn)) interrupted = child.kill("SIGINT");
  });
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal does, and types
 * `answer` once the question is on the screen.
 */
async function inTerminal(args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, env: cliEnv() });
  let output = "";
  let answered = false;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (!answered && output.includes("[y/N]")) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

describe("calls list and calls stop", () => {
  const ids = ["live-cli-index-1", "live-cli-index-2", "live-cli-index-3"];

  it("lists registered calls (JSON when piped) once the index has them", async () => {
    for (const call_id of ids) {
      const res = await api("POST", "/v1/calls", key, { call_id, connection: "sandbox", to: "+14155550100", flags: ["cli"] });
      expect(res.status, await res.text()).toBe(201);
    }
    const started = Date.now();
    let listed: { call_id: string; state: string }[] = [];
    while (listed.length < ids.length) {
      expect(Date.now() - started, "listed within 10 s").toBeLessThan(10_000);
      const run = await cli(["calls", "list", "--state", "live", "--flag", "cli"]);
      expect(run.code, run.stderr).toBe(0);
      listed = (JSON.parse(run.stdout) as { calls: { call_id: string; state: string }[] }).calls;
    }
    expect(listed.map((c) => c.call_id).sort()).toEqual(ids);
  });

  it("stop --dry-run counts and changes nothing; stop hangs them up and prints the job's counts", async () => {
    const dry = await cli(["calls", "stop", "--connection", "sandbox", "--flag", "cli", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, matched: 3, protected: 0 });
    expect(dry.stderr).toContain("3 live calls match");

    // Piped, as a script runs it: without --yes there is no one to ask, so it refuses and stops nothing.
    const refused = await cli(["calls", "stop", "--connection", "sandbox", "--flag", "cli", "--reason", "cli sweep"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("3 live calls match");
    expect(refused.stderr).toContain("--yes");
    expect(refused.stdout).toBe("");
    const still = await cli(["calls", "stop", "--connection", "sandbox", "--flag", "cli", "--dry-run"]);
    expect(JSON.parse(still.stdout)).toMatchObject({ matched: 3 });

    const run = await cli(["calls", "stop", "--connection", "sandbox", "--flag", "cli", "--reason", "cli sweep", "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    const finished = JSON.parse(run.stdout) as { id: string };
    expect(finished).toMatchObject({ matched: 3, done: 3, status: "completed", outcomes: { terminated: 3 } });
    expect(run.stderr).toMatch(/3\/3/);

    // The job's audit entry names the key that ran it.
    const audit = (await (await api("GET", `/admin/audit?tenant=${TENANT}&action=bulk.started`, gateway.adminToken)).json()) as { entries: Record<string, unknown>[] };
    expect(audit.entries).toEqual([expect.objectContaining({ actor: `key:${keyId}`, action: "bulk.started", target: `bulk-hangups/${finished.id}` })]);
  });

  it("lists by lifecycle state and cause (the stopped calls: ended, completed), with both columns in a terminal", async () => {
    const args = ["calls", "list", "--flag", "cli", "--lifecycle-state", "ended", "--cause", "completed"];
    const started = Date.now();
    let listed: { call_id: string; lifecycle_state: string | null; cause: string | null }[] = [];
    while (listed.length < ids.length) {
      expect(Date.now() - started, "listed within 10 s").toBeLessThan(10_000);
      const run = await cli(args);
      expect(run.code, run.stderr).toBe(0);
      listed = (JSON.parse(run.stdout) as { calls: typeof listed }).calls;
    }
    expect(listed.map((c) => [c.call_id, c.lifecycle_state, c.cause]).sort()).toEqual(ids.map((id) => [id, "ended", "completed"]));
    const none = await cli(["calls", "list", "--flag", "cli", "--lifecycle-state", "answered"]);
    expect(JSON.parse(none.stdout)).toEqual({ calls: [] });

    const table = await inTerminal(args, "");
    expect(table.code, table.output).toBe(0);
    expect(table.output).toMatch(/CALL ID\s+CONNECTION\s+STATE\s+LIFECYCLE\s+CAUSE\s+HANGUP/);
    for (const id of ids) expect(table.output).toMatch(new RegExp(`${id}\\s+sandbox\\s+ended\\s+ended\\s+completed\\s+terminated`));
  });

  it("refuses a cause or lifecycle state the gateway does not know, with its reason", async () => {
    for (const [option, value, field] of [["--cause", "hung-up", "cause"], ["--lifecycle-state", "live", "lifecycle_state"]] as const) {
      const run = await cli(["calls", "list", option, value]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(field);
    }
  });

  it("in a terminal, shows the count and asks: anything but y stops nothing, y hangs them up", async () => {
    const tty = ["live-cli-tty-1", "live-cli-tty-2"];
    for (const call_id of tty) expect((await api("POST", "/v1/calls", key, { call_id, connection: "sandbox", flags: ["tty"] })).status).toBe(201);
    const args = ["calls", "stop", "--connection", "sandbox", "--flag", "tty", "--reason", "asked first"];
    let matched = 0;
    const started = Date.now();
    while (matched < tty.length) {
      expect(Date.now() - started, "listed within 10 s").toBeLessThan(10_000);
      matched = (JSON.parse((await cli([...args, "--dry-run"])).stdout) as { matched: number }).matched;
    }

    const declined = await inTerminal(args, "n");
    expect(declined.output).toContain("Hang up 2 live calls? [y/N]");
    expect(declined.code).toBe(1);
    expect(declined.output).toContain("Cancelled");
    expect((JSON.parse((await cli([...args, "--dry-run"])).stdout) as { matched: number }).matched).toBe(2);

    const agreed = await inTerminal(args, "y");
    expect(agreed.output).toContain("Hang up 2 live calls? [y/N]");
    expect(agreed.code, agreed.output).toBe(0);
    expect(agreed.output).toMatch(/"status": "completed"/);
  });

  it("audit list prints a table in a terminal: the tenant's own entries with --key", async () => {
    const run = await inTerminal(["audit", "list", "--key", key], "");
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/AT\s+TENANT\s+ACTOR\s+ACTION\s+TARGET\s+REQUEST ID/);
    expect(run.output).toMatch(new RegExp(`${TENANT}\\s+key:${keyId}\\s+bulk\\.started\\s+bulk-hangups/bh_`));
  });

  it("stop: Ctrl-C while following cancels the job", async () => {
    for (const call_id of ["live-cli-cancel-1", "live-cli-cancel-2"]) {
      expect((await api("POST", "/v1/calls", key, { call_id, connection: "sandbox", flags: ["cli-cancel"] })).status).toBe(201);
    }
    for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 200))) {
      const listed = (await (await api("GET", "/v1/calls?flag=cli-cancel&state=live", key)).json()) as { calls: unknown[] };
      if (listed.calls.length === 2) break;
      expect(Date.now() - started, "listed within 10 s").toBeLessThan(10_000);
    }
    // The job runs for at least its final pass (10 s after acceptance), so the interrupt finds it running.
    const run = await cli(["calls", "stop", "--connection", "sandbox", "--flag", "cli-cancel", "--yes"], "accepted");
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ matched: 2, status: "cancelled" });
    expect(run.stderr).toContain("cancelled");
  });

  it("refuses to stop everything without --all", async () => {
    const run = await cli(["calls", "stop"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("all");
  });
});
