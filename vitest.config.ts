import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Fixed test secrets: the suite must not depend on a developer's .dev.vars.
export const TEST_ADMIN_TOKEN = "test-admin-token";
export const TEST_CREDENTIALS_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

// The D1 schema, as `wrangler d1 migrations apply` reads it: test/apply-migrations.ts applies it in each test file.
const d1Migrations = await readD1Migrations("./migrations");

const workersPool = () =>
  cloudflareTest(({ inject }) => ({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
        FAKE_PROVIDER_URL: inject("fakeProviderUrl"),
        TEST_MIGRATIONS: d1Migrations,
        // Bulk hangups on Telnyx connections at 2 a second: a pace any machine running the tests exceeds (test/bulk-pace.test.ts).
        BULK_HANGUPS_PER_SECOND: JSON.stringify({ telnyx: 2 }),
      },
    },
  }));
const workersTest = {
  globalSetup: ["./test/global-setup.ts", "./test/build-assets-setup.ts"],
  // Storage is per test file (or shared, applied once), so every file starts with the migrations applied.
  setupFiles: ["./test/apply-migrations.ts"],
  testTimeout: 30_000,
  // beforeAll hooks seed tenants through the Worker: on a busy machine that takes longer than vitest's 10 s.
  hookTimeout: 30_000,
};

/**
 * Worker test files that change nothing another file could notice (pure functions, or requests of their
 * own tenant only: no policy published, no Durable Object aborted, no call index read back) share one
 * workerd and one module graph (`isolate: false`): each other file starts a workerd of its own and
 * imports the app again, a few seconds apiece. A new file goes to the isolated project unless it is
 * listed here.
 */
const SHARED_RUNTIME = [
  "src/providers/**/*.test.ts",
  "test/policy-schema.test.ts",
  "test/policy-evaluate.test.ts",
  "test/policy-files.test.ts",
  "test/call-index-core.test.ts",
  "test/call-duties.test.ts",
  "test/lifecycle.test.ts",
  "test/send-hangup.test.ts",
  "test/access-log.test.ts",
  "test/docs.test.ts",
  "test/duplicate-storm.test.ts",
  "test/isolation.test.ts",
  "test/json-bounds.test.ts",
  "test/openapi.test.ts",
  "test/provider-faults.test.ts",
  "test/secrets-never-leak.test.ts",
];
/** `*.node.test.ts` beside a module: tests that need Node itself (the providers' official SDKs). */
const NODE_TESTS = "src/**/*.node.test.ts";

// Three kinds of test: "workers" and "workers-shared" run inside workerd with real KV and Durable Objects
// (a fresh workerd per file, or one for the files listed above); "node" drive a real `wrangler dev` from
// outside, as a browser, an operator's CLI or a client program would.
export default defineConfig({
  test: {
    // Most of a test's time is spent waiting (workerd starting, alarms, wrangler dev, Chromium), not
    // computing: three files at once even on two cores (vitest's default there is one). Files share only
    // the fake provider, so a file counts the requests of its own provider accounts (test/call-ids.test.ts).
    maxWorkers: 3,
    // Every request writes an access-log line (src/http/access-log.ts); printed, they would bury the test
    // output. test/access-log.test.ts checks them through a spy, which sees them all the same.
    onConsoleLog: (log) => !log.startsWith('{"level":"info","msg":"request"'),
    projects: [
      {
        plugins: [workersPool()],
        test: {
          ...workersTest,
          name: "workers",
          // Provider tests live beside their modules (src/providers/<name>/index.test.ts).
          include: ["test/*.test.ts", "src/**/*.test.ts"],
          exclude: [NODE_TESTS, ...SHARED_RUNTIME],
        },
      },
      {
        plugins: [workersPool()],
        test: { ...workersTest, name: "workers-shared", include: SHARED_RUNTIME, exclude: [NODE_TESTS], isolate: false },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts", NODE_TESTS],
          // One `wrangler dev` for the files that change nothing other files see (test/node/shared-gateway-setup.ts).
          globalSetup: ["./test/node/shared-gateway-setup.ts"],
          testTimeout: 180_000,
          // A file that starts its own wrangler dev (and Chromium) waits for it in beforeAll.
          hookTimeout: 180_000,
          // Each file may start a wrangler dev (and Chromium); one at a time is kinder to small machines.
          fileParallelism: false,
        },
      },
    ],
  },
});
