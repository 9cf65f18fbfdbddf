/**
 * npm run policies -- <command>: the operator's tool for the documents under policies/.
 *
 *   validate [files…]      check every policy and test file (default: all of policies/); exit 1 on a problem
 *   test [files…]          run every test case with the gateway's own evaluate(); exit 1 on a failure
 *   publish [file] [--url http://127.0.0.1:8787] [--token …]
 *                          PUT the document (default policies/default.yaml) to the admin API; the token
 *                          comes from --token, else $ADMIN_TOKEN, else ADMIN_TOKEN in .dev.vars
 *   schema                 regenerate policies/*.schema.json from the zod schemas
 *   zones                  regenerate src/policy/destination-zones.ts and its README table (./destination-zones.ts)
 *
 * The checks themselves live in ./policy-files.ts, shared with the test suite.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { policyJsonSchemas, schemaFileText } from "../src/policy/json-schema";
import { destinationZones, zonesModuleText, zonesTableText } from "./destination-zones";
import { DEV_VARS_FILE, readDevVars } from "./lib/dev-vars";
import { describeFailure, gatewayClient } from "./lib/gateway-client";
import { POLICIES_DIR, checkFiles, formatProblem, isTestFile, loadPolicy, runTestFile, type PolicyFile } from "./policy-files";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_URL = "http://127.0.0.1:8787";
const DEFAULT_POLICY = `${POLICIES_DIR}/default.yaml`;

/** Repository-relative paths with "/", whatever the working directory. */
function repoPath(path: string): string {
  return relative(ROOT, resolve(path)).split("\\").join("/");
}

function readRepoFile(path: string): string | undefined {
  const absolute = join(ROOT, path);
  return existsSync(absolute) ? readFileSync(absolute, "utf8") : undefined;
}

function readPolicyFile(path: string): PolicyFile {
  const text = readRepoFile(path);
  if (text === undefined) fail(`no file at ${path}`);
  return { path, text };
}

/** The given files, or every YAML file under policies/. */
function selectFiles(args: string[]): PolicyFile[] {
  if (args.length) return args.map((arg) => readPolicyFile(repoPath(arg)));
  const found = readdirSync(join(ROOT, POLICIES_DIR), { recursive: true, encoding: "utf8" })
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `${POLICIES_DIR}/${name.split("\\").join("/")}`)
    .sort();
  return found.map(readPolicyFile);
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function validate(args: string[]): Promise<number> {
  const files = selectFiles(args);
  const problems = await checkFiles(files, readRepoFile);
  for (const problem of problems) console.error(formatProblem(problem));
  console.log(problems.length ? `${problems.length} problem(s) in ${new Set(problems.map((p) => p.file)).size} file(s)` : `${files.length} file(s) valid`);
  return problems.length ? 1 : 0;
}

async function test(args: string[]): Promise<number> {
  const files = selectFiles(args).filter((file) => isTestFile(file.path));
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const report = await runTestFile(file, readRepoFile);
    console.log(`${report.file}${report.version ? ` (policy ${report.version})` : ""}`);
    for (const problem of report.problems) console.log(`  ✗ ${formatProblem(problem)}`);
    failed += report.problems.length;
    for (const result of report.cases) {
      console.log(`  ${result.failures.length ? "✗" : "✓"} ${result.name}`);
      for (const failure of result.failures) console.log(`      ${failure}`);
      if (result.failures.length) failed++;
      else passed++;
    }
  }
  console.log(`${passed} passed, ${failed} failed, in ${files.length} test file(s)`);
  return failed || !files.length ? 1 : 0;
}

async function publish(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { url: { type: "string" }, token: { type: "string" } } });
  if (positionals.length > 1) fail("publish takes one policy file");
  const file = readPolicyFile(positionals[0] ? repoPath(positionals[0]) : DEFAULT_POLICY);
  const loaded = loadPolicy(file);
  if (loaded.kind === "invalid") {
    for (const problem of loaded.problems) console.error(formatProblem(problem));
    return 1;
  }
  const token = values.token ?? process.env.ADMIN_TOKEN ?? readDevVars(join(ROOT, DEV_VARS_FILE)).ADMIN_TOKEN;
  if (!token) fail("No admin token: pass --token, set ADMIN_TOKEN, or run `npm start` once to create .dev.vars.");

  const baseUrl = values.url ?? DEFAULT_URL;
  const response = await gatewayClient(baseUrl, { adminToken: token })
    .admin.policies.$put({ json: loaded.document })
    .catch((error: Error) => fail(`Could not reach ${baseUrl}: ${error.message}`));
  if (!response.ok) {
    const failure = await describeFailure(`${baseUrl}/admin/policies`, response as unknown as Response);
    console.error(failure.message);
    for (const error of failure.errors) console.error(`  ${error}`);
    return 1;
  }
  const body = await response.json();
  console.log(`Published ${file.path} as ${body.version} at ${body.published_at}`);
  return 0;
}

function writeSchemas(): number {
  for (const [name, schema] of Object.entries(policyJsonSchemas())) {
    writeFileSync(join(ROOT, POLICIES_DIR, name), schemaFileText(schema));
    console.log(`wrote ${POLICIES_DIR}/${name}`);
  }
  return 0;
}

const ZONES_MODULE = "src/policy/destination-zones.ts";
const ZONES_TABLE = { file: "README.md", begin: "<!-- destination-zones:begin -->", end: "<!-- destination-zones:end -->" };

function writeZones(): number {
  const entries = destinationZones();
  writeFileSync(join(ROOT, ZONES_MODULE), zonesModuleText(entries));
  console.log(`wrote ${ZONES_MODULE} (${entries.length} countries)`);
  const readme = readRepoFile(ZONES_TABLE.file) ?? "";
  const [before, rest] = readme.split(ZONES_TABLE.begin);
  const after = rest?.split(ZONES_TABLE.end)[1];
  if (before === undefined || after === undefined) fail(`${ZONES_TABLE.file} has no ${ZONES_TABLE.begin} … ${ZONES_TABLE.end} markers`);
  writeFileSync(join(ROOT, ZONES_TABLE.file), `${before}${ZONES_TABLE.begin}\n${zonesTableText(entries)}\n${ZONES_TABLE.end}${after}`);
  console.log(`wrote the table in ${ZONES_TABLE.file}`);
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => number | Promise<number>> = { validate, test, publish, schema: writeSchemas, zones: writeZones };

const [command = "", ...rest] = process.argv.slice(2);
const run = COMMANDS[command];
if (!run) fail(`usage: npm run policies -- ${Object.keys(COMMANDS).join("|")} [args]  (see scripts/policies.ts)`);
process.exitCode = await run(rest);
