/**
 * Per-user leases in Firestore, so that changes to one user's device group are
 * serialized across every function instance (an in-process mutex would not be).
 *
 * A lease is the document device_group_locks/{userId}:
 *   { holder, acquired_at (server time), ttl_ms, pending: PendingOp[] }
 * `pending` names the operations in flight. A holder that finishes deletes the document
 * in the same batch as its data, so the lease and the change commit together. A holder
 * that fails releases the lease but keeps `pending` (holder null): the next holder, or
 * cron's repair task, reconciles those tokens before doing anything else. A holder that
 * crashes leaves the lease to expire after ttl_ms, measured on Firestore's clock.
 */
import {randomUUID} from 'node:crypto';
import type {
  DocumentReference,
  Firestore,
  Timestamp,
  WriteBatch,
} from 'firebase-admin/firestore';
import {LEASES} from '../firestore/collections';
import {AppError, RETRY_AFTER_SECONDS} from '../platform/errors';
import {firestore, grpcCode, GRPC, withDeadline} from '../firestore/deadline';

export interface PendingOp {
  op: 'add' | 'remove';
  token_id: string;
  /** The token itself: a repair must be able to remove it from FCM by value. */
  registration_id: string;
}

interface LockDoc {
  holder: string | null;
  acquired_at?: Timestamp;
  ttl_ms?: number;
  pending?: PendingOp[];
}

export interface HeldLock {
  readonly userId: string;
  readonly ref: DocumentReference;
  /** Update time of our lease document: the precondition of every write that ends it. */
  readonly writeTime: Timestamp;
  /** Operations left pending by an earlier holder that failed: reconcile them first. */
  readonly leftover: PendingOp[];
  /** Milliseconds of validity left, by this instance's monotonic clock. */
  remainingMs(): number;
}

export interface UserLocksOptions {
  ttlMs: number;
  waitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

function busy(): AppError {
  return new AppError(
    'busy',
    "Too many concurrent changes to this user's devices. Please retry.",
    {
      headers: {'Retry-After': String(RETRY_AFTER_SECONDS)},
    },
  );
}

function samePending(a: PendingOp, b: PendingOp): boolean {
  return a.op === b.op && a.token_id === b.token_id;
}

export class UserLocks {
  constructor(
    private readonly db: () => Promise<Firestore>,
    private readonly options: UserLocksOptions,
  ) {}

  /**
   * Takes the lease of `userId`, recording `op` as pending. Waits (with jittered backoff)
   * while another holder has it; with `wait: false` answers null instead of waiting.
   * Throws a 503 AppError when the lease stays busy for longer than the wait budget.
   */
  async acquire(
    userId: string,
    op: PendingOp | null,
    {wait = true} = {},
  ): Promise<HeldLock | null> {
    const db = await firestore(this.db);
    const ref = db.collection(LEASES).doc(userId);
    const holder = randomUUID();
    const started = performance.now();
    const sleep = this.options.sleep ?? defaultSleep;
    for (let attempt = 0; ; attempt++) {
      const lock = await this.tryAcquire(
        db,
        ref,
        userId,
        holder,
        op,
        attempt === 0,
      );
      if (lock) return lock;
      if (!wait) return null;
      if (performance.now() - started >= this.options.waitMs) throw busy();
      const backoff = Math.min(250, 10 * 1.5 ** attempt);
      await sleep(backoff / 2 + Math.random() * backoff);
    }
  }

  private async tryAcquire(
    db: Firestore,
    ref: DocumentReference,
    userId: string,
    holder: string,
    op: PendingOp | null,
    firstAttempt: boolean,
  ): Promise<HeldLock | null> {
    const ttlMs = this.options.ttlMs;
    // Loaded here, not at import, so that importing the functions stays cheap (cold start).
    const {FieldValue} = await import('firebase-admin/firestore');
    const fields = (pending: PendingOp[]) => ({
      holder,
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: ttlMs,
      pending,
    });
    const acquiredAt = performance.now();
    const held = (writeTime: Timestamp, leftover: PendingOp[]): HeldLock => ({
      userId,
      ref,
      writeTime,
      leftover,
      remainingMs: () => ttlMs - (performance.now() - acquiredAt),
    });
    const create = async (): Promise<HeldLock | null> => {
      try {
        const result = await withDeadline(() =>
          ref.create(fields(op ? [op] : [])),
        );
        return held(result.writeTime, []);
      } catch (err) {
        if (grpcCode(err) !== GRPC.ALREADY_EXISTS)
          return firestore(() => Promise.reject(err));
        return null;
      }
    };
    // The first attempt just creates the lease; waiters poll with a read (cheaper than a
    // failing write) and only write when the lease looks free.
    if (firstAttempt) {
      const created = await create();
      if (created) return created;
    }
    const current = await firestore(() => ref.get());
    if (!current.exists) return create();
    const seen = current.data() as LockDoc;
    const seenExpiry = (seen.acquired_at?.toMillis() ?? 0) + (seen.ttl_ms ?? 0);
    if (seen.holder !== null && current.readTime.toMillis() < seenExpiry)
      return null;
    // Someone holds the lease, or left it behind: take it over only if it is free.
    const leftover = await firestore(() =>
      db.runTransaction(async tx => {
        const snapshot = await tx.get(ref);
        if (!snapshot.exists) {
          tx.create(ref, fields(op ? [op] : [])); // released meanwhile: take it
          return [] as PendingOp[];
        }
        const doc = snapshot.data() as LockDoc;
        const expiresAt =
          (doc.acquired_at?.toMillis() ?? 0) + (doc.ttl_ms ?? 0);
        const free =
          doc.holder === null || snapshot.readTime.toMillis() >= expiresAt;
        if (!free) return null;
        const previous = doc.pending ?? [];
        tx.set(
          ref,
          fields(
            op && !previous.some(p => samePending(p, op))
              ? [...previous, op]
              : previous,
          ),
        );
        return previous;
      }),
    );
    if (leftover === null) return null;
    const mine = await firestore(() => ref.get());
    if ((mine.data() as LockDoc | undefined)?.holder !== holder) return null;
    return held(mine.updateTime!, leftover);
  }

  /** Adds the end of the lease to the batch that commits the holder's work. */
  releaseIn(batch: WriteBatch, lock: HeldLock): void {
    batch.delete(lock.ref, {lastUpdateTime: lock.writeTime});
  }

  /** Ends a lease whose work is fully done or was never started. */
  async release(lock: HeldLock): Promise<void> {
    await firestore(() =>
      lock.ref.delete({lastUpdateTime: lock.writeTime}),
    ).catch(() => undefined);
  }

  /**
   * Ends a lease after a failure, keeping `pending` so that the next holder or cron's
   * repair task reconciles those tokens. If this write fails too, the lease simply
   * expires and its pending list is repaired then.
   */
  async abandon(lock: HeldLock, pending: PendingOp[]): Promise<void> {
    await firestore(() =>
      lock.ref.update(
        {holder: null, pending},
        {lastUpdateTime: lock.writeTime},
      ),
    ).catch(() => undefined);
  }
}
