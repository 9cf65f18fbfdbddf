/**
 * The operator CLI against a running gateway, run the way an operator runs it (`npx hangup-gateway`, the
 * package's bin): a tenant, a key, a connection whose credentials come from stdin, then a sandbox call
 * hung up through the API with that key. Failures print the problem's detail and errors and exit non-zero;
 * secrets never travel in argv nor come back out.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../scripts/cli/commands";
import { REPO_ROOT, startGateway, type Gateway } from "./gateway-process";

const BIN = join(REPO_ROOT, "scripts/hangup-gateway.mjs");
const PLIVO_TOKEN = "plivo-token-that-must-never-be-printed";
const TENANT = "cli-acme";

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's bin against the test gateway, with the admin token in the environment. */
async function cli(args: string[], { stdin = "", env = {} }: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const { HANGUP_GATEWAY_KEY: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...inherited, HANGUP_GATEWAY_URL: gateway.url, ADMIN_TOKEN: gateway.adminToken, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

function json(run: Run): Record<string, unknown> {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe("hangup-gateway CLI", () => {
  let apiKey: string;

  it("creates a tenant, a key and a sandbox connection (credentials from stdin), and the key hangs up a call", async () => {
    expect(json(await cli(["tenant", "put", TENANT, "--name", "Acme via CLI"]))).toMatchObject({ id: TENANT, name: "Acme via CLI" });

    const issued = json(await cli(["key", "create", TENANT, "--name", "cli-test"]));
    expect(issued.key).toMatch(/^hgw_/);
    apiKey = issued.key as string;

    const connection = json(await cli(["connection", "put", TENANT, "sandbox", "--provider", "sandbox", "--credentials-file", "-"], { stdin: "{}" }));
    expect(connection).toMatchObject({ id: "sandbox", tenant: TENANT, provider: "sandbox" });

    const res = await fetch(`${gateway.url}/v1/calls/cli-call-1/hangup`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ connection: "sandbox", reason: "created with the CLI" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ call_id: "cli-call-1", tenant: TENANT, status: "terminated" });
  });

  it("hangs up and reads a call as the tenant", async () => {
    const hangup = await cli(["call", "hangup", "flaky-cli-2", "--connection", "sandbox", "--key", apiKey, "--reason", "operator"]);
    expect(json(hangup)).toMatchObject({ call_id: "flaky-cli-2", status: "terminated", attempts: 2 });
    expect(hangup.stderr).toContain("terminated");

    const record = json(await cli(["call", "get", "flaky-cli-2", "--connection", "sandbox"], { env: { HANGUP_GATEWAY_KEY: apiKey } }));
    expect(record).toMatchObject({ call_id: "flaky-cli-2", state: "ended" });
  });

  it("never echoes credentials, and refuses to take them from argv", async () => {
    const stored = await cli(["connection", "put", TENANT, "plivo", "--provider", "plivo", "--credentials-file", "-"], {
      stdin: JSON.stringify({ auth_id: "MAXXXXXXXXXXXXXXXXXX", auth_token: PLIVO_TOKEN }),
    });
    expect(json(stored)).toMatchObject({ provider: "plivo", credential_fields: ["auth_id", "auth_token"] });
    expect(stored.stdout + stored.stderr).not.toContain(PLIVO_TOKEN);

    const shown = await cli(["connection", "get", TENANT, "plivo"]);
    expect(json(shown)).toMatchObject({ provider: "plivo", credential_fields: ["auth_id", "auth_token"] });
    expect(shown.stdout + shown.stderr).not.toContain(PLIVO_TOKEN);

    const watching = await cli(["connection", "put", TENANT, "plivo", "--provider", "plivo", "--credentials-file", "-", "--watch", "all", "--reconcile", "false"], {
      stdin: JSON.stringify({ auth_id: "MAXXXXXXXXXXXXXXXXXX", auth_token: PLIVO_TOKEN }),
    });
    expect(json(watching)).toMatchObject({ provider: "plivo", watch: "all", reconcile: false });
    const badReconcile = await cli(["connection", "put", TENANT, "plivo", "--provider", "plivo", "--credentials-file", "-", "--reconcile", "yes"], {
      stdin: JSON.stringify({ auth_id: "MAXXXXXXXXXXXXXXXXXX", auth_token: PLIVO_TOKEN }),
    });
    expect(badReconcile.code).toBe(1);
    expect(badReconcile.stderr).toContain("reconcile");

    const inArgv = await cli(["connection", "put", TENANT, "plivo", "--provider", "plivo", "--credentials", "{}"]);
    expect(inArgv.code).toBe(2);
    expect(inArgv.stderr).toContain("--credentials");
  });

  it("prints the problem's detail and every error, and exits 1", async () => {
    const run = await cli(["connection", "put", TENANT, "plivo-bad", "--provider", "plivo", "--credentials-file", "-"], { stdin: '{"auth_id":"MA"}' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("422 invalid_request: The credentials are not valid for plivo");
    expect(run.stderr).toMatch(/^ {2}credentials\.auth_token: /m);

    const unauthorized = await cli(["tenant", "put", TENANT], { env: { ADMIN_TOKEN: "wrong" } });
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain("401 unauthorized");

    const unreachable = await cli(["tenant", "put", TENANT, "--url", "http://127.0.0.1:9"]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("Could not reach the gateway");
  });

  it("revokes a key, which stops working at once", async () => {
    const issued = json(await cli(["key", "create", TENANT]));
    const revoked = await cli(["key", "revoke", TENANT, issued.id as string]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const res = await fetch(`${gateway.url}/v1/calls/x?connection=sandbox`, { headers: { authorization: `Bearer ${issued.key as string}` } });
    expect(res.status).toBe(401);
  });

  it("issues a key with only some scopes, lists every key's scopes, and refuses an unknown or empty list", async () => {
    const limited = json(await cli(["key", "create", TENANT, "--name", "reader", "--scopes", "calls:read,calls:hangup"]));
    expect(limited.scopes).toEqual(["calls:read", "calls:hangup"]);
    const { keys } = json(await cli(["key", "list", TENANT])) as { keys: { id: string; scopes: string[] }[] };
    expect(keys.find((k) => k.id === limited.id)?.scopes).toEqual(["calls:read", "calls:hangup"]);
    expect(keys.find((k) => k.id !== limited.id)?.scopes).toEqual(["calls:read", "calls:hangup", "calls:register", "bulk", "policies:evaluate"]);

    const unknown = await cli(["key", "create", TENANT, "--scopes", "calls:read,calls:everything"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("422 invalid_request");
    expect(unknown.stderr).toMatch(/^ {2}scopes\.1: /m);
    const empty = await cli(["key", "create", TENANT, "--scopes", ""]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^ {2}scopes: /m);

    // The limited key is refused what it may not do, naming the scope.
    const refused = await cli(["calls", "stop", "--connection", "sandbox", "--dry-run", "--key", limited.key as string]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("403 insufficient_scope");
    expect(refused.stderr).toContain("bulk");
  });

  it("lists the audit trail: the operator's (JSON when piped), or a tenant's own with --key", async () => {
    const all = json(await cli(["audit", "list", "--tenant", TENANT, "--limit", "500"])) as { entries: { action: string; actor: string; tenant: string }[] };
    const actions = new Set(all.entries.map((e) => e.action));
    for (const action of ["tenant.put", "key.created", "key.revoked", "connection.put"]) expect(actions, action).toContain(action);
    expect(all.entries.every((e) => e.tenant === TENANT && e.actor === "admin")).toBe(true);

    const created = json(await cli(["audit", "list", "--action", "key.created", "--limit", "2"])) as { entries: { action: string }[] };
    expect(created.entries).toHaveLength(2);
    expect(created.entries.every((e) => e.action === "key.created")).toBe(true);

    const own = json(await cli(["audit", "list", "--key", apiKey])) as { entries: { tenant: string }[] };
    expect(own.entries.length).toBeGreaterThan(0);
    expect(own.entries.every((e) => e.tenant === TENANT)).toBe(true);

    const bad = await cli(["audit", "list", "--since", "yesterday"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("422 invalid_request");
  });

  it("publishes a policy through scripts/policies.ts, with the token it found", async () => {
    const run = await cli(["policy", "publish", "policies/default.yaml"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Published policies\/default\.yaml as sha256:[0-9a-f]{16}/);
  });

  it("answers --help for every command, and a usage error with exit 2", async () => {
    const runs = await Promise.all(COMMANDS.map((command) => cli([...command.name.split(" "), "--help"])));
    COMMANDS.forEach((command, i) => {
      expect(runs[i]!.code, command.name).toBe(0);
      expect(runs[i]!.stdout).toContain(`Usage: hangup-gateway ${command.name}`);
    });
    expect((await cli(["--help"])).stdout).toContain("call hangup");
    const missing = await cli(["connection", "put", TENANT, "x", "--credentials-file", "-"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--provider");
  });
});
