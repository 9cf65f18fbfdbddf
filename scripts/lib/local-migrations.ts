/**
 * `wrangler d1 migrations apply --local` for every D1 database in wrangler.toml, into a `--persist-to`
 * directory, before `wrangler dev` starts on it: how `npm start` and the Node tests give their local
 * gateway the schema that a deploy gives the real one (README, "Deploying to Cloudflare").
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { unstable_readConfig } from "wrangler";
import { OFFLINE_WRANGLER_ENV } from "./wrangler-env";

const WRANGLER_BIN = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");

export function applyLocalMigrations(persistTo: string, cwd = process.cwd()): void {
  for (const { database_name } of unstable_readConfig({ config: `${cwd}/wrangler.toml` }).d1_databases) {
    const run = spawnSync(process.execPath, [WRANGLER_BIN, "d1", "migrations", "apply", database_name!, "--local", "--persist-to", persistTo], {
      cwd,
      env: { ...process.env, ...OFFLINE_WRANGLER_ENV, CI: "true" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (run.status !== 0) throw new Error(`wrangler d1 migrations apply ${database_name} failed:\n${run.stdout}${run.stderr}`);
  }
}
