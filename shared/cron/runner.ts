/**
 * One cron invocation: every registered task whose latest due time has not run yet runs
 * now, under its lease, in parallel with the others. Failures are per task: the summary
 * names them, and the endpoint answers 500 so Cloud Scheduler records and retries.
 */
import type {Logger} from '../platform/logger';
import {latestDueTime} from './schedule';
import {referenceTime} from './schedule-time';
import type {CronTask, TaskDeps} from './task';
import type {TaskLeases} from './task-lease';

export type TaskStatus = 'succeeded' | 'failed' | 'done' | 'busy';

export interface TaskReport {
  task: string;
  status: TaskStatus;
  dueAt?: string;
}

export interface CronSummary {
  reports: TaskReport[];
  /** Names of the tasks that failed (empty when the invocation succeeded). */
  failed: string[];
}

export interface CronRunnerDeps {
  tasks: readonly CronTask[];
  leases: TaskLeases;
  taskDeps: TaskDeps;
  /** The lease TTL: tasks are asked to stop starting new work after half of it. */
  leaseTtlMs: number;
  clock: () => Date;
  log: Logger;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class CronRunner {
  constructor(private readonly deps: CronRunnerDeps) {}

  /** Runs the due tasks; `scheduleTimeHeader` is `X-CloudScheduler-ScheduleTime`, if any. */
  async run(
    scheduleTimeHeader: string | undefined,
    log: Logger = this.deps.log,
  ): Promise<CronSummary> {
    const now = this.deps.clock();
    const reference = referenceTime(scheduleTimeHeader, now);
    const reports = await Promise.all(
      this.deps.tasks.map(task =>
        this.runTask(
          task,
          now,
          reference.at,
          reference.fromHeader ? reference.at : null,
          log,
        ),
      ),
    );
    return {
      reports,
      failed: reports.filter(r => r.status === 'failed').map(r => r.task),
    };
  }

  private async runTask(
    task: CronTask,
    now: Date,
    reference: Date,
    scheduleTime: Date | null,
    parentLog: Logger,
  ): Promise<TaskReport> {
    const log = parentLog.child({task: task.name});
    let dueAt: Date | undefined;
    try {
      dueAt = await latestDueTime(task.schedule, reference);
      const acquired = await this.deps.leases.acquire(
        task.name,
        dueAt,
        now,
        scheduleTime,
      );
      if (acquired.state !== 'acquired') {
        log.debug(
          acquired.state === 'done' ? 'task not due' : 'task running elsewhere',
          {dueAt: dueAt.toISOString()},
        );
        return {
          task: task.name,
          status: acquired.state,
          dueAt: dueAt.toISOString(),
        };
      }
      const {lease} = acquired;
      if (lease.tookOver)
        log.warn('took over the expired lease of a crashed run', {
          dueAt: dueAt.toISOString(),
        });
      const started = performance.now();
      const stopAt = started + this.deps.leaseTtlMs / 2;
      const counts: Record<string, number> = {};
      let error: string | undefined;
      try {
        await task.run({
          deps: this.deps.taskDeps,
          now,
          dueAt,
          log,
          counts,
          timeLeftMs: () => stopAt - performance.now(),
        });
      } catch (err) {
        error = message(err);
        log.error('task failed', {
          dueAt: dueAt.toISOString(),
          counts,
          error: err,
        });
      }
      const durationMs = Math.round(performance.now() - started);
      const outcome = error === undefined ? 'succeeded' : 'failed';
      const kept = await this.deps.leases.finish(lease, {
        outcome,
        finishedAt: this.deps.clock(),
        durationMs,
        counts,
        error,
      });
      if (!kept)
        log.warn(
          'the lease expired while the task ran; another run took it over',
          {dueAt: dueAt.toISOString()},
        );
      if (outcome === 'succeeded')
        log.info('task succeeded', {
          dueAt: dueAt.toISOString(),
          durationMs,
          counts,
        });
      return {task: task.name, status: outcome, dueAt: dueAt.toISOString()};
    } catch (err) {
      // The lease or the run record could not be written (Firestore down), or a bad schedule.
      log.error('task could not be run', {
        dueAt: dueAt?.toISOString(),
        error: err,
      });
      return {
        task: task.name,
        status: 'failed',
        ...(dueAt ? {dueAt: dueAt.toISOString()} : {}),
      };
    }
  }
}
