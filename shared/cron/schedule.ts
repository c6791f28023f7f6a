/**
 * Cron expressions, with cron-parser (loaded on first use, not at cold start).
 */
import {lazy} from '../platform/lazy';

const parser = lazy(
  async () => (await import('cron-parser')).CronExpressionParser,
);

/**
 * The latest time at or before `reference` that `expression` matches (UTC). Throws on an
 * invalid expression.
 */
export async function latestDueTime(
  expression: string,
  reference: Date,
): Promise<Date> {
  const CronExpressionParser = await parser();
  // prev() is exclusive of its start; one millisecond later makes `reference` itself count.
  const cron = CronExpressionParser.parse(expression, {
    currentDate: new Date(reference.getTime() + 1),
    tz: 'UTC',
    strict: false,
  });
  return cron.prev().toDate();
}

/** Throws when `expression` is not a five-field cron expression cron-parser accepts. */
export async function validateSchedule(expression: string): Promise<void> {
  if (expression.trim().split(/\s+/).length !== 5)
    throw new Error(`"${expression}" must have five fields`);
  await latestDueTime(expression, new Date(0));
}
