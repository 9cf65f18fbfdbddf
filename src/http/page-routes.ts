/**
 * The static pages and their files (public/: /docs, /console, their spellings, /openapi.json, /assets/*),
 * fronted by the Worker (wrangler.toml `run_worker_first` lists the same paths). Workers Static Assets
 * route by path alone and answer every method but GET and HEAD with an empty 405 of their own, so only the
 * Worker can answer those with the problem every other error is (contract, "Service endpoints"). GET and
 * HEAD are handed to the assets binding as they came: its redirects, ETags and public/_headers apply as
 * before; the Worker adds only X-Request-Id.
 */
import { Hono } from "hono";
import type { AppEnv } from "./app-env";
import { OPENAPI_PATH } from "./openapi-config";
import { ProblemError } from "./problem";

export const PAGE_PATHS = ["/docs", "/docs/", "/docs.html", "/console", "/console/", "/console.html", OPENAPI_PATH, "/assets/*"];
const ALLOWED_METHODS = "GET, HEAD";

export const pageRoutes = new Hono<AppEnv>();
for (const path of PAGE_PATHS) {
  pageRoutes.get(path, async (c) => {
    // "manual": a redirect of the assets (`/docs.html` → `/docs`) is the client's to follow, as without the Worker.
    const asset = await c.env.ASSETS.fetch(new Request(c.req.raw, { redirect: "manual" }));
    // A file that does not exist is the API's own 404 problem, as for any other path.
    if (asset.status === 404) return c.notFound();
    // A copy: the binding's answer has immutable headers, and the app's middleware adds its own.
    return new Response(asset.body, asset);
  });
  pageRoutes.all(path, (c) => {
    throw new ProblemError(405, "method_not_allowed", `${c.req.method} is not allowed here: only ${ALLOWED_METHODS}.`, {}, { allow: ALLOWED_METHODS });
  });
}
