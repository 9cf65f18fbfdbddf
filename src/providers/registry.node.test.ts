/**
 * One folder and one registry row per provider, nothing else: every provider folder is registered under
 * its own name with the callbacks its folder has, and every registered provider has its folder and (but
 * the simulated sandbox) its fake. Node, because it reads the folders.
 */
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { POLICY_PROVIDERS } from "../policy/schema";
import { PROVIDER_NAMES, getCallbackDialect, getProvider } from "./registry";

const root = new URL("./", import.meta.url);
const SHARED_FOLDERS = new Set(["callbacks", "lifecycle", "testing"]);
const folders = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !SHARED_FOLDERS.has(entry.name))
  .map((entry) => entry.name)
  .sort();
const has = (folder: string, file: string) => existsSync(new URL(`${folder}/${file}`, root));

describe("the provider registry", () => {
  it("lists exactly the provider folders, each under its folder's name", async () => {
    expect([...PROVIDER_NAMES].sort()).toEqual(folders);
    for (const folder of folders) {
      const module = (await import(new URL(`${folder}/index.ts`, root).href)) as Record<string, unknown>;
      expect(getProvider(folder)?.name).toBe(folder);
      expect(Object.values(module)).toContain(getProvider(folder));
    }
  });

  it("reads callbacks exactly from the folders that have callbacks.ts, and each has a fake but the sandbox", async () => {
    for (const folder of folders) {
      expect(getCallbackDialect(folder) !== undefined, folder).toBe(has(folder, "callbacks.ts"));
      expect(has(folder, "fake.ts"), folder).toBe(folder !== "sandbox");
      expect(has(folder, "index.test.ts"), folder).toBe(true);
    }
  });

  it("reads a call's status exactly where the folder has status.ts, and maps callbacks where it has lifecycle.ts", () => {
    for (const folder of folders) {
      expect(getProvider(folder)?.status !== undefined, folder).toBe(has(folder, "status.ts"));
      expect(has(folder, "lifecycle.ts"), folder).toBe(has(folder, "callbacks.ts"));
    }
  });

  it("is the policy schema's provider list, and knows no name outside it", () => {
    expect(POLICY_PROVIDERS).toBe(PROVIDER_NAMES);
    expect(getProvider("constructor")).toBeUndefined();
    expect(getCallbackDialect("__proto__")).toBeUndefined();
  });
});
