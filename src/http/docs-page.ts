/**
 * The API reference served at /docs: one HTML page rendered from the OpenAPI document. It fetches nothing
 * (no script, font or stylesheet), so it works offline, behind a firewall, and under a Content-Security-Policy
 * that allows inline styles and nothing else. Pure: a document in, a string out; every piece of text taken
 * from the document is escaped, so a description can never become markup.
 *
 * Only the parts of OpenAPI 3.1 that a reader needs are rendered: operations grouped by tag (parameters,
 * request body, responses, examples) and the component schemas they link to.
 */
import { DOCS_STYLE } from "./docs-style";

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

const SCHEMA_REF_PREFIX = "#/components/schemas/";
const UNTAGGED = "Other";

/** A JSON Schema (OpenAPI 3.1 flavour), as far as this page reads it. */
export interface SchemaObject {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  items?: SchemaObject;
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  allOf?: SchemaObject[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
}

interface Reference {
  $ref: string;
}

export interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: SchemaObject | Reference;
  example?: unknown;
}

interface MediaTypeObject {
  schema?: SchemaObject | Reference;
  example?: unknown;
}

interface ResponseObject {
  description: string;
  headers?: Record<string, { description?: string; schema?: SchemaObject | Reference } | Reference>;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: (ParameterObject | Reference)[];
  requestBody?: { description?: string; required?: boolean; content: Record<string, MediaTypeObject> } | Reference;
  responses?: Record<string, ResponseObject | Reference>;
}

/** The subset of an OpenAPI 3.1 document this page renders. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Partial<Record<HttpMethod, OperationObject>>>;
  components?: {
    schemas?: Record<string, SchemaObject>;
    securitySchemes?: Record<string, { type: string; scheme?: string; description?: string } | Reference>;
  };
}

interface Operation {
  method: HttpMethod;
  path: string;
  anchor: string;
  op: OperationObject;
}

interface TagGroup {
  name: string;
  description?: string;
  operations: Operation[];
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text to HTML text or attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** Escaped prose, with `backticks` shown as code: the only markup the descriptions in this API use. */
function prose(text: string | undefined): string {
  return text ? escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>") : "";
}

function isReference(value: object): value is Reference {
  return "$ref" in value && typeof value.$ref === "string";
}

function schemaName(ref: string): string | null {
  return ref.startsWith(SCHEMA_REF_PREFIX) ? ref.slice(SCHEMA_REF_PREFIX.length) : null;
}

function schemaAnchor(name: string): string {
  return `schema-${slug(name)}`;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_]+/g, "-").replace(/^-|-$/g, "");
}

/** "string", "integer | null", `"a" | "b"`, "array of Decision", with component names linked. */
function typeLabel(schema: SchemaObject | Reference | undefined): string {
  if (!schema) return "any";
  if (isReference(schema)) {
    const name = schemaName(schema.$ref);
    return name ? `<a href="#${schemaAnchor(name)}">${escapeHtml(name)}</a>` : escapeHtml(schema.$ref);
  }
  if (schema.const !== undefined) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  if (schema.enum) return schema.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(" | ");
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) return variants.map(typeLabel).join(" | ");
  if (schema.allOf) return allOfLabel(schema.allOf);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (!types.length) return "any";
  return types
    .map((type) => {
      if (type === "array") return `array of ${typeLabel(schema.items)}`;
      if (type === "object" && typeof schema.additionalProperties === "object" && !schema.properties) {
        return `map of ${typeLabel(schema.additionalProperties)}`;
      }
      return escapeHtml(schema.format ? `${type} (${schema.format})` : type);
    })
    .join(" | ");
}

/**
 * zod-to-openapi wraps a `$ref` in allOf to annotate it (`[ref, { description }]`, or `[ref, { type: [..., "null"] }]`
 * for a nullable one): the reader needs the referenced type, and whether it may be null.
 */
