/**
 * Firestore layout of cron:
 *
 *   cron_tasks/{task}   { holder, lease_expires_at, running_due_at, run_id, last_due_at, last_run }
 *                       the task's lease, and the last due time that ran successfully
 *   cron_runs/{runId}   { task, due_at, schedule_time, started_at, finished_at, outcome,
 *                         duration_ms, counts, error, expire_at }   one record per run
 *
 * `expire_at` is meant for a Firestore TTL policy (deploy.sh enables it), so run
 * records do not accumulate forever.
 */
export {CRON_RUNS, CRON_TASKS} from '../firestore/collections';

/** How long run records are kept (by the TTL policy on `expire_at`). */
export const RUN_RECORD_DAYS = 30;
