/**
 * The Worker's vars, parsed in one place (secrets stay where they are used: src/auth, src/tenants). A var
 * that is missing or not a positive number takes its default, as the contract's table says.
 */

const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_RECONCILE_AFTER_SECONDS = 900;

export interface Config {
  /** `CALL_RETENTION_DAYS`: how long a call's storage outlives its last change once it is no longer watched. */
  retentionMs: number;
  /** `RECONCILE_AFTER_SECONDS`: how long a watched call may go without a provider event before its status is read. */
  reconcileAfterMs: number;
  /** `PUBLIC_URL`, trimmed; null when unset or blank (callbacks are then checked against the request's own URL). */
  publicUrl: string | null;
  /**
   * `BULK_HANGUPS_PER_SECOND`: a JSON object of provider name → bulk hangups per second per connection, in
   * place of the built-in pace (src/bulk/pacing.ts) for those providers; entries that are not positive numbers are ignored.
   */
  bulkHangupsPerSecond: Record<string, number>;
}

type Vars = Partial<Record<"CALL_RETENTION_DAYS" | "RECONCILE_AFTER_SECONDS" | "PUBLIC_URL" | "BULK_HANGUPS_PER_SECOND", string>>;

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function readConfig(vars: Vars): Config {
  const publicUrl = vars.PUBLIC_URL?.trim();
  return {
    retentionMs: positive(vars.CALL_RETENTION_DAYS, DEFAULT_RETENTION_DAYS) * DAY_MS,
    reconcileAfterMs: positive(vars.RECONCILE_AFTER_SECONDS, DEFAULT_RECONCILE_AFTER_SECONDS) * 1000,
    publicUrl: publicUrl ? publicUrl : null,
    bulkHangupsPerSecond: paces(vars.BULK_HANGUPS_PER_SECOND),
  };
}

function paces(value: string | undefined): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value ?? "{}");
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === "number" && Number.isFinite(entry[1]) && entry[1] > 0));
}