function allOfLabel(members: SchemaObject[]): string {
  const refs = members.filter((member) => member.$ref);
  if (refs.length !== 1) return members.map(typeLabel).join(" &amp; ");
  const nullable = members.some((member) => Array.isArray(member.type) && member.type.includes("null"));
  return typeLabel(refs[0]) + (nullable ? " | null" : "");
}

/** A schema's description, also when an allOf wrapper carries it. */
function descriptionOf(schema: SchemaObject): string | undefined {
  return schema.description ?? schema.allOf?.find((member) => member.description)?.description;
}

/** The validation rules a reader should know, as short text. */
function constraints(schema: SchemaObject | Reference | undefined): string {
  if (!schema || isReference(schema)) return "";
  const rules: string[] = [];
  if (schema.pattern !== undefined) rules.push(`pattern <code>${escapeHtml(schema.pattern)}</code>`);
  if (schema.minLength !== undefined) rules.push(`at least ${count(schema.minLength, "character")}`);
  if (schema.maxLength !== undefined) rules.push(`at most ${count(schema.maxLength, "character")}`);
  if (schema.minimum !== undefined) rules.push(`≥ ${escapeHtml(schema.minimum)}`);
  if (schema.maximum !== undefined) rules.push(`≤ ${escapeHtml(schema.maximum)}`);
  if (schema.minItems !== undefined) rules.push(`at least ${count(schema.minItems, "item")}`);
  if (schema.maxItems !== undefined) rules.push(`at most ${count(schema.maxItems, "item")}`);
  if (schema.default !== undefined) rules.push(`default <code>${escapeHtml(JSON.stringify(schema.default))}</code>`);
  return rules.length ? `<span class="rules">${rules.join("; ")}</span>` : "";
}

function count(n: number, noun: string): string {
  return `${escapeHtml(n)} ${noun}${n === 1 ? "" : "s"}`;
}

function exampleOf(schema: SchemaObject | Reference | undefined): unknown {
  if (!schema || isReference(schema)) return undefined;
  return schema.example ?? schema.examples?.[0];
}

/** Rows for an object's fields; inline (unnamed) objects are expanded under dotted names. */
function propertyRows(schema: SchemaObject, prefix = ""): string {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .map(([name, property]) => {
      const row = `<tr><td><code>${escapeHtml(prefix + name)}</code>${required.has(name) ? "" : ' <span class="optional">optional</span>'}</td>
<td>${typeLabel(property)}</td><td>${prose(descriptionOf(property))} ${constraints(property)}</td></tr>`;
      const nested = !property.$ref && property.properties ? property : property.items?.properties ? property.items : null;
      return nested ? row + propertyRows(nested, `${prefix}${name}${nested === property ? "" : "[]"}.`) : row;
    })
    .join("\n");
}

function propertyTable(schema: SchemaObject): string {
  const rows = propertyRows(schema);
  return rows ? `<table><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows}</tbody></table>` : "";
}

function exampleBlock(example: unknown): string {
  return example === undefined ? "" : `<details open><summary>Example</summary><pre><code>${escapeHtml(JSON.stringify(example, null, 2))}</code></pre></details>`;
}

function renderParameters(parameters: (ParameterObject | Reference)[]): string {
  const rows = parameters
    .filter((p): p is ParameterObject => !isReference(p))
    .map(
      (p) => `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? "" : ' <span class="optional">optional</span>'}</td>
<td>${escapeHtml(p.in)}</td><td>${typeLabel(p.schema)}</td>
<td>${prose(p.description)} ${constraints(p.schema)}${exampleValue(p.example ?? exampleOf(p.schema))}</td></tr>`,
    )
    .join("\n");
  return rows
    ? `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows}</tbody></table>`
    : "";
}

function exampleValue(example: unknown): string {
  return example === undefined ? "" : ` <span class="example">e.g. <code>${escapeHtml(typeof example === "string" ? example : JSON.stringify(example))}</code></span>`;
}

