/**
 * When a failed outcome webhook is tried again: the first retry within seconds (a receiver restarting),
 * then backing off to half-hourly, 8 attempts over about 68 minutes in all. Fixed delays rather than
 * jitter: each call's object retries on its own alarm, so retries of different calls are already
 * spread by when their calls ended.
 *
 *   attempt   1     2     3      4      5      6       7       8
 *   at        0     5 s   35 s   2.6 m  7.6 m  17.6 m  37.6 m  67.6 m
 */

/** The pause after each failed attempt; one fewer than the attempts. */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 300_000, 600_000, 1_200_000, 1_800_000] as const;

export const MAX_WEBHOOK_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;

/** When to try again after `failedAttempts` failures, the last at `lastAttemptAt`; null when the budget is spent. */
export function nextWebhookAttemptAt(failedAttempts: number, lastAttemptAt: number): number | null {
  const delay = WEBHOOK_RETRY_DELAYS_MS[failedAttempts - 1];
  return delay === undefined ? null : lastAttemptAt + delay;
}
