/**
 * `GET /v1/key`: the calling key as the gateway sees it (its id, tenant, name and scopes), so that a
 * client (the console) can show what the key may do before it tries. Any valid key may ask.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http/router";
import { problemResponses } from "../http/schemas";
import { ANY_TENANT_KEY, ScopeSchema } from "./scopes";

const CurrentKeySchema = z
  .object({
    id: z.string(),
    tenant: z.string(),
    name: z.string().optional(),
    scopes: z.array(ScopeSchema).openapi({ description: "What the key may do (README, \"Key scopes\")" }),
  })
  .openapi("CurrentKey", { example: { id: "k3j9x0a1b2c3", tenant: "acme", name: "fraud-desk", scopes: ["calls:read", "calls:hangup"] } });

const currentKeyRoute = createRoute({
  method: "get",
  path: "/v1/key",
  tags: ["Calls"],
  summary: "The calling API key: its tenant and scopes",
  security: ANY_TENANT_KEY,
  responses: {
    200: { description: "The key (never the key itself)", content: { "application/json": { schema: CurrentKeySchema } } },
    ...problemResponses(401, 429),
  },
});

export const keyInfoRoutes = createRouter().openapi(currentKeyRoute, (c) => {
  const { id, name, scopes } = c.get("apiKey");
  return c.json({ id, tenant: c.get("tenant"), ...(name ? { name } : {}), scopes }, 200);
});
