/**
 * The CLI's access commands against a running gateway: `key list` shows ids and names, never keys;
 * `tenant disable` stops the tenant's keys at once and `tenant enable` restores them.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, sharedGateway, type Gateway } from "./gateway-process";

const BIN = join(REPO_ROOT, "scripts/hangup-gateway.mjs");
const TENANT = "cli-access";

let gateway: Gateway;

beforeAll(async () => {
  gateway = await sharedGateway();
});

afterAll(async () => {
  await gateway?.stop();
});

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { HANGUP_GATEWAY_KEY: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...inherited, HANGUP_GATEWAY_URL: gateway.url, ADMIN_TOKEN: gateway.adminToken } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

async function json(args: string[]): Promise<Record<string, unknown>> {
  const run = await cli(args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** 404 (no such call) means the key was accepted; 401 that it was not. */
async function probe(key: string): Promise<number> {
  return (await fetch(`${gateway.url}/v1/calls/x?connection=none`, { headers: { authorization: `Bearer ${key}` } })).status;
}

describe("key list, tenant disable, tenant enable", () => {
  it("lists keys without the key, and disabling stops them until enabled", async () => {
    await json(["tenant", "put", TENANT, "--name", "Access"]);
    const issued = await json(["key", "create", TENANT, "--name", "ops"]);
    const list = await cli(["key", "list", TENANT]);
    expect(list.code, list.stderr).toBe(0);
    expect(issued.scopes).toEqual(expect.arrayContaining(["calls:hangup"]));
    expect(JSON.parse(list.stdout)).toEqual({ keys: [{ id: issued.id, name: "ops", created_at: issued.created_at, scopes: issued.scopes }] });
    expect(list.stdout).not.toContain(issued.key as string);

    expect(await probe(issued.key as string)).toBe(404);
    expect(await json(["tenant", "disable", TENANT])).toMatchObject({ id: TENANT, disabled: true });
    expect(await probe(issued.key as string)).toBe(401);
    expect(await json(["tenant", "enable", TENANT])).toMatchObject({ id: TENANT, disabled: false });
    expect(await probe(issued.key as string)).toBe(404);
  });
});
