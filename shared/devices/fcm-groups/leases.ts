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
 *
 * A holder's remote work must end before its lease does: `HeldLease.signal` aborts at the
 * lease's expiry less a margin for the final commit, and every FCM call made under the
 * lease listens to it. So after a takeover no call of the earlier holder is still running.
 */
import {randomUUID} from 'node:crypto';
import type {
  DocumentReference,
  Firestore,
  Timestamp,
  Transaction,
  WriteBatch,
} from 'firebase-admin/firestore';
import {LEASES} from '../../firestore/collections';
import {firestoreSdk} from '../../firestore/client';
import type {Db} from '../../firestore/db';
import {busy} from '../../platform/errors';

export interface PendingOp {
  op: 'add' | 'remove';
  token_id: string;
  /** The token itself: a repair must be able to remove it from FCM by value. */
  registration_id: string;
}

/** A lease document as stored (undefined when there is none). */
const leaseData = (snapshot: {data(): unknown}) =>
  snapshot.data() as LeaseDoc | undefined;

interface LeaseDoc {
  holder: string | null;
  acquired_at?: Timestamp;
  ttl_ms?: number;
  pending?: PendingOp[];
}

export interface HeldLease {
  readonly userId: string;
  readonly ref: DocumentReference;
  /** Update time of our lease document: the precondition of every write that ends it. */
  readonly writeTime: Timestamp;
  /** Operations left pending by an earlier holder that failed: reconcile them first. */
  readonly leftover: PendingOp[];
  /** Aborts when remote work under this lease must stop (expiry less the commit margin). */
  readonly signal: AbortSignal;
}

export interface UserLeasesOptions {
  ttlMs: number;
  /** How long `acquire` waits for a busy lease before answering 503. */
  waitMs: number;
  /** Waiters per user lease in this instance; beyond it, 503 at once. */
  maxWaiters: number;
  /** Room left at the end of a lease for the commit that ends it. */
  commitMarginMs: number;
  /** Pending operations a lease may carry; beyond it, new changes wait for a repair (503). */
  maxPending: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A lease written by the caller's own transaction, not yet known to be held (see `createIn`). */
export interface LeaseClaim {
  readonly userId: string;
  readonly holder: string;
  readonly signal: AbortSignal;
}

type FieldValueClass = Awaited<ReturnType<typeof firestoreSdk>>['FieldValue'];

type Attempt =
  {kind: 'held'; lease: HeldLease} | {kind: 'busy'} | {kind: 'full'};

const defaultSleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

const samePending = (a: PendingOp, b: PendingOp) =>
  a.op === b.op && a.token_id === b.token_id;

function pendingFull() {
  return busy(
    "Earlier changes to this user's devices are waiting for a repair. Please retry.",
  );
}

export class UserLeases {
  /** Requests of this instance waiting for each user's lease (admission control only). */
  private readonly waiters = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly options: UserLeasesOptions,
  ) {}

  /**
   * Takes the lease of `userId`, recording `op` as pending. Waits (with jittered backoff)
   * while another holder has it, within the wait budget and the per-user waiter cap;
   * otherwise throws the busy 503.
   */
  async acquire(userId: string, op: PendingOp | null): Promise<HeldLease> {
    const db = await this.db.client();
    const ref = db.collection(LEASES).doc(userId);
    const holder = randomUUID();
    const first = await this.attempt(db, ref, userId, holder, op, true);
    if (first.kind === 'held') return first.lease;
    if (first.kind === 'full') throw pendingFull();
    const waiting = this.waiters.get(userId) ?? 0;
    if (waiting >= this.options.maxWaiters) {
      throw busy(
        "Too many requests are waiting to change this user's devices. Please retry.",
      );
    }
    this.waiters.set(userId, waiting + 1);
    try {
      return await this.wait(db, ref, userId, holder, op);
    } finally {
      const left = (this.waiters.get(userId) ?? 1) - 1;
      if (left > 0) this.waiters.set(userId, left);
      else this.waiters.delete(userId);
    }
  }

  /** The document of `userId`'s lease, for a transaction that reads it. */
  async ref(userId: string): Promise<DocumentReference> {
    return (await this.db.client()).collection(LEASES).doc(userId);
  }

  /**
   * Takes the lease of `userId` inside the caller's transaction, which read it and found
   * none: the state it read and the lease then commit together. After the commit,
   * `claimed` makes it a held lease.
   */
  async createIn(
    tx: Transaction,
    ref: DocumentReference,
    op: PendingOp,
  ): Promise<LeaseClaim> {
    const claim: LeaseClaim = {
      userId: ref.id,
      holder: randomUUID(),
      signal: this.expirySignal(),
    };
    const {FieldValue} = await firestoreSdk();
    tx.create(ref, this.fields(FieldValue, claim.holder, [op]));
    return claim;
  }

  /**
   * The lease a committed `createIn` wrote. One read: the transaction does not tell its
   * commit time, and the lease's update time is the precondition of every write that
   * ends it.
   */
  async claimed(claim: LeaseClaim): Promise<HeldLease> {
    const ref = await this.ref(claim.userId);
    const snapshot = await this.db.callWithDeadline(() => ref.get());
    if (leaseData(snapshot)?.holder !== claim.holder) throw busy(); // expired and taken over already: only a stalled instance gets here
    return {
      userId: claim.userId,
      ref,
      writeTime: snapshot.updateTime!,
      leftover: [],
      signal: claim.signal,
    };
  }

  /** A lease document of `holder` with `pending`, acquired at Firestore's time of the write. */
  private fields(
    FieldValue: FieldValueClass,
    holder: string,
    pending: PendingOp[],
  ) {
    return {
      holder,
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: this.options.ttlMs,
      pending,
    };
  }