/** A body's media types and schemas; its example too when `schemas` is given to look named schemas up in. */
function renderContent(content: Record<string, MediaTypeObject> | undefined, schemas?: Record<string, SchemaObject>): string {
  return Object.entries(content ?? {})
    .map(([mediaType, media]) => {
      const line = `<p class="media"><code>${escapeHtml(mediaType)}</code> ${typeLabel(media.schema)}</p>`;
      if (!schemas) return line;
      const named = media.schema && isReference(media.schema) ? schemaName(media.schema.$ref) : null;
      const example = media.example ?? exampleOf(named ? schemas[named] : media.schema);
      const inline = media.schema && !isReference(media.schema) ? propertyTable(media.schema) : "";
      return `${line}${inline}${exampleBlock(example)}`;
    })
    .join("\n");
}

function renderRequestBody(body: OperationObject["requestBody"], schemas: Record<string, SchemaObject>): string {
  if (!body || isReference(body)) return "";
  return `<h4>Request body${body.required ? "" : ' <span class="optional">optional</span>'}</h4>${prose(body.description)}${renderContent(body.content, schemas)}`;
}

function renderResponses(responses: OperationObject["responses"], schemas: Record<string, SchemaObject>): string {
  const items = Object.entries(responses ?? {})
    .filter((entry): entry is [string, ResponseObject] => !isReference(entry[1]))
    .map(([status, response]) => {
      const headers = Object.entries(response.headers ?? {})
        .filter((entry): entry is [string, { description?: string; schema?: SchemaObject | Reference }] => !isReference(entry[1]))
        .map(([name, header]) => `<p class="header">Header <code>${escapeHtml(name)}</code>: ${typeLabel(header.schema)} ${prose(header.description)}</p>`)
        .join("");
      const success = status.startsWith("2");
      // Errors share one documented shape (Problem): their examples would repeat it on every route.
      const content = renderContent(response.content, success ? schemas : undefined);
      return `<li class="response response-${success ? "ok" : "other"}"><span class="status status-${success ? "ok" : "other"}">${escapeHtml(status)}</span> ${prose(response.description)}${headers}${content}</li>`;
    })
    .join("\n");
  return items ? `<h4>Responses</h4><ul class="responses">${items}</ul>` : "";
}

function renderSecurity(security: OperationObject["security"]): string {
  if (!security) return "";
  if (!security.length) return `<p class="auth">No authentication.</p>`;
  const schemes = security.flatMap((requirement) => Object.keys(requirement));
  return `<p class="auth">Authentication: ${schemes.map((s) => `<a href="#auth-${slug(s)}">${escapeHtml(s)}</a>`).join(" or ")}</p>`;
}

function renderOperation({ method, path, anchor, op }: Operation, schemas: Record<string, SchemaObject>): string {
  const route = `${method.toUpperCase()} ${path}`;
  return `<article class="operation" id="${anchor}" data-operation="${escapeHtml(route)}">
<h3><span class="method method-${method}">${method.toUpperCase()}</span> <code class="path">${escapeHtml(path)}</code></h3>
${op.summary ? `<p class="summary">${prose(op.summary)}</p>` : ""}
${op.description ? `<p>${prose(op.description)}</p>` : ""}
${renderSecurity(op.security)}
${renderParameters(op.parameters ?? [])}
${renderRequestBody(op.requestBody, schemas)}
${renderResponses(op.responses, schemas)}
</article>`;
}

function renderSchema(name: string, schema: SchemaObject): string {
  const variants = schema.oneOf ?? schema.anyOf;
  return `<article class="schema" id="${schemaAnchor(name)}">
<h3>${escapeHtml(name)} <span class="type">${variants ? "" : typeLabel(schema)}</span></h3>
${schema.description ? `<p>${prose(schema.description)}</p>` : ""}
${variants ? `<p>One of: ${variants.map(typeLabel).join(", ")}</p>` : ""}
${propertyTable(schema)}
${exampleBlock(exampleOf(schema))}
</article>`;
}

