/**
 * One lease per task in Firestore, so a task never overlaps itself across instances and
 * never runs twice for a due time it has already done. The lease document also keeps the
 * last due time that succeeded; a failed run leaves it unchanged, so the due time is run
 * again by the next delivery (Cloud Scheduler's retry, or the next minute). A crashed run
 * leaves the lease to expire after its TTL.
 *
 * Its expiry is judged on the invocation's clock, unlike a user's device lease
 * (devices/fcm-groups/leases.ts, on Firestore's): due times come from that clock (and tests
 * inject it), and a task lease lasts 10 minutes, against which instances' clock skew (well
 * under a second on Google's hosts) is nothing. A device lease lasts a minute and guards FCM
 * calls, so it takes no chance with skew.
 */
import {randomUUID} from 'node:crypto';
// Dates are written as Dates (Firestore stores them as timestamps), so importing this
// module loads no SDK: the cron cold start stays cheap.
import type {DocumentReference, Timestamp} from 'firebase-admin/firestore';
import type {Db} from '../firestore/db';
import {CRON_RUNS, CRON_TASKS, RUN_RECORD_DAYS} from './collections';

/** A task's document as stored ({} when there is none). */
const taskData = (snapshot: {data(): unknown}) =>
  (snapshot.data() ?? {}) as TaskDoc;

interface TaskDoc {
  holder?: string | null;
  lease_expires_at?: Timestamp | null;
  run_id?: string | null;
  last_due_at?: Timestamp | null;
}

export interface TaskLease {
  task: string;
  holder: string;
  dueAt: Date;
  runRef: DocumentReference;
  /** True when an expired lease of a crashed run was taken over. */
  tookOver: boolean;
}

export type AcquireResult =
  | {state: 'acquired'; lease: TaskLease}
  /** The due time already ran successfully (a duplicate delivery, or nothing new is due). */
  | {state: 'done'}
  /** Another invocation holds a live lease on the task. */
  | {state: 'busy'};

export type RunOutcome = 'succeeded' | 'failed';

export interface RunResult {
  outcome: RunOutcome;
  finishedAt: Date;
  durationMs: number;
  counts: Record<string, number>;
  error?: string;
}

const DAY_MS = 86_400_000;

export class TaskLeases {
  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease of `task` for `dueAt` and records the run as started, in one transaction. */
  async acquire(
    task: string,
    dueAt: Date,
    now: Date,
    scheduleTime: Date | null,
  ): Promise<AcquireResult> {
    const db = await this.db.client();
    const ref = db.collection(CRON_TASKS).doc(task);
    return this.db.transaction(async (tx): Promise<AcquireResult> => {
      const doc = taskData(await tx.get(ref));
      if (doc.last_due_at && doc.last_due_at.toMillis() >= dueAt.getTime())
        return {state: 'done'};
      const live =
        doc.holder &&
        doc.lease_expires_at &&
        doc.lease_expires_at.toMillis() > now.getTime();
      if (live) return {state: 'busy'};
      const tookOver = Boolean(doc.holder);
      if (tookOver && doc.run_id) {
        tx.set(
          db.collection(CRON_RUNS).doc(doc.run_id),
          {outcome: 'abandoned'},
          {merge: true},
        );
      }
      const holder = randomUUID();
      const runRef = db.collection(CRON_RUNS).doc();
      tx.set(
        ref,
        {
          holder,
          lease_expires_at: new Date(now.getTime() + this.ttlMs),
          running_due_at: dueAt,
          run_id: runRef.id,
        },
        {merge: true},
      );
      tx.create(runRef, {
        task,
        due_at: dueAt,
        schedule_time: scheduleTime ? scheduleTime : null,
        started_at: now,
        outcome: 'running',
        expire_at: new Date(now.getTime() + RUN_RECORD_DAYS * DAY_MS),
      });
      return {
        state: 'acquired',
        lease: {task, holder, dueAt, runRef, tookOver},
      };
    });
  }

  /**
   * Records the run's result and ends the lease; a success marks the due time done.
   * Answers false when the lease was lost (expired and taken over) meanwhile: the run is
   * still recorded, the task's state is left to the new holder.
   */
  async finish(lease: TaskLease, result: RunResult): Promise<boolean> {
    const db = await this.db.client();
    const ref = db.collection(CRON_TASKS).doc(lease.task);
    const record = {
      outcome: result.outcome,
      finished_at: result.finishedAt,
      duration_ms: result.durationMs,
      counts: result.counts,
      error: result.error ?? null,
    };
    return this.db.transaction(async tx => {
      const doc = taskData(await tx.get(ref));
      const mine = doc.holder === lease.holder;
      tx.set(lease.runRef, record, {merge: true});
      if (mine) {
        tx.set(
          ref,
          {
            holder: null,
            lease_expires_at: null,
            running_due_at: null,
            run_id: null,
            ...(result.outcome === 'succeeded'
              ? {last_due_at: lease.dueAt}
              : {}),
            last_run: {
              run_id: lease.runRef.id,
              due_at: lease.dueAt,
              ...record,
            },
          },
          {merge: true},
        );
      }
      return mine;
    });
  }
}
