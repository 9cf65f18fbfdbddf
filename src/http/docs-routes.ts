/**
 * GET /docs: the API reference page, rendered from the OpenAPI document once per isolate (the document
 * cannot change while the isolate lives: it is generated from the deployed code).
 *
 * The page is self-contained, so its Content-Security-Policy allows inline styles and nothing else: no
 * script, no image, no connection, no frame. The global secureHeaders middleware sets no CSP, so this one
 * stands alone.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { renderDocsPage, type OpenApiDocument } from "./docs-page";

export const DOCS_PATH = "/docs";

export const DOCS_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A plain Hono router: the page is not an API operation, so it stays out of the OpenAPI document. */
export function docsRoutes(openApiDocument: () => OpenApiDocument) {
  let html: string | undefined;
  return new Hono<AppEnv>().get(DOCS_PATH, (c) => {
    html ??= renderDocsPage(openApiDocument());
    c.header("Content-Security-Policy", DOCS_CONTENT_SECURITY_POLICY);
    return c.html(html);
  });
}
