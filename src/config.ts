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
}

type Vars = Partial<Record<"CALL_RETENTION_DAYS" | "RECONCILE_AFTER_SECONDS" | "PUBLIC_URL", string>>;

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
  };
}
