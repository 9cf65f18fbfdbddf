/** `key create` and `key revoke`: a tenant's API keys, through the admin API. */
import type { Scope } from "../../src/client";
import { defineCommand } from "./command";
import { adminToken, callGateway, gatewayUrl, tenantPath, TOKEN_OPTION, URL_OPTION } from "./gateway";
import { note, printResult } from "./output";

export const keyCreate = defineCommand({
  name: "key create",
  summary: "Issue an API key to a tenant (POST /admin/tenants/{tenant}/keys).",
  args: ["<tenant>"],
  options: {
    name: { type: "string", description: "What the key is for, to recognise it later" },
    scopes: {
      type: "string",
      placeholder: "scope,…",
      description: "Only these scopes (comma-separated): calls:read, calls:hangup, calls:register, bulk, policies:evaluate (default: all)",
    },
    url: URL_OPTION,
    token: TOKEN_OPTION,
  },
  notes:
    "The key is printed this once; the gateway stores only its hash. Its id is what `key revoke` takes. A key holds only the scopes it was issued with (README, \"Key scopes\").",
  async run([tenant], values) {
    // As given: the gateway names an unknown scope, or an empty list, in its 422.
    const scopes = values.scopes?.split(",").map((scope) => scope.trim()) as Scope[] | undefined;
    const json = { ...(values.name === undefined ? {} : { name: values.name }), ...(scopes === undefined ? {} : { scopes: scopes.filter(Boolean) }) };
    const answer = await callGateway(gatewayUrl(values.url), `POST ${tenantPath(tenant!, "keys")}`, { adminToken: adminToken(values.token) }, (client) =>
      client.admin.tenants[":tenant"].keys.$post({ param: { tenant: tenant! }, json }),
    );
    printResult(answer.body);
    note("The key above is shown this once: store it now. Only its hash is kept.");
  },
});

export const keyRevoke = defineCommand({
  name: "key revoke",
  summary: "Revoke an API key (DELETE /admin/tenants/{tenant}/keys/{id}); it stops working at once.",
  args: ["<tenant>", "<id>"],
  options: { url: URL_OPTION, token: TOKEN_OPTION },
  async run([tenant, id], values) {
    await callGateway(gatewayUrl(values.url), `DELETE ${tenantPath(tenant!, "keys", id!)}`, { adminToken: adminToken(values.token) }, (client) =>
      client.admin.tenants[":tenant"].keys[":id"].$delete({ param: { tenant: tenant!, id: id! } }),
    );
    note(`Revoked key ${id} of tenant ${tenant}.`);
  },
});
