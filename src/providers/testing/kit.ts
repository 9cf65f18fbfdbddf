/**
 * What the provider tests share: provider answers for the pure readResponse tests, quick retries for
 * the contract tests against the fake provider, and the check that no text leaks a credential.
 */
import { expect, it } from "vitest";
import type { SendOptions } from "../send-hangup";
import type { HangupInput, ProviderAdapter, ProviderAnswer, Reading } from "../types";

export function answerOf(status: number, body: unknown = "", headers: Record<string, string> = {}): ProviderAnswer {
  return { status, headers: new Headers(headers), body: typeof body === "string" ? body : JSON.stringify(body) };
}

/** Real network to the fake, but pauses of a millisecond between attempts. */
export const QUICK_RETRIES: SendOptions = { policy: { baseBackoffMs: 1, maxBackoffMs: 1 } };

/** The tenant and connection a hangup in a provider test is made for. */
export const TEST_SCOPE: HangupInput<unknown>["scope"] = { tenant: "test-tenant", connection: "test-connection" };

export function operationId(): string {
  return `op-${crypto.randomUUID()}`;
}

/** Neither the detail nor the code of a reading may quote a credential. */
export function expectNoCredential(reading: Reading, credentials: Record<string, string>): void {
  for (const secret of Object.values(credentials)) {
    expect(reading.detail).not.toContain(secret);
    if (reading.code !== undefined) expect(reading.code).not.toContain(secret);
  }
}

/** One row of a provider's "what confirms a hangup" table (src/providers/README.md): an answer and its reading. */
export interface ConfirmationRow {
  answer: string;
  status: number;
  body?: unknown;
  reads: Partial<Reading>;
}

/** One test per row of the provider's table. */
export function confirmationTable(adapter: Pick<ProviderAdapter, "readResponse">, rows: ConfirmationRow[]): void {
  it.each(rows)("$answer → $reads.status", ({ status, body, reads }) => {
    expect(adapter.readResponse(answerOf(status, body))).toMatchObject(reads);
  });
}