  /**
   * The holder's deadline for remote work: the lease's expiry less the commit margin.
   * Started before the write that takes the lease, so it can only be earlier than
   * Firestore's own.
   */
  private expirySignal(): AbortSignal {
    const {ttlMs, commitMarginMs} = this.options;
    return AbortSignal.timeout(Math.max(0, ttlMs - commitMarginMs));
  }

  /** Takes the lease only if it is free now (cron's repair task); null when busy. */
  async tryAcquire(userId: string): Promise<HeldLease | null> {
    const db = await this.db.client();
    const ref = db.collection(LEASES).doc(userId);
    const result = await this.attempt(
      db,
      ref,
      userId,
      randomUUID(),
      null,
      true,
    );
    return result.kind === 'held' ? result.lease : null;
  }

  private async wait(
    db: Firestore,
    ref: DocumentReference,
    userId: string,
    holder: string,
    op: PendingOp | null,
  ): Promise<HeldLease> {
    const started = performance.now();
    const sleep = this.options.sleep ?? defaultSleep;
    for (let attempt = 1; ; attempt++) {
      if (performance.now() - started >= this.options.waitMs) throw busy();
      const backoff = Math.min(250, 10 * 1.5 ** attempt);
      await sleep(backoff / 2 + Math.random() * backoff);
      const result = await this.attempt(db, ref, userId, holder, op, false);
      if (result.kind === 'held') return result.lease;
      if (result.kind === 'full') throw pendingFull();
    }
  }

  private async attempt(
    db: Firestore,
    ref: DocumentReference,
    userId: string,
    holder: string,
    op: PendingOp | null,
    firstAttempt: boolean,
  ): Promise<Attempt> {
    const {maxPending} = this.options;
    const {FieldValue} = await firestoreSdk();
    const fields = (pending: PendingOp[]) =>
      this.fields(FieldValue, holder, pending);
    const signal = this.expirySignal();
    const held = (writeTime: Timestamp, leftover: PendingOp[]): Attempt => ({
      kind: 'held',
      lease: {userId, ref, writeTime, leftover, signal},
    });
    const create = async (): Promise<Attempt> => {
      const created = await this.db.createIfAbsent(ref, fields(op ? [op] : []));
      return created.kind === 'created'
        ? held(created.writeTime, [])
        : {kind: 'busy'};
    };
    // The first attempt just creates the lease; waiters poll with a read (cheaper than a
    // failing write) and only write when the lease looks free.
    if (firstAttempt) {
      const created = await create();
      if (created.kind === 'held') return created;
    }
    const current = await this.db.callWithDeadline(() => ref.get());
    if (!current.exists) return create();
    const seen = leaseData(current)!;
    const seenExpiry = (seen.acquired_at?.toMillis() ?? 0) + (seen.ttl_ms ?? 0);
    if (seen.holder !== null && current.readTime.toMillis() < seenExpiry)
      return {kind: 'busy'};
    // Someone holds the lease, or left it behind: take it over only if it is free.
    const taken = await this.db.callWithDeadline(() =>
      db.runTransaction(async (tx): Promise<Attempt | PendingOp[]> => {
        const snapshot = await tx.get(ref);
        if (!snapshot.exists) {
          tx.create(ref, fields(op ? [op] : [])); // released meanwhile: take it
          return [];
        }
        const doc = leaseData(snapshot)!;
        const expiresAt =
          (doc.acquired_at?.toMillis() ?? 0) + (doc.ttl_ms ?? 0);
        const free =
          doc.holder === null || snapshot.readTime.toMillis() >= expiresAt;
        if (!free) return {kind: 'busy'};
        const previous = doc.pending ?? [];
        const known = !op || previous.some(p => samePending(p, op));
        if (!known && previous.length >= maxPending) return {kind: 'full'};
        tx.set(ref, fields(known ? previous : [...previous, op!]));
        return previous;
      }),
    );
    if (!Array.isArray(taken)) return taken;
    const mine = await this.db.callWithDeadline(() => ref.get());
    if (leaseData(mine)?.holder !== holder) return {kind: 'busy'};
    return held(mine.updateTime!, taken);
  }

  /**
   * After the leftover of `lease` was repaired: keeps only `op` pending, so that a
   * user whose requests fail again and again does not grow the lease without bound.
   * @returns the lease with its new write time
   */
  async markRepaired(
    lease: HeldLease,
    op: PendingOp | null,
  ): Promise<HeldLease> {
    const result = await this.db.callWithDeadline(() =>
      lease.ref.update(
        {pending: op ? [op] : []},
        {lastUpdateTime: lease.writeTime},
      ),
    );
    return {...lease, leftover: [], writeTime: result.writeTime};
  }

  /** Adds the end of the lease to the batch that commits the holder's work. */
  releaseIn(batch: WriteBatch, lease: HeldLease): void {
    batch.delete(lease.ref, {lastUpdateTime: lease.writeTime});
  }

  /** Ends a lease whose work is fully done or was never started. */
  async release(lease: HeldLease): Promise<void> {
    await this.db
      .callWithDeadline(() =>
        lease.ref.delete({lastUpdateTime: lease.writeTime}),
      )
      .catch(() => undefined);
  }

  /**
   * Ends a lease after a failure, keeping `pending` so that the next holder or cron's
   * repair task reconciles those tokens. If this write fails too, the lease simply
   * expires and its pending list is repaired then.
   */
  async abandon(lease: HeldLease, pending: PendingOp[]): Promise<void> {
    await this.db
      .callWithDeadline(() =>
        lease.ref.update(
          {holder: null, pending},
          {lastUpdateTime: lease.writeTime},
        ),
      )
      .catch(() => undefined);
  }
}
