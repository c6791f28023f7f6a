/**
 * Retries of one send: UNAVAILABLE and INTERNAL (and no answer at all) are retried with
 * exponential backoff and full jitter, never sooner than FCM's `Retry-After`, while the
 * request's time budget lasts. Everything else, QUOTA_EXCEEDED included, ends at once:
 * a quota is not going to recover within one request.
 */
import type {SendAttempt, SendErrorCode} from './fcm-v1';

export interface RetryPolicy {
  /** Time from the first attempt after which no retry starts. */
  budgetMs: number;
  /** First backoff; doubled each retry, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound of one attempt. */
  attemptTimeoutMs: number;
}

/** What the retry loop needs of the world (tests replace the clock, the dice and sleeping). */
export interface RetryDeps {
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const RETRYABLE: readonly SendErrorCode[] = ['UNAVAILABLE', 'INTERNAL'];

export const realRetryDeps: RetryDeps = {
  now: () => Date.now(),
  random: Math.random,
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
};

/** The wait before retry number `retry` (0-based): full jitter, but never before Retry-After. */
export function backoffMs(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.max(retryAfterMs ?? 0, Math.floor(random() * ceiling));
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the budget (counted from
 * `startedAt`, the request's first send by default now) cannot hold the next
 * wait. Resolves with the last attempt and how many were made.
 */
export async function withRetries(
  attempt: (signal: AbortSignal) => Promise<SendAttempt>,
  policy: RetryPolicy,
  deps: RetryDeps = realRetryDeps,
  startedAt: number = deps.now(),
): Promise<{last: SendAttempt; attempts: number}> {
  const started = startedAt;
  for (let attempts = 1; ; attempts++) {
    const last = await attempt(AbortSignal.timeout(policy.attemptTimeoutMs));
    if (last.kind === 'sent' || !RETRYABLE.includes(last.code))
      return {last, attempts};
    const wait = backoffMs(
      policy,
      attempts - 1,
      last.retryAfterMs,
      deps.random,
    );
    // A retry that would start after the budget is not made: the caller answers now.
    if (deps.now() + wait - started > policy.budgetMs) return {last, attempts};
    await deps.sleep(wait);
  }
}
