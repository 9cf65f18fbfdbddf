// Bindings the test pool adds to the Worker's own (worker-configuration.d.ts, from wrangler.toml) for
// `import { env, exports } from "cloudflare:workers"` in tests.
declare namespace Cloudflare {
  interface Env {
    /** The fake provider server on 127.0.0.1 (test/global-setup.ts). */
    FAKE_PROVIDER_URL?: string;
    /** migrations/, read by vitest.config.ts (`readD1Migrations`), applied by test/apply-migrations.ts. */
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
