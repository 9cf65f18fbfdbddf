/**
 * Local secrets in .dev.vars (git-ignored), the file wrangler dev reads: created with fresh values
 * when absent, never overwritten when present.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const DEV_VARS_FILE = ".dev.vars";

export function readDevVars(file = DEV_VARS_FILE): Record<string, string> {
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!;
  }
  return vars;
}

/** Adds ADMIN_TOKEN and CREDENTIALS_KEY where missing; answers the names it generated. */
export function ensureDevSecrets(file = DEV_VARS_FILE): { vars: Record<string, string>; generated: string[] } {
  const vars = readDevVars(file);
  const generated: string[] = [];
  if (!vars.ADMIN_TOKEN) {
    vars.ADMIN_TOKEN = randomBytes(24).toString("base64url");
    generated.push("ADMIN_TOKEN");
  }
  if (!vars.CREDENTIALS_KEY) {
    vars.CREDENTIALS_KEY = randomBytes(32).toString("base64");
    generated.push("CREDENTIALS_KEY");
  }
  if (generated.length) {
    const body = Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join("\n");
    writeFileSync(file, `# Local secrets for wrangler dev, written by npm start. Never commit this file.\n${body}\n`, { mode: 0o600 });
  }
  return { vars, generated };
}
