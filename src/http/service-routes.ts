/** Unauthenticated service endpoints: liveness for load balancers and deploy checks. */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "./router";
import { VERSION } from "../version";

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Service"],
  summary: "Liveness",
  responses: {
    200: {
      description: "The gateway is up",
      content: { "application/json": { schema: z.object({ ok: z.literal(true), version: z.string() }).openapi("Health", { example: { ok: true, version: "0.1.0" } }) } },
    },
  },
});

export const serviceRoutes = createRouter().openapi(healthRoute, (c) => c.json({ ok: true as const, version: VERSION }, 200));
