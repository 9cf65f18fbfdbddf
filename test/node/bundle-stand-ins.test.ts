/**
 * The modules wrangler.toml's `[alias]` swaps into the deployed bundle (scripts/build/) export exactly
 * what the modules they replace export, so an upgrade of zod or zod-to-openapi that adds or renames an
 * export fails here, not as an `undefined` in the deployed Worker.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./gateway-process";

/** Each alias's target, and the module it stands in for (the specifier is relative to that module's importers). */
const STAND_INS: Record<string, string> = {
  "./scripts/build/stand-ins/compile.js": "node_modules/zod/v4/core/compile.js",
  "./scripts/build/stand-ins/from-json-schema.js": "node_modules/zod/v4/classic/from-json-schema.js",
  "./scripts/build/stand-ins/to-json-schema.js": "node_modules/zod/v4/core/to-json-schema.js",
  "./scripts/build/stand-ins/json-schema-processors.js": "node_modules/zod/v4/core/json-schema-processors.js",
  "./scripts/build/stand-ins/zod-to-openapi.js": "node_modules/@asteasolutions/zod-to-openapi/dist/index.mjs",
};

/** The locales stand-in keeps one of zod's languages on purpose: the one zod itself imports. */
const LOCALES = { standIn: "./scripts/build/stand-ins/locales.js", original: "node_modules/zod/v4/locales/index.js", kept: ["en"] };

function aliasTargets(): string[] {
  const toml = readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8");
  const section = toml.slice(toml.indexOf("[alias]"));
  return [...new Set([...section.matchAll(/^"[^"]+"\s*=\s*"([^"]+)"/gm)].map((m) => m[1]!))];
}

async function exportNames(path: string): Promise<string[]> {
  return Object.keys(await import(join(REPO_ROOT, path))).sort();
}

describe("the bundle's stand-in modules", () => {
  it("cover every alias in wrangler.toml", () => {
    expect(aliasTargets().sort()).toEqual([...Object.keys(STAND_INS), LOCALES.standIn].sort());
  });

  it("keep English of zod's locales, and only English", async () => {
    expect(await exportNames(LOCALES.original)).toEqual(expect.arrayContaining(LOCALES.kept));
    expect(await exportNames(LOCALES.standIn)).toEqual(LOCALES.kept);
  });

  it.each(Object.entries(STAND_INS))("%s exports what %s exports", async (standIn, original) => {
    const names = await exportNames(original);
    expect(names.length).toBeGreaterThan(0);
    expect(await exportNames(standIn)).toEqual(names);
  });
});
