/**
 * `connection put|get|delete`: a tenant's account at a provider. The credentials come from a file or
 * stdin, never from the command line, where shell history and `ps` would keep them.
 */
import { readFileSync } from "node:fs";
import { text } from "node:stream/consumers";
import { defineCommand } from "./command";
import { CliError } from "./errors";
import { adminToken, callGateway, gatewayUrl, tenantPath, TOKEN_OPTION, URL_OPTION } from "./gateway";
import { note, printResult } from "./output";

const STDIN = "-";

/** The credentials JSON object from `file`, or from stdin for "-". */
async function readCredentials(file: string): Promise<Record<string, unknown>> {
  let source: string;
  if (file === STDIN) {
    if (process.stdin.isTTY) note("Paste the credentials JSON, then press Ctrl-D:");
    source = await text(process.stdin);
  } else {
    try {
      source = readFileSync(file, "utf8");
    } catch (error) {
      throw new CliError(`Cannot read the credentials file ${file}: ${(error as Error).message}`);
    }
  }
  let credentials: unknown;
  try {
    credentials = JSON.parse(source);
  } catch (error) {
    throw new CliError(`The credentials in ${file === STDIN ? "stdin" : file} are not JSON: ${(error as Error).message}`);
  }
  if (typeof credentials !== "object" || credentials === null || Array.isArray(credentials)) {
    throw new CliError('The credentials must be a JSON object, e.g. {"auth_id": "…", "auth_token": "…"} ({} for the sandbox).');
  }
  return credentials as Record<string, unknown>;
}

export const connectionPut = defineCommand({
  name: "connection put",
  summary: "Create or replace a tenant's connection to a provider (PUT /admin/tenants/{tenant}/connections/{id}).",
  args: ["<tenant>", "<id>"],
  options: {
    provider: { type: "string", required: true, placeholder: "name", description: "The provider, e.g. plivo, twilio or sandbox (a wrong name is answered with the list)" },
    "credentials-file": { type: "string", required: true, placeholder: "file|-", description: "A JSON file with the provider's credentials; - reads stdin" },
    "base-url": { type: "string", placeholder: "url", description: "Replaces the provider's default base (its path is kept)" },
    callbacks: { type: "string", placeholder: "signed|unsigned-ok", description: "unsigned-ok accepts status callbacks from providers that do not sign" },
    watch: { type: "string", placeholder: "registered|all", description: "all: a provider's event about a call not yet seen registers it for automatic termination" },
    reconcile: { type: "string", placeholder: "true|false", description: "Read a watched call's status at the provider when its events go missing (default: where the provider allows it)" },
    url: URL_OPTION,
    token: TOKEN_OPTION,
  },
  notes: [
    "The credentials are sealed (AES-256-GCM) before they are stored and never shown again; the answer lists only their field names.",
    "Example: echo '{}' | hangup-gateway connection put acme sandbox --provider sandbox --credentials-file -",
  ].join("\n"),
  async run([tenant, id], values) {
    const credentials = await readCredentials(values["credentials-file"]!);
    const body = {
      provider: values.provider,
      credentials,
      ...(values["base-url"] === undefined ? {} : { base_url: values["base-url"] }),
      ...(values.callbacks === undefined ? {} : { callbacks: values.callbacks }),
      ...(values.watch === undefined ? {} : { watch: values.watch }),
      // Anything but true or false goes as typed, and the gateway's 422 names it.
      ...(values.reconcile === undefined ? {} : { reconcile: values.reconcile === "true" ? true : values.reconcile === "false" ? false : values.reconcile }),
    };
    const answer = await callGateway(gatewayUrl(values.url), `PUT ${tenantPath(tenant!, "connections", id!)}`, { adminToken: adminToken(values.token) }, (client) => {
      const route = client.admin.tenants[":tenant"].connections[":connection"];
      // The provider name and credentials are the operator's, as typed: the gateway's validation answers them.
      return route.$put({ param: { tenant: tenant!, connection: id! }, json: body as Parameters<typeof route.$put>[0]["json"] });
    });
    printResult(answer.body);
    note(`${answer.status === 201 ? "Created" : "Replaced"} connection ${id} of tenant ${tenant}.`);
  },
});

export const connectionGet = defineCommand({
  name: "connection get",
  summary: "Print a connection: provider, base URL and the names of its credential fields, never their values.",
  args: ["<tenant>", "<id>"],
  options: { url: URL_OPTION, token: TOKEN_OPTION },
  async run([tenant, id], values) {
    const answer = await callGateway(gatewayUrl(values.url), `GET ${tenantPath(tenant!, "connections", id!)}`, { adminToken: adminToken(values.token) }, (client) =>
      client.admin.tenants[":tenant"].connections[":connection"].$get({ param: { tenant: tenant!, connection: id! } }),
    );
    printResult(answer.body);
  },
});

export const connectionDelete = defineCommand({
  name: "connection delete",
  summary: "Remove a connection and its credentials (DELETE /admin/tenants/{tenant}/connections/{id}).",
  args: ["<tenant>", "<id>"],
  options: { url: URL_OPTION, token: TOKEN_OPTION },
  async run([tenant, id], values) {
    await callGateway(gatewayUrl(values.url), `DELETE ${tenantPath(tenant!, "connections", id!)}`, { adminToken: adminToken(values.token) }, (client) =>
      client.admin.tenants[":tenant"].connections[":connection"].$delete({ param: { tenant: tenant!, connection: id! } }),
    );
    note(`Removed connection ${id} of tenant ${tenant}.`);
  },
});