/** Every operation in path order, with a unique anchor each. */
function listOperations(doc: OpenApiDocument): Operation[] {
  const seen = new Map<string, number>();
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const op = item[method];
      if (!op) return [];
      const base = `op-${method}-${slug(path)}`;
      const earlier = seen.get(base) ?? 0;
      seen.set(base, earlier + 1);
      return [{ method, path, anchor: earlier ? `${base}-${earlier + 1}` : base, op }];
    }),
  );
}

/** The document's tags in its order, then tags only operations name (and "Other" for none) as first met. */
function groupByTag(doc: OpenApiDocument, operations: Operation[]): TagGroup[] {
  const groups = new Map<string, TagGroup>();
  for (const tag of doc.tags ?? []) groups.set(tag.name, { ...tag, operations: [] });
  for (const operation of operations) {
    const name = operation.op.tags?.[0] ?? UNTAGGED;
    if (!groups.has(name)) groups.set(name, { name, operations: [] });
    groups.get(name)!.operations.push(operation);
  }
  return [...groups.values()].filter((group) => group.operations.length);
}

function renderHeader(doc: OpenApiDocument): string {
  const servers = (doc.servers ?? [])
    .map((s) => `<li><code>${escapeHtml(s.url)}</code> ${prose(s.description)}</li>`)
    .join("");
  const schemes = Object.entries(doc.components?.securitySchemes ?? {})
    .map(([name, scheme]) =>
      isReference(scheme)
        ? ""
        : `<li id="auth-${slug(name)}"><code>${escapeHtml(name)}</code>: ${escapeHtml(scheme.type)}${scheme.scheme ? ` ${escapeHtml(scheme.scheme)}` : ""} ${prose(scheme.description)}</li>`,
    )
    .join("");
  return `<header>
<h1>${escapeHtml(doc.info.title)} <span class="version">${escapeHtml(doc.info.version)}</span></h1>
${doc.info.description ? `<p>${prose(doc.info.description)}</p>` : ""}
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(doc.openapi)}).</p>
${servers ? `<h2>Servers</h2><ul>${servers}</ul>` : ""}
${schemes ? `<h2>Authentication</h2><ul>${schemes}</ul>` : ""}
</header>`;
}

function renderNav(groups: TagGroup[], schemaNames: string[]): string {
  const tags = groups
    .map(
      (group) => `<h3><a href="#tag-${slug(group.name)}">${escapeHtml(group.name)}</a></h3><ul>${group.operations
        .map(
          ({ method, path, anchor }) =>
            `<li><a href="#${anchor}"><span class="method method-${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></a></li>`,
        )
        .join("")}</ul>`,
    )
    .join("\n");
  const schemas = schemaNames.length
    ? `<h3><a href="#schemas">Schemas</a></h3><ul>${schemaNames.map((name) => `<li><a href="#${schemaAnchor(name)}">${escapeHtml(name)}</a></li>`).join("")}</ul>`
    : "";
  return `<nav aria-label="Routes">${tags}${schemas}</nav>`;
}

export function renderDocsPage(doc: OpenApiDocument): string {
  const schemas = doc.components?.schemas ?? {};
  const schemaNames = Object.keys(schemas).sort();
  const groups = groupByTag(doc, listOperations(doc));
  const sections = groups
    .map(
      (group) => `<section id="tag-${slug(group.name)}"><h2>${escapeHtml(group.name)}</h2>${group.description ? `<p>${prose(group.description)}</p>` : ""}
${group.operations.map((operation) => renderOperation(operation, schemas)).join("\n")}</section>`,
    )
    .join("\n");
  const schemaSection = schemaNames.length
    ? `<section id="schemas"><h2>Schemas</h2>${schemaNames.map((name) => renderSchema(name, schemas[name]!)).join("\n")}</section>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}: API reference</title>
<style>${DOCS_STYLE}</style>
</head>
<body>
${renderNav(groups, schemaNames)}
<main>
${renderHeader(doc)}
${sections}
${schemaSection}
</main>
</body>
</html>
`;
}
