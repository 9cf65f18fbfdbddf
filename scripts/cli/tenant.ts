/** `tenant put|get`: create, update or read a tenant through the admin API. */
import { defineCommand } from "./command";
import { adminToken, callGateway, gatewayUrl, tenantPath, TOKEN_OPTION, URL_OPTION } from "./gateway";
import { note, printResult } from "./output";

export const tenantPut = defineCommand({
  name: "tenant put",
  summary: "Create or update a tenant (PUT /admin/tenants/{id}).",
  args: ["<id>"],
  options: {
    name: { type: "string", description: "A display name" },
    "webhook-url": { type: "string", placeholder: "url", description: "Where outcome webhooks are POSTed (https recommended)" },
    url: URL_OPTION,
    token: TOKEN_OPTION,
  },
  notes: "A webhook set without a secret gets a generated whsec_… secret, shown in this answer only: keep it to verify signatures.",
  async run([id], values) {
    const body = {
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values["webhook-url"] === undefined ? {} : { webhook: { url: values["webhook-url"] } }),
    };
    const answer = await callGateway(gatewayUrl(values.url), `PUT ${tenantPath(id!)}`, { adminToken: adminToken(values.token) }, (client) =>
      client.admin.tenants[":tenant"].$put({ param: { tenant: id! }, json: body }),
    );
    printResult(answer.body);
    note(answer.status === 201 ? `Created tenant ${id}.` : `Updated tenant ${id}.`);
    if ((answer.body as { webhook?: { secret?: string } }).webhook?.secret) {
      note("The webhook secret above is shown this once: store it where your webhook receiver can read it.");
    }
  },
});

export const tenantGet = defineCommand({
  name: "tenant get",
  summary: "Print a tenant: its name and webhook URL (never the webhook secret).",
  args: ["<id>"],
  options: { url: URL_OPTION, token: TOKEN_OPTION },
  async run([id], values) {
    const answer = await callGateway(gatewayUrl(values.url), `GET ${tenantPath(id!)}`, { adminToken: adminToken(values.token) }, (client) =>
      client.admin.tenants[":tenant"].$get({ param: { tenant: id! } }),
    );
    printResult(answer.body);
  },
});
