/**
 * The policy document: this zod schema is its only definition. It validates publishes and drafts, types
 * the engine, and generates policies/policy.schema.json for editors. Its messages are written for the
 * operator who reads them next to a path ("rules.2.max_seconds: must be at least 1"), and every
 * problem in a document is reported at once, so one round trip fixes a document.
 */
import { z } from "zod";
import { Description, Id, MAX_SECONDS_LIMIT, Mode, RULE_KINDS, expecting, list, rule, strictObject } from "./schema-parts";
import { CallingHoursRule, ConcurrencyRule, DestinationsRule, VelocityRule } from "./schema-traffic";

export { POLICY_PROVIDERS } from "./schema-parts";

const AllowedTenantsRule = rule(
  "allowed_tenants",
  { tenants: list(Id, "tenant ids").describe("The tenants allowed; any other tenant is denied (hangup and call registration answer 403).") },
  "AllowedTenantsRule",
  "Denies every tenant not listed, where the rule matches.",
);

const MaxDurationRule = rule(
  "max_duration",
  {
    max_seconds: z
      .number(expecting("a whole number of seconds"))
      .int("must be a whole number of seconds")
      .min(1, "must be at least 1")
      .max(MAX_SECONDS_LIMIT, `must be at most ${MAX_SECONDS_LIMIT} (30 days)`)
      .describe("A registered call is hung up this many seconds after it was answered (answered_at) when the gateway knows it, else after its started_at."),
  },
  "MaxDurationRule",
  "Hangs up registered calls that last longer than max_seconds.",
);

const FraudFlagsRule = rule(
  "fraud_flags",
  {
    flags: list(
      z.string(expecting("a flag")).regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, "must be a lower-case flag such as irsf (calls' flags compare case-insensitively)"),
      "flags",
    ).describe("A registered call carrying any of these flags is hung up at once."),
  },
  "FraudFlagsRule",
  "Hangs up, at once, registered calls flagged as fraud.",
);

const ProtectRule = rule(
  "protect",
  {
    to_prefixes: list(
      z.string(expecting('text such as "+1911" (in YAML, quote it: +1911 alone is a number)')).regex(/^\+[0-9]{1,15}$/, "must be an E.164 prefix: + then digits, such as +1911"),
      "number prefixes",
    ).describe("Calls whose `to` starts with any of these prefixes are never terminated automatically."),
  },
  "ProtectRule",
  "Protects calls (e.g. to emergency numbers) from automatic termination; an explicit hangup still works.",
);

const RuleSchema = z.discriminatedUnion(
  "kind",
  [AllowedTenantsRule, MaxDurationRule, FraudFlagsRule, ProtectRule, DestinationsRule, ConcurrencyRule, CallingHoursRule, VelocityRule],
  {
  error: (issue) => {
    if (issue.code !== "invalid_union") return issue.code === "invalid_type" ? "must be a rule object" : undefined;
    const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
    const expected = `one of ${RULE_KINDS.join(", ")}`;
    return kind === undefined ? `required: the rule kind, ${expected}` : `unknown rule kind ${JSON.stringify(kind)}; expected ${expected}`;
  },
}).meta({ id: "PolicyRule", description: "One rule; `kind` says which." });

/**
 * Rule ids name rules in decisions and reasons, so two rules may not share one. Runs even when other
 * parts of the document are invalid (`when`), so that a duplicate is reported with everything else.
 */
const Rules = z
  .array(RuleSchema, expecting("a list of rules"))
  .superRefine(
    (rules, ctx) => {
      const firstIndex = new Map<string, number>();
      rules.forEach((rule: unknown, index) => {
        const id = (rule as { id?: unknown } | null)?.id;
        if (typeof id !== "string") return;
        const first = firstIndex.get(id);
        if (first === undefined) firstIndex.set(id, index);
        else ctx.addIssue({ code: "custom", path: [index, "id"], message: `duplicate rule id "${id}" (already used by rules.${first})` });
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  )
  .describe("Evaluated together; deny overrides allow. Rule ids must be unique.");

export const PolicyDocumentSchema = strictObject(
  {
    rules: Rules,
    mode: Mode.optional().describe('"shadow" puts every rule in shadow mode. Default "enforce".'),
    description: Description.optional(),
  },
  "a policy document",
).meta({ id: "PolicyDocument", description: "A hangup-gateway policy document." });

export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;
export type PolicyRule = z.infer<typeof RuleSchema>;

export interface PolicyProblem {
  /** Dotted path into the document, e.g. "rules.2.max_seconds"; "(root)" for the document itself. */
  path: string;
  message: string;
}

/**
 * Problems in the operator's terms. An unknown field is reported at its own path (zod reports the
 * object holding it), so every problem points at the thing to fix.
 */
export function policyProblems(error: z.ZodError): PolicyProblem[] {
  return error.issues.flatMap((issue) => {
    const paths = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    return paths.map((path) => ({ path: path.length ? path.map(String).join(".") : "(root)", message: issue.message }));
  });
}

export type PolicyValidation = { kind: "valid"; document: PolicyDocument } | { kind: "invalid"; errors: PolicyProblem[] };

export function validatePolicy(input: unknown): PolicyValidation {
  const result = PolicyDocumentSchema.safeParse(input);
  return result.success ? { kind: "valid", document: result.data } : { kind: "invalid", errors: policyProblems(result.error) };
}
