import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Fixed test secrets: the suite must not depend on a developer's .dev.vars.
export const TEST_ADMIN_TOKEN = "test-admin-token";
export const TEST_CREDENTIALS_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

// Two kinds of test: "workers" run inside workerd with real KV and Durable Objects; "node" drive a real
// `wrangler dev` from outside, as a browser, an operator's CLI or a client program would.
export default defineConfig({
  test: {
    // Every request writes an access-log line (src/http/access-log.ts); printed, they would bury the test
    // output. test/access-log.test.ts checks them through a spy, which sees them all the same.
    onConsoleLog: (log) => !log.startsWith('{"level":"info","msg":"request"'),
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: TEST_ADMIN_TOKEN,
                CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
                FAKE_PROVIDER_URL: inject("fakeProviderUrl"),
                // Bulk hangups on Telnyx connections at 2 a second: a pace any machine running the tests exceeds (test/bulk-pace.test.ts).
                BULK_HANGUPS_PER_SECOND: JSON.stringify({ telnyx: 2 }),
              },
            },
          })),
        ],
        test: {
          name: "workers",
          globalSetup: ["./test/global-setup.ts", "./test/build-assets-setup.ts"],
          // Provider tests live beside their modules (src/providers/<name>/index.test.ts).
          include: ["test/*.test.ts", "src/**/*.test.ts"],
          exclude: ["src/**/*.node.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          // `*.node.test.ts` beside a module: tests that need Node itself (the providers' official SDKs).
          include: ["test/node/**/*.test.ts", "src/**/*.node.test.ts"],
          testTimeout: 180_000,
          // Each file starts its own wrangler dev (and Chromium); one at a time is kinder to small machines.
          fileParallelism: false,
        },
      },
    ],
  },
});
