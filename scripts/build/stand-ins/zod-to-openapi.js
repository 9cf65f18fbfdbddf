// Stands in for @asteasolutions/zod-to-openapi in the deployed bundle (see README.md here). The Worker
// keeps what its routes use at run time (zod's `.openapi()` metadata and the route registry); the
// document generators are left out, because the OpenAPI document is written at build time into
// public/openapi.json (scripts/build-assets.ts) and served as a static asset.
export { OpenAPIRegistry, extendZodWithOpenApi, getOpenApiMetadata, getRefId, zodToOpenAPIRegistry } from "../../../node_modules/@asteasolutions/zod-to-openapi/dist/index.mjs";

class NotInThisBundle {
  constructor() {
    throw new Error("the OpenAPI document is generated at build time (public/openapi.json), not by the deployed Worker");
  }
}
export class OpenApiGeneratorV3 extends NotInThisBundle {}
export class OpenApiGeneratorV31 extends NotInThisBundle {}
export class OpenApiGeneratorV32 extends NotInThisBundle {}
