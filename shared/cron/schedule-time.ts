/**
 * The `X-CloudScheduler-ScheduleTime` header: the run's scheduled time, the same across
 * retries of one run. Due-ness is computed from it, so a duplicate delivery asks for the
 * same due times and finds them done.
 */

/** Scheduled times later than this past the clock are not believed. */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** The time due-ness is judged at: the scheduled time when the header is valid, else `now`. */
export function referenceTime(
  header: string | undefined,
  now: Date,
): {at: Date; fromHeader: boolean} {
  if (header && RFC3339.test(header.trim())) {
    const at = new Date(header.trim());
    if (
      !Number.isNaN(at.getTime()) &&
      at.getTime() <= now.getTime() + MAX_FUTURE_SKEW_MS
    )
      return {at, fromHeader: true};
  }
  return {at: now, fromHeader: false};
}
