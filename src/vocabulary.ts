/**
 * The words every part of the gateway shares about a hangup: its outcome statuses, who asked for it,
 * the policy decision it carries, and the outcome itself. Providers, policy, webhooks, the call index
 * and the call object all import them from here, so none of them imports another for a type.
 */
import { z } from "@hono/zod-openapi";

export const OUTCOME_STATUSES = ["terminated", "already_ended", "not_found", "failed"] as const;
export const OutcomeStatus = z.enum(OUTCOME_STATUSES);
export type OutcomeStatus = z.infer<typeof OutcomeStatus>;

/** Every status but `failed` ends the call for good: it is replayed forever and never sent again. */
export function isFinal(status: OutcomeStatus): boolean {
  return status !== "failed";
}

/** Who asked for a hangup round: a tenant's request, the call's policy watch, or a bulk hangup job. */
export const HangupSource = z.enum(["api", "policy", "bulk"]);
export type HangupSource = z.infer<typeof HangupSource>;

/** What a policy decided about one event, with every rule that matched and the version that decided. */
export const DecisionSchema = z
  .object({
    kind: z.enum(["hangup", "call"]).describe("What was decided: an explicit hangup request, or a registered call being watched"),
    allowed: z.boolean().describe("May the request go ahead (hangup sent, call registered)? False only for an enforced deny"),
    policy_version: z.string().nullable().describe("Content hash of the document that decided; null when no policy is published (everything allowed)"),
    matched: z
      .array(
        z.object({
          id: z.string(),
          kind: z.enum(["allowed_tenants", "max_duration", "fraud_flags", "protect", "destinations", "concurrency", "calling_hours", "velocity"]),
          effect: z
            .enum(["deny", "terminate", "schedule", "protect", "counted", "skip"])
            .describe(
              "deny the request, terminate the call now, schedule a termination at a deadline, protect the call from automatic termination, " +
                "counted (concurrency, velocity: within the limit), or skip (the rule applies here but could not judge this call: detail says why)",
            ),
          shadow: z.boolean().describe("The rule (or the whole document) is in shadow mode: reported, never enforced"),
          detail: z.string().describe("One sentence on why it matched"),
          deadline: z
            .string()
            .optional()
            .describe("max_duration and calling_hours: when the call reaches its maximum, or its calling window closes (ISO-8601)"),
          count: z
            .number()
            .int()
            .optional()
            .describe("concurrency: the live calls it saw, velocity: the registrations in the window it saw, the judged call included"),
        }),
      )
      .describe("Every rule that matched, enforced or shadow, in document order"),
    terminate: z
      .object({ rule: z.string(), reason: z.string() })
      .nullable()
      .describe("kind call: hang the call up now, because of this enforced rule (null if not, or protected)"),
    deadline: z.string().nullable().describe("kind call: the earliest enforced max_duration or calling_hours deadline still ahead (ISO-8601), null if none or protected"),
    protected: z.boolean().describe("kind call: an enforced protect rule matched, so nothing is terminated automatically"),
  })
  .openapi("Decision");
export type Decision = z.infer<typeof DecisionSchema>;

/** What one provider attempt of a round did, for the call's record. */
export const AttemptSchema = z.object({
  round: z.number().int().openapi({ description: "The round this attempt belongs to" }),
  n: z.number().int(),
  started_at: z.string(),
  duration_ms: z.number(),
  http_status: z.number().int().nullable(),
  code: z.string().optional(),
  outcome: OutcomeStatus,
  detail: z.string(),
  retryable: z.boolean(),
});

/** One outcome: the example of the hangup answer, and of the call record that holds it. */
export const HANGUP_OUTCOME_EXAMPLE = {
  call_id: "2f1c9a52-9a0d-4e4e-9f5b-6f1f4c1f0b11",
  tenant: "acme",
  connection: "plivo-main",
  provider: "plivo",
  status: "terminated" as const,
  reason: "customer asked to end the call",
  decision: {
    kind: "hangup" as const,
    allowed: true,
    policy_version: "sha256:3f2a9c0b1d4e5f67",
    matched: [],
    terminate: null,
    deadline: null,
    protected: false,
  },
  provider_response: { http_status: 204, detail: "Plivo hung up the call" },
  attempts: 2,
  round: 1,
  source: "api" as const,
  requested_at: "2026-05-01T10:00:00.000Z",
  completed_at: "2026-05-01T10:00:00.412Z",
};

/** The answer of a hangup: identical for every request that joined or replays the same round. */
export const OutcomeSchema = z
  .object({
    call_id: z.string(),
    tenant: z.string(),
    connection: z.string(),
    provider: z.string(),
    status: OutcomeStatus,
    reason: z.string().nullable(),
    // Not `.nullable()`: zod-to-openapi 9.1 writes that of a registered schema as a bare $ref (null refused).
    decision: DecisionSchema.or(z.null()),
    provider_response: z.object({ http_status: z.number().int().nullable(), code: z.string().optional(), detail: z.string() }),
    attempts: z.number().int(),
    round: z.number().int().openapi({ description: "Which round of this call produced the outcome (1 for the first)" }),
    source: HangupSource,
    requested_at: z.string(),
    completed_at: z.string(),
  })
  .openapi("HangupOutcome", { example: HANGUP_OUTCOME_EXAMPLE });
export type HangupOutcome = z.infer<typeof OutcomeSchema>;
