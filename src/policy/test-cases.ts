/**
 * Policy test cases: operators write, next to a policy, the events it must decide and how
 * (policies/tests/*.yaml), and `npm run policies -- test` checks them with the same `evaluate` the
 * Worker runs. A case states only what it cares about: each field of `expect` left out is not checked.
 */
import { z } from "zod";
import type { CompiledPolicy } from "./compile";
import { evaluate } from "./evaluate";
import { POLICY_PROVIDERS, PolicyDocumentSchema, policyProblems, validatePolicy, type PolicyProblem } from "./schema";
import type { Decision, PolicyEvent } from "./types";

const Instant = z.iso.datetime({ offset: true, error: "must be an ISO-8601 time such as 2026-01-01T12:00:00Z" });
const PhoneNumber = z.string({ error: 'must be text such as "+14155550100" (in YAML, quote it: +1… alone is a number)' });
const RuleIds = z.array(z.string()).describe("Rule ids, in document order.");

const TestEventSchema = z.strictObject({
  kind: z.enum(["hangup", "call"]),
  tenant: z.string(),
  connection: z.string(),
  provider: z.enum(POLICY_PROVIDERS),
  call: z
    .strictObject({
      call_id: z.string().optional(),
      started_at: Instant.optional(),
      answered_at: Instant.optional(),
      from: PhoneNumber.optional(),
      to: PhoneNumber.optional(),
      flags: z.array(z.string()).optional(),
    })
    .optional(),
  now: Instant.optional().describe("Evaluation time of this case; default: the file's `now`."),
});

const CountsSchema = z
  .record(z.string(), z.number().int().min(1))
  .describe(
    "The counts the case assumes, by rule id: for a concurrency rule the live calls, for a velocity rule the registrations in its " +
      "window, the judged call included (e.g. { trunk-cap: 101 } for the 101st live call). A counted rule without one is not judged.",
  );

const ExpectSchema = z
  .strictObject({
    allowed: z.boolean().optional(),
    terminate: z.string().nullable().optional().describe("The id of the rule that terminates the call, or null for none."),
    skipped: RuleIds.optional().describe("The matched rules that could not judge the event (effect skip: no number to count by, no count)."),
    deadline: Instant.nullable().optional(),
    protected: z.boolean().optional(),
    matched: RuleIds.optional().describe("Every matched rule, enforced or shadow, in document order."),
    shadow: RuleIds.optional().describe("The matched rules that are in shadow mode."),
  })
  .describe("The decision's fields to check; a field left out is not checked.");

export const PolicyTestFileSchema = z
  .strictObject({
    description: z.string().optional(),
    policy: z
      .union([z.string().describe("Path of a policy file, relative to this file."), PolicyDocumentSchema], {
        error: (issue) => (issue.code === "invalid_union" ? "must be the path of a policy file or a policy document" : undefined),
      })
      .describe("The policy under test: a file, or a document written here."),
    now: Instant.describe("Evaluation time of every case that does not set its own."),
    cases: z
      .array(z.strictObject({ name: z.string(), event: TestEventSchema, counts: CountsSchema.optional(), expect: ExpectSchema }))
      .min(1, "must have at least one case"),
  })
  .meta({ id: "PolicyTestFile", description: "Test cases for a hangup-gateway policy." });

export type PolicyTestFile = z.infer<typeof PolicyTestFileSchema>;
export type PolicyTestCase = PolicyTestFile["cases"][number];

/**
 * Validates a test file. A union reports only that no option fitted, so the problems of an inline
 * policy document are asked of the document schema itself.
 */
export function validateTestFile(input: unknown): { kind: "valid"; file: PolicyTestFile } | { kind: "invalid"; errors: PolicyProblem[] } {
  const result = PolicyTestFileSchema.safeParse(input);
  if (result.success) return { kind: "valid", file: result.data };
  const inlinePolicy = (input as { policy?: unknown } | null)?.policy;
  const errors = policyProblems(result.error).flatMap((problem) => {
    if (problem.path !== "policy" || typeof inlinePolicy !== "object" || inlinePolicy === null) return [problem];
    const validation = validatePolicy(inlinePolicy);
    return validation.kind === "valid" ? [problem] : validation.errors.map((error) => ({ ...error, path: error.path === "(root)" ? "policy" : `policy.${error.path}` }));
  });
  return { kind: "invalid", errors };
}

export interface CaseResult {
  name: string;
  /** One line per expectation not met; empty when the case passes. */
  failures: string[];
  decision: Decision;
}

export function runTestCase(policy: CompiledPolicy | null, testCase: PolicyTestCase, fileNow: string): CaseResult {
  const { now, ...event } = testCase.event;
  const decision = evaluate(policy, { ...event, now: Date.parse(now ?? fileNow) } satisfies PolicyEvent, testCase.counts);
  return { name: testCase.name, failures: unmetExpectations(testCase.expect, decision), decision };
}

function unmetExpectations(expect: PolicyTestCase["expect"], decision: Decision): string[] {
  const actual = {
    allowed: decision.allowed,
    terminate: decision.terminate?.rule ?? null,
    deadline: decision.deadline,
    protected: decision.protected,
    matched: decision.matched.map((rule) => rule.id),
    shadow: decision.matched.filter((rule) => rule.shadow).map((rule) => rule.id),
    skipped: decision.matched.filter((rule) => rule.effect === "skip").map((rule) => rule.id),
  };
  const failures: string[] = [];
  for (const [field, expected] of Object.entries(expect)) {
    const got = actual[field as keyof typeof actual];
    if (!sameValue(field, expected, got)) failures.push(`${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
  }
  return failures;
}

/** Deadlines compare as instants, so "12:00:00Z" and "12:00:00.000Z" are the same time. */
function sameValue(field: string, expected: unknown, got: unknown): boolean {
  if (field === "deadline" && typeof expected === "string" && typeof got === "string") return Date.parse(expected) === Date.parse(got);
  return JSON.stringify(expected) === JSON.stringify(got);
}
