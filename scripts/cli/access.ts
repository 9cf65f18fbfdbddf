/** `key list`, `tenant disable` and `tenant enable`: who can use a tenant's API, through the admin API. */
import { defineCommand } from "./command";
import { adminToken, callGateway, gatewayUrl, tenantPath, TOKEN_OPTION, URL_OPTION } from "./gateway";
import { note, printResult } from "./output";

export const keyList = defineCommand({
  name: "key list",
  summary: "List a tenant's API keys: id, name, scopes, created_at, revoked_at (GET /admin/tenants/{tenant}/keys).",
  args: ["<tenant>"],
  options: { url: URL_OPTION, token: TOKEN_OPTION },
  notes: "Never prints a key or its hash: the gateway does not have the key, and never answers the hash.",
  async run([tenant], values) {
    const answer = await callGateway(gatewayUrl(values.url), `GET ${tenantPath(tenant!, "keys")}`, { adminToken: adminToken(values.token) }, (client) =>
      client.admin.tenants[":tenant"].keys.$get({ param: { tenant: tenant! } }),
    );
    printResult(answer.body);
  },
});

function setDisabled(disabled: boolean) {
  return defineCommand({
    name: disabled ? "tenant disable" : "tenant enable",
    summary: disabled
      ? "Stop all of a tenant's keys (401) at once; its watched calls stay enforced (PUT /admin/tenants/{id} disabled: true)."
      : "Let a disabled tenant's keys work again (PUT /admin/tenants/{id} disabled: false); revoked keys stay revoked.",
    args: ["<id>"],
    options: { url: URL_OPTION, token: TOKEN_OPTION },
    async run([id], values) {
      const answer = await callGateway(gatewayUrl(values.url), `PUT ${tenantPath(id!)}`, { adminToken: adminToken(values.token) }, (client) =>
        client.admin.tenants[":tenant"].$put({ param: { tenant: id! }, json: { disabled } }),
      );
      printResult(answer.body);
      note(disabled ? `Tenant ${id} is disabled: its keys answer 401.` : `Tenant ${id} is enabled again.`);
    },
  });
}

export const tenantDisable = setDisabled(true);
export const tenantEnable = setDisabled(false);
