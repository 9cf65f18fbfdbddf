/**
 * The modules wrangler.toml's `[alias]` swaps into the bundle (scripts/build/stand-ins/) export exactly what
 * the modules they replace export, so an upgrade of zod or zod-to-openapi that adds or renames an export
 * fails here, not as an `undefined` in the deployed Worker; and the running bundle (`wrangler dev` aliases
 * as `wrangler deploy` does) still speaks zod's English. Where each alias may apply is proven on every
 * build, from esbuild's metafile (scripts/build/check-stand-ins.ts).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { REPLACED, wranglerAliases } from "../../scripts/build/check-stand-ins";
import { REPO_ROOT, sharedGateway } from "./gateway-process";

const aliases = wranglerAliases(join(REPO_ROOT, "wrangler.toml"));
/** The locales stand-in keeps one of zod's languages on purpose: the one zod itself imports. */
const LOCALES = { standIn: "scripts/build/stand-ins/locales.js", kept: ["en"] };
/** Each stand-in with the module it replaces (two specifiers may name the same pair). */
const pairs = [...new Map(Object.entries(aliases).map(([specifier, standIn]) => [standIn, REPLACED[specifier]!])).entries()];

async function exportNames(path: string): Promise<string[]> {
  return Object.keys(await import(join(REPO_ROOT, path))).sort();
}

describe("the bundle's stand-in modules", () => {
  it("each replace a module the check knows, and the locales one is there", () => {
    expect(Object.keys(aliases).filter((specifier) => !(specifier in REPLACED))).toEqual([]);
    expect(pairs.map(([standIn]) => standIn)).toContain(LOCALES.standIn);
  });

  it("keep English of zod's locales, and only English", async () => {
    expect(await exportNames(REPLACED["../locales/index.js"]!)).toEqual(expect.arrayContaining(LOCALES.kept));
    expect(await exportNames(LOCALES.standIn)).toEqual(LOCALES.kept);
  });

  it.each(pairs.filter(([standIn]) => standIn !== LOCALES.standIn))("%s exports what %s exports", async (standIn, original) => {
    const names = await exportNames(original);
    expect(names.length).toBeGreaterThan(0);
    expect(await exportNames(standIn)).toEqual(names);
  });

  it("leave the bundle's 422 messages in zod's own English", async () => {
    const gateway = await sharedGateway();
    const res = await fetch(`${gateway.url}/admin/tenants/english-check`, {
      method: "PUT",
      headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: 5 }),
    });
    expect(res.status).toBe(422);
    const { errors } = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(errors.find((error) => error.path === "name")?.message).toBe(z.string().safeParse(5).error?.issues[0]?.message);
  });
});
