/**
 * The JSON Schemas that editors use to check policy files as they are typed (the first line of each
 * YAML file points at one). They are generated from the zod schemas, never written by hand;
 * `npm run policies -- schema` rewrites policies/*.schema.json and a test fails while they are stale.
 */
import { z } from "zod";
import { PolicyDocumentSchema } from "./schema";
import { PolicyTestFileSchema } from "./test-cases";

/** File name (under policies/) → its JSON Schema. */
export function policyJsonSchemas(): Record<string, unknown> {
  return {
    "policy.schema.json": generate(PolicyDocumentSchema, "hangup-gateway policy document"),
    "policy-tests.schema.json": generate(PolicyTestFileSchema, "hangup-gateway policy test cases"),
  };
}

// draft-07: the newest draft that YAML editors (yaml-language-server) fully support.
function generate(schema: z.ZodType, title: string): unknown {
  return { title, ...z.toJSONSchema(schema, { target: "draft-07", io: "input" }) };
}

/** The exact text of a schema file: what the generator writes and what the staleness test compares. */
export function schemaFileText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
