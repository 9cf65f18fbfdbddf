/**
 * The building blocks every rule of the policy document shares (./schema.ts assembles the document):
 * messages written for the operator who reads them next to a path, ids, modes, `match`, and `rule()`,
 * the fields around each kind's own.
 */
import { z } from "zod";
import { ID_PATTERN } from "../http/schemas";
import { PROVIDER_NAMES } from "../providers/registry";
import type { RuleKind } from "./types";

/** The providers a rule may name: every provider the gateway speaks (src/providers/registry.ts). */
export const POLICY_PROVIDERS = PROVIDER_NAMES;

export const RULE_KINDS = [
  "allowed_tenants",
  "max_duration",
  "fraud_flags",
  "protect",
  "destinations",
  "concurrency",
  "calling_hours",
  "velocity",
] as const satisfies readonly RuleKind[];

/** Far beyond any real call, and small enough that a deadline is always a valid date. */
export const MAX_SECONDS_LIMIT = 30 * 24 * 3600;

/**
 * The message for a value of the wrong type (or a missing one). Other issues keep their own messages:
 * a schema-level `error` would otherwise also replace the messages of its checks.
 */
export function expecting(what: string) {
  return {
    error: (issue: { code: string; input?: unknown }) =>
      issue.code === "invalid_type" ? (issue.input === undefined ? `required: ${what}` : `must be ${what}`) : undefined,
  };
}

/** A strict object whose unknown fields are named with the fields it does accept. */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape, what: string) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") return `unknown field (${what} has: ${allowed})`;
      if (issue.code === "invalid_type") return `must be ${what}`;
      return undefined;
    },
  });
}

/** A non-empty list: an empty one is almost always a mistake, and would read as "nothing" or "everything". */
export function list<T extends z.ZodType>(item: T, what: string, whenEmpty = `must list at least one of ${what}`) {
  return z.array(item, expecting(`a list of ${what}`)).min(1, whenEmpty);
}

export const Id = z.string(expecting("an id")).regex(ID_PATTERN, "must match ^[a-z0-9][a-z0-9_-]{0,62}$ (lower-case letters, digits, - and _)");

export const Description = z
  .string(expecting("text"))
  .max(1000, "must be at most 1000 characters")
  .describe("Free text for the people who read the policy; not used in evaluation.");

export const Mode = z
  .enum(["enforce", "shadow"], { error: () => 'must be "enforce" or "shadow"' })
  .describe('"shadow": evaluated and reported in decisions (`shadow: true`), never enforced. Default "enforce".');

const Provider = z.enum(POLICY_PROVIDERS, { error: () => `must be one of ${POLICY_PROVIDERS.join(", ")}` });

const EMPTY_SCOPE = "must not be empty; leave the field out to match everywhere";

const MatchSchema = strictObject(
  {
    tenants: list(Id, "tenant ids", EMPTY_SCOPE).optional().describe("Only events of these tenants."),
    connections: list(Id, "connection ids", EMPTY_SCOPE)
      .optional()
      .describe("Only events on connections with these ids (of any tenant, unless `tenants` narrows it)."),
    providers: list(Provider, "providers", EMPTY_SCOPE).optional().describe("Only events on connections of these providers."),
  },
  "a match object",
).meta({
  id: "PolicyMatch",
  description: "Where the rule applies: every field given must match (AND); within a list any entry matches (OR). No match: everywhere.",
});

/**
 * A rule of one kind: the fields every rule has around the kind's own. Named (`meta.id`) so the JSON
 * Schema and the OpenAPI document show each kind as a definition of its own.
 */
export function rule<Kind extends (typeof RULE_KINDS)[number], Fields extends z.ZodRawShape>(kind: Kind, fields: Fields, name: string, description: string) {
  return strictObject(
    {
      id: Id.describe("Unique within the document; decisions and termination reasons (`policy:<id>`) name it."),
      kind: z.literal(kind),
      ...fields,
      match: MatchSchema.optional(),
      mode: Mode.optional(),
      description: Description.optional(),
    },
    `a ${kind} rule`,
  ).meta({ id: name, description });
}

