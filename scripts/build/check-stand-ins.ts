/**
 * Proves, from esbuild's metafile of a build, that each `[alias]` of wrangler.toml swapped only the module
 * it is meant to (./stand-ins/README.md). wrangler matches an alias against the import specifier exactly,
 * in every module of the bundle: `"./compile.js"` would also swap a `./compile.js` of ours or of another
 * package. So every import the build resolved to a stand-in must come from a module where the specifier,
 * unaliased, means the file that stand-in replaces; and every alias must have swapped something (one
 * that matches nothing any more, after an upgrade, trims nothing).
 *
 *   npx tsx scripts/build/check-stand-ins.ts <metafile>    (`npm run build` runs it; so do the bench and the load run)
 */
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { unstable_readConfig } from "wrangler";

/** The module each alias replaces: what its specifier means where zod and @hono/zod-openapi write it. */
export const REPLACED: Record<string, string> = {
  "../locales/index.js": "node_modules/zod/v4/locales/index.js",
  "./compile.js": "node_modules/zod/v4/core/compile.js",
  "./from-json-schema.js": "node_modules/zod/v4/classic/from-json-schema.js",
  "./to-json-schema.js": "node_modules/zod/v4/core/to-json-schema.js",
  "../core/to-json-schema.js": "node_modules/zod/v4/core/to-json-schema.js",
  "./json-schema-processors.js": "node_modules/zod/v4/core/json-schema-processors.js",
  "../core/json-schema-processors.js": "node_modules/zod/v4/core/json-schema-processors.js",
  // A package name means the one package wherever it is written: no importer can make it mean another module.
  "@asteasolutions/zod-to-openapi": "node_modules/@asteasolutions/zod-to-openapi/dist/index.mjs",
};

interface Metafile {
  inputs: Record<string, { imports: { path: string; original?: string }[] }>;
}

/** wrangler.toml's aliases, specifier → stand-in (as a path relative to the repository, like the metafile's). */
export function wranglerAliases(configPath = "wrangler.toml"): Record<string, string> {
  const aliases: Record<string, string> = unstable_readConfig({ config: configPath }).alias ?? {};
  return Object.fromEntries(Object.entries(aliases).map(([specifier, target]) => [specifier, posix.normalize(target)]));
}

/** Every way the build breaks the rule above, in words; none when it holds. */
export function standInProblems(metafile: Metafile, aliases: Record<string, string>): string[] {
  const problems = Object.keys(aliases)
    .filter((specifier) => !(specifier in REPLACED))
    .map((specifier) => `alias "${specifier}" does not say which module it replaces (REPLACED in scripts/build/check-stand-ins.ts)`);
  const standIns = new Set(Object.values(aliases));
  const used = new Set<string>();
  for (const [importer, { imports }] of Object.entries(metafile.inputs)) {
    for (const { path, original } of imports) {
      if (!standIns.has(path)) continue;
      const specifier = original ?? path;
      used.add(specifier);
      if (aliases[specifier] !== path) problems.push(`${importer} reaches ${path} by "${specifier}", which is not its alias`);
      else if (specifier.startsWith(".") && posix.join(posix.dirname(importer), specifier) !== REPLACED[specifier]) {
        problems.push(`${importer} imports "${specifier}", which means ${posix.join(posix.dirname(importer), specifier)}, yet it was swapped for ${path}`);
      }
    }
  }
  for (const specifier of Object.keys(aliases)) if (!used.has(specifier)) problems.push(`alias "${specifier}" swapped nothing in this build`);
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [metafilePath] = process.argv.slice(2);
  if (!metafilePath) throw new Error("usage: tsx scripts/build/check-stand-ins.ts <esbuild metafile>");
  const problems = standInProblems(JSON.parse(readFileSync(metafilePath, "utf8")) as Metafile, wranglerAliases());
  if (problems.length) {
    console.error(`wrangler.toml's [alias] swapped more, or less, than it should:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    process.exit(1);
  }
  console.log(`stand-ins: each of wrangler.toml's aliases replaced only the module it is meant to (${metafilePath})`);
}
