/**
 * Applies migrations/ to the call index's D1 database before each test file, as `wrangler d1 migrations
 * apply` does for `npm start` and a deploy (the same files, the same `d1_migrations` table). Applying
 * is idempotent, so a file's later setups change nothing.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.CALL_INDEX_DB, env.TEST_MIGRATIONS);
