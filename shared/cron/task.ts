/**
 * What a scheduled task is: a name, a cron expression and a handler. The registry of
 * tasks is tasks/index.ts; the runner (runner.ts) decides when each is due.
 */
import type {Db} from '../firestore/db';
import type {Config} from '../platform/config';
import type {Devices} from '../devices/devices';
import type {Logger} from '../platform/logger';

/** What tasks may use: our own interfaces, so tests can run tasks against the emulators. */
export interface TaskDeps {
  db: Db;
  devices: Pick<Devices, 'remove'>;
  config: Config;
}

export interface TaskContext {
  deps: TaskDeps;
  /** The invocation's clock reading (injected in tests). */
  now: Date;
  /** The scheduled time this run is for. */
  dueAt: Date;
  log: Logger;
  /** Counters the task fills in; they are recorded with the run, whatever its outcome. */
  counts: Record<string, number>;
  /** Milliseconds before the task should stop starting new work (its lease outlives this). */
  timeLeftMs(): number;
}

export interface CronTask {
  /** Stable id: names the task's lease and run records. Lowercase words with dashes. */
  name: string;
  /** A five-field cron expression, evaluated in UTC. */
  schedule: string;
  /** Does the work; throwing marks the run failed (retried at the next invocation). */
  run(context: TaskContext): Promise<void>;
}

/** Sets `names` to 0 in a run's counters and returns the same object typed by them. */
export function startCounts<K extends string>(
  counts: Record<string, number>,
  names: readonly K[],
): Record<K, number> {
  for (const name of names) counts[name] = 0;
  return counts as Record<K, number>;
}
