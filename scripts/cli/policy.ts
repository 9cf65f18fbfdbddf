/**
 * `policy validate|test|publish`: the policy documents under policies/. The work is done by
 * scripts/policies.ts (`npm run policies`), run here as it is there, so both behave the same; this only
 * adds the CLI's way of finding the gateway and its token.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { defineCommand } from "./command";
import { CliError } from "./errors";
import { adminToken, gatewayUrl, TOKEN_OPTION, URL_OPTION } from "./gateway";

const POLICIES_SCRIPT = fileURLToPath(new URL("../policies.ts", import.meta.url));
/** tsx's loader, so the script runs on the same Node as this CLI. */
const TSX_LOADER = import.meta.resolve("tsx");

/** Runs `npm run policies -- <args>`; the admin token travels in the environment, never in argv. */
async function runPoliciesScript(args: string[], env: Record<string, string> = {}): Promise<void> {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, POLICIES_SCRIPT, ...args], {
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new CliError(`policy ${args[0]} failed (see above).`, [], code ?? 1);
}

export const policyValidate = defineCommand({
  name: "policy validate",
  summary: "Check policy and policy-test files against the schema (default: everything under policies/).",
  args: ["[files...]"],
  options: {},
  run: (files) => runPoliciesScript(["validate", ...files]),
});

export const policyTest = defineCommand({
  name: "policy test",
  summary: "Run the policy test cases with the gateway's own evaluator (default: every test file under policies/).",
  args: ["[files...]"],
  options: {},
  run: (files) => runPoliciesScript(["test", ...files]),
});

export const policyPublish = defineCommand({
  name: "policy publish",
  summary: "Validate a policy document and make it the active policy (PUT /admin/policies; default policies/default.yaml).",
  args: ["[file]"],
  options: { url: URL_OPTION, token: TOKEN_OPTION },
  notes: "It applies at once on the instance that took it, and everywhere within KV's propagation time (about 60 s).",
  run: (files, values) => runPoliciesScript(["publish", ...files, "--url", gatewayUrl(values.url)], { ADMIN_TOKEN: adminToken(values.token) }),
});
