/**
 * The wrangler configuration `npm start` runs: wrangler.toml without its `[build]` table. wrangler 4.86 runs
 * a custom build command a second time, and bundles and loads the Worker again, as soon as its watcher of
 * `watch_dir` is ready ("The file src changed, restarting build..." though nothing changed:
 * cloudflare/workers-sdk#7934, fixed after 4.86, the last wrangler for Node 20), and reloads the Worker for
 * any event in the watched tree meanwhile: a request then meets wrangler's own 503. So `npm start` builds the
 * assets itself (scripts/build-assets.ts) before wrangler starts and whenever src/ changes, and wrangler
 * bundles the Worker with its own esbuild watcher, which builds once. `wrangler dev` and `wrangler deploy`
 * keep the `[build]` table.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Beside wrangler.toml, so that every relative path in it means the same (git-ignored). */
export const START_CONFIG = ".wrangler.start.toml";

/** A TOML table from its header to the next table header. */
const BUILD_TABLE = /^\[build\][^\n]*\n(?:(?!\[)[^\n]*\n?)*/m;

export function withoutBuildTable(toml: string): string {
  if (!BUILD_TABLE.test(toml)) throw new Error("wrangler.toml has no [build] table: review scripts/lib/start-config.ts");
  return toml.replace(BUILD_TABLE, "");
}

/** Writes the configuration `npm start` gives wrangler; answers its path. */
export function writeStartConfig(root: string): string {
  const text = `# Written by npm start (scripts/lib/start-config.ts): wrangler.toml without [build].\n${withoutBuildTable(readFileSync(join(root, "wrangler.toml"), "utf8"))}`;
  writeFileSync(join(root, START_CONFIG), text);
  return START_CONFIG;
}
