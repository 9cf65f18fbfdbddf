/**
 * The README's typed-client example (examples/client.ts) runs as written against a running gateway:
 * it imports the package by name (`hangup-gateway/client`), hangs up a sandbox call and reads its record.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT, sharedGateway, type Gateway } from "./gateway-process";

const EXAMPLE = join(REPO_ROOT, "examples/client.ts");
const TENANT = "example";

let gateway: Gateway;

beforeAll(async () => {
  gateway = await sharedGateway();
});

afterAll(async () => {
  await gateway?.stop();
});

async function admin(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
  return (await res.json()) as Record<string, unknown>;
}

it("hangs up a sandbox call and reads its record", async () => {
  await admin("PUT", `/admin/tenants/${TENANT}`, {});
  await admin("PUT", `/admin/tenants/${TENANT}/connections/sandbox`, { provider: "sandbox", credentials: {} });
  const { key } = await admin("POST", `/admin/tenants/${TENANT}/keys`, {});

  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", EXAMPLE, "flaky-example"], {
    cwd: REPO_ROOT,
    env: { ...process.env, HANGUP_GATEWAY_URL: gateway.url, HANGUP_GATEWAY_KEY: key as string },
  });
  expect(stdout).toContain("flaky-example: terminated");
  expect(stdout).toContain("state ended, 2 attempt(s)");
});
