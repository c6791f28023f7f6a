/**
 * Registration and removal of a user's devices, keeping Firestore (the source of truth)
 * and the user's FCM device group in agreement. Every change to a user's group happens
 * under that user's lease (leases.ts); FCM calls come first and the Firestore batch
 * that records them also ends the lease, so a failure in between leaves the operation
 * pending on the lease, to be reconciled by the next holder or by cron's repair task.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {TOKENS, USERS, tokenId, type UserDoc} from '../firestore/collections';
import {firestoreSdk} from '../firestore/client';
import type {Db} from '../firestore/db';
import {GRPC, grpcCode} from '../firestore/deadline';
import {busy} from '../platform/errors';
import type {Logger} from '../platform/logger';
import {groupName, type DeviceGroups} from './device-groups';
import {
  admitAll,
  admittedResult,
  type Admit,
  type Admitted,
  type AddResult,
  type Devices,
  type RemoveOptions,
} from './devices';
import type {HeldLease, LeaseClaim, PendingOp, UserLeases} from './leases';
import {reconcile} from './reconcile';
import {clearTombstoneIn, tombstonesIn} from './tombstones';
import {
  logDeviceChanges,
  readDeviceState,
  refreshIn,
  storedToken,
  userDevices,
  withoutDevices,
  type StoredToken,
  type UserDevices,
} from './state';

export interface DeviceRegistryDeps {
  db: Db;
  groups: DeviceGroups;
  leases: UserLeases;
  groupPrefix: string;
  maxDevices: number;
  clock: () => Date;
  log: Logger;
}

/** How one attempt at an add under the user's own lease ended. */
type AddAttempt =
  | {kind: 'done'; result: AddResult}
  /** Another user registered the same token at the same moment: start over. */
  | {kind: 'retry'}
  /** The token is another user's: move it under both leases. */
  | {kind: 'move'; fromUser: string};

/** How the first transaction of an add ended (see `addAdmitted`). */
type FirstStep =
  | {kind: 'not-admitted'}
  | {kind: 'refreshed'; result: AddResult}
  /** A new token, and the lease taken in the same commit as the state was read. */
  | {kind: 'leased'; claim: LeaseClaim; mine: UserDevices}
  /** A lease is held or left pending, or the token is another user's. */
  | {kind: 'lease-path'};

/** How a move under both leases ended. */
type MoveAttempt = {kind: 'done'; result: AddResult} | {kind: 'retry'};

const MAX_ATTEMPTS = 8;

/** The token was created by someone else between our read and our commit. */
class TokenTaken extends Error {}

/** The `fcm` backend: FCM device groups kept in step with Firestore under per-user leases. */
export class DeviceRegistry implements Devices {
  /** Users whose first transaction runs in this instance now (admission only, see addAdmitted). */
  private readonly inFlight = new Set<string>();

  constructor(private readonly deps: DeviceRegistryDeps) {}

  private name(userId: string): string {
    return groupName(this.deps.groupPrefix, userId);
  }

  /** Runs `work` under held leases; on failure leaves their operations pending for repair. */
  private async guarded<T>(
    held: Array<[HeldLease, PendingOp | null]>,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (err) {
      await Promise.all(
        held.map(([lease, op]) =>
          this.deps.leases.abandon(
            lease,
            op ? [...lease.leftover, op] : lease.leftover,
          ),
        ),
      );
      throw err;
    }
  }

  /** Reconciles what an earlier holder left pending, then keeps only `op` pending. */
  private async repairLeftover(
    lease: HeldLease,
    op: PendingOp | null,
  ): Promise<HeldLease> {
    if (lease.leftover.length === 0) return lease;
    this.deps.log.warn(
      'reconciling a device group left pending by a failed operation',
      {userId: lease.userId, pending: lease.leftover.length},
    );
    await this.reconcileUnder(lease, lease.leftover);
    return this.deps.leases.markRepaired(lease, op);
  }

  private reconcileUnder(
    lease: HeldLease,
    suspects: readonly PendingOp[],
  ): Promise<void> {
    const {db, groups} = this.deps;
    return reconcile({
      db,
      groups,
      userId: lease.userId,
      groupName: this.name(lease.userId),
      suspects,
      signal: lease.signal,
    });
  }

  /** Registers `registrationId` for `userId` (see README for the rules). */
  async add(userId: string, registrationId: string): Promise<AddResult> {
    return admittedResult(
      await this.addAdmitted(userId, registrationId, admitAll),
    );
  }

  /**
   * The common cases take one transaction that reads the user's lease, user document and
   * token document together:
   * - a repeat registration with no lease in sight is refreshed in that transaction: no
   *   lease is needed, as nothing changes in FCM, and a lease taken meanwhile by another
   *   request conflicts with the transaction's read of it, so that holder reads the
   *   refreshed state;
   * - a new token with no lease in sight takes the lease in that same commit, then the
   *   FCM call, then one commit that records it and ends the lease.
   * Anything else (a held or pending lease, a token of another user) takes the lease
   * path of `addUnderOwnLease` and `move`.
   */
  async addAdmitted(
    userId: string,
    registrationId: string,
    admit: Admit,
  ): Promise<Admitted<AddResult>> {
    const op: PendingOp = {
      op: 'add',
      token_id: tokenId(registrationId),
      registration_id: registrationId,
    };
    if (this.inFlight.has(userId)) {
      // A burst for one user: transactions over the same lease and user documents would
      // only abort one another. Wait on the lease instead, as every change did before.
      if (admit !== admitAll) return {kind: 'not-admitted'};
      return {kind: 'admitted', result: await this.addUnderLeases(userId, op)};
    }
    this.inFlight.add(userId);
    let first: FirstStep;
    try {
      first = await this.firstStep(userId, op, admit);
    } finally {
      this.inFlight.delete(userId);
    }
    switch (first.kind) {
      case 'not-admitted':
        return first;
      case 'refreshed':
        return {kind: 'admitted', result: first.result};
      case 'leased': {
        const outcome = await this.addHolding(
          await this.deps.leases.claimed(first.claim),
          op,
          first.mine,
        );
        if (outcome.kind === 'done')
          return {kind: 'admitted', result: outcome.result};
        break; // another user took the token meanwhile: the lease path
      }
      case 'lease-path':
        break;
    }
    return {kind: 'admitted', result: await this.addUnderLeases(userId, op)};
  }

  private async firstStep(
    userId: string,
    op: PendingOp,
    admit: Admit,
  ): Promise<FirstStep> {
    const {db, leases} = this.deps;
    const client = await db.client();
    const {Timestamp} = await firestoreSdk();
    const leaseRef = await leases.ref(userId);
    const userRef = client.collection(USERS).doc(userId);
    const tokenRef = client.collection(TOKENS).doc(op.token_id);
    return db.transaction(async (tx): Promise<FirstStep> => {
      const [leaseSnap, userSnap, tokenSnap] = await tx.getAll(
        leaseRef,
        userRef,
        tokenRef,
      );
      if (!admit(userSnap!.data() as UserDoc | undefined))
        return {kind: 'not-admitted'};
      if (leaseSnap!.exists) return {kind: 'lease-path'};
      const token = storedToken(tokenSnap!);
      if (token && token.user_id !== userId) return {kind: 'lease-path'};
      if (token) {
        const at = Timestamp.fromDate(this.deps.clock());
        return {
          kind: 'refreshed',
          result: {token: refreshIn(tx, client, token, at), created: false},
        };
      }
      return {
        kind: 'leased',
        claim: await leases.createIn(tx, leaseRef, op),
        mine: userDevices(userId, userSnap!),
      };
    });
  }

  private async addUnderLeases(
    userId: string,
    op: PendingOp,
  ): Promise<AddResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const outcome = await this.addUnderOwnLease(userId, op);
      if (outcome.kind === 'done') return outcome.result;
      if (outcome.kind === 'retry') continue;
      const moved = await this.move(op, userId, outcome.fromUser);
      if (moved.kind === 'done') return moved.result;
    }
    throw busy('This device is being registered elsewhere. Please retry.');
  }

  private async addUnderOwnLease(
    userId: string,
    op: PendingOp,
  ): Promise<AddAttempt> {
    const acquired = await this.deps.leases.acquire(userId, op);
    let lease = acquired;
    const held: Array<[HeldLease, PendingOp]> = [[acquired, op]];
    return this.guarded(held, async () => {
      lease = await this.repairLeftover(lease, op);
      held[0] = [lease, op];
      const {
        token: existing,
        users: [mine],
      } = await readDeviceState(this.deps.db, op.registration_id, [userId]);
      if (existing?.user_id === userId) {
        return {kind: 'done', result: await this.refresh(lease, existing)};
      }
      if (existing) {
        // The token is another user's: take both leases in a global order (no deadlock).
        await this.deps.leases.release(lease);
        return {kind: 'move', fromUser: existing.user_id};
      }
      return this.registerOrRetry(lease, op, mine!);
    });
  }

  /** Registers a token nobody had, under a lease taken with the state `mine` was read in. */
  private addHolding(
    lease: HeldLease,
    op: PendingOp,
    mine: UserDevices,
  ): Promise<AddAttempt> {
    return this.guarded([[lease, op]], () =>
      this.registerOrRetry(lease, op, mine),
    );
  }

  private async registerOrRetry(
    lease: HeldLease,
    op: PendingOp,
    mine: UserDevices,
  ): Promise<AddAttempt> {
    try {
      const result = await this.register(op.registration_id, mine, lease);
      return {kind: 'done', result};
    } catch (err) {
      if (!(err instanceof TokenTaken)) throw err;
      // Another user registered the same token at the same moment and committed first:
      // undo what this attempt did to the group, then start over (it is now a move).
      await this.reconcileUnder(lease, [op]);
      await this.deps.leases.release(lease);
      return {kind: 'retry'};
    }
  }

  /** Moves a token from `fromUser` to `userId`. */
  private async move(
    op: PendingOp,
    userId: string,
    fromUser: string,
  ): Promise<MoveAttempt> {
    const theirOp: PendingOp = {...op, op: 'remove'};
    const wanted: Array<[string, PendingOp]> = [
      [userId, op],
      [fromUser, theirOp],
    ];
    wanted.sort(([a], [b]) => (a < b ? -1 : 1));
    const held: Array<[HeldLease, PendingOp]> = [];
    held.push([await this.deps.leases.acquire(...wanted[0]!), wanted[0]![1]]);
    return this.guarded(held, async () => {
      held.push([await this.deps.leases.acquire(...wanted[1]!), wanted[1]![1]]);
      for (const entry of held) {
        entry[0] = await this.repairLeftover(entry[0], entry[1]);
      }
      const mineLease = held.find(([l]) => l.userId === userId)![0];
      const otherLease = held.find(([l]) => l.userId === fromUser)![0];
      const {
        token,
        users: [mine, theirs],
      } = await readDeviceState(this.deps.db, op.registration_id, [
        userId,
        fromUser,
      ]);
      if (token?.user_id !== fromUser) {
        // Changed hands meanwhile: start over.
        await Promise.all(held.map(([l]) => this.deps.leases.release(l)));
        return {kind: 'retry'};
      }
      const result = await this.register(op.registration_id, mine!, mineLease, {
        devices: theirs!,
        lease: otherLease,
      });
      return {kind: 'done', result};
    });
  }

  private async refresh(
    lease: HeldLease,
    token: StoredToken,
  ): Promise<AddResult> {
    const db = await this.deps.db.client();
    const {Timestamp} = await firestoreSdk();
    const batch = db.batch();
    const refreshed = refreshIn(
      batch,
      db,
      token,
      Timestamp.fromDate(this.deps.clock()),
    );
    this.deps.leases.releaseIn(batch, lease);
    await this.deps.db.callWithDeadline(() => batch.commit());
    return {token: refreshed, created: false};
  }

  private async register(
    registrationId: string,
    mine: UserDevices,
    lease: HeldLease,
    from?: {devices: UserDevices; lease: HeldLease},
  ): Promise<AddResult> {
    const {groups, maxDevices} = this.deps;
    const evicted = mine.tokens.slice(
      0,
      Math.max(0, mine.tokens.length - (maxDevices - 1)),
    );
    if (from) {
      await groups.remove(
        this.name(from.devices.userId),
        from.devices.notificationKey,
        [registrationId],
        AbortSignal.any([lease.signal, from.lease.signal]),
      );
    }
    if (evicted.length > 0) {
      await groups.remove(
        this.name(mine.userId),
        mine.notificationKey,
        evicted.map(t => t.registration_id),
        lease.signal,
      );
    }
    const groupEmptied = evicted.length === mine.tokens.length;
    const key = await groups.add(
      this.name(mine.userId),
      groupEmptied ? null : mine.notificationKey,
      [registrationId],
      lease.signal,
    );
    const db = await this.deps.db.client();
    const token = await this.newToken(registrationId, mine.userId);
    const batch = db.batch();
    for (const old of evicted) batch.delete(db.collection(TOKENS).doc(old.id));
    await tombstonesIn(batch, db, {
      userId: mine.userId,
      tokenIds: evicted.map(t => t.id),
      reason: 'evicted',
      at: token.created_at,
    });
    clearTombstoneIn(batch, db, token.id);
    const {id, ...fields} = token;
    // A new token is created with the precondition that nobody else did meanwhile (another
    // user may register the same token under their own lease); a moved one is ours to set.
    if (from) batch.set(db.collection(TOKENS).doc(id), fields);
    else batch.create(db.collection(TOKENS).doc(id), fields);
    const mineChange = await withoutDevices(
      mine,
      evicted.map(t => t.id),
    );
    (mineChange.devices as Record<string, unknown>)[id] = {
      registration_id: registrationId,
      updated_at: token.updated_at,
    };
    batch.set(
      db.collection(USERS).doc(mine.userId),
      {...mineChange, notification_key: key},
      {merge: true},
    );
    this.deps.leases.releaseIn(batch, lease);
    if (from) {
      batch.set(
        db.collection(USERS).doc(from.devices.userId),
        await withoutDevices(from.devices, [id]),
        {merge: true},
      );
      this.deps.leases.releaseIn(batch, from.lease);
    }
    await this.commit(batch, !from);
    logDeviceChanges(this.deps.log, {
      userId: mine.userId,
      tokenId: id,
      evicted: evicted.map(t => t.id),
      from: from?.devices.userId,
    });
    return {token, created: true};
  }

  private async newToken(
    registrationId: string,
    userId: string,
  ): Promise<StoredToken> {
    const {Timestamp} = await firestoreSdk();
    const now = Timestamp.fromDate(this.deps.clock());
    return {
      id: tokenId(registrationId),
      user_id: userId,
      registration_id: registrationId,
      created_at: now,
      updated_at: now,
    };
  }

  private async commit(
    batch: ReturnType<Firestore['batch']>,
    createsToken: boolean,
  ): Promise<void> {
    try {
      await this.deps.db.callWithDeadline(() => batch.commit());
    } catch (err) {
      const code = grpcCode((err as Error).cause);
      if (createsToken && code === GRPC.ALREADY_EXISTS) throw new TokenTaken();
      throw err;
    }
  }

  /**
   * Removes `registrationId` from `userId`'s devices; a token the user does not have is a
   * no-op. With `onlyIfUpdatedBefore` (pruning), a token refreshed since then is kept.
   * @returns whether the token was removed
   */
  async remove(
    userId: string,
    registrationId: string,
    options: RemoveOptions = {},
  ): Promise<boolean> {
    return admittedResult(
      await this.removeAdmitted(userId, registrationId, admitAll, options),
    );
  }

  /** `remove`, checking `admit` on the user document read with the token's (one read). */
  async removeAdmitted(
    userId: string,
    registrationId: string,
    admit: Admit,
    options: RemoveOptions = {},
  ): Promise<Admitted<boolean>> {
    const {db} = this.deps;
    const client = await db.client();
    const [userSnap, tokenSnap] = await db.callWithDeadline(() =>
      client.getAll(
        client.collection(USERS).doc(userId),
        client.collection(TOKENS).doc(tokenId(registrationId)),
      ),
    );
    if (!admit(userSnap!.data() as UserDoc | undefined))
      return {kind: 'not-admitted'};
    const before = storedToken(tokenSnap!);
    // Not theirs: nothing to do, and nothing revealed.
    if (before?.user_id !== userId) return {kind: 'admitted', result: false};
    return {
      kind: 'admitted',
      result: await this.removeUnderLease(userId, before, options),
    };
  }

  private async removeUnderLease(
    userId: string,
    before: StoredToken,
    options: RemoveOptions,
  ): Promise<boolean> {
    const registrationId = before.registration_id;
    const op: PendingOp = {
      op: 'remove',
      token_id: before.id,
      registration_id: registrationId,
    };
    const acquired = await this.deps.leases.acquire(userId, op);
    const held: Array<[HeldLease, PendingOp]> = [[acquired, op]];
    return this.guarded(held, async () => {
      const lease = await this.repairLeftover(acquired, op);
      held[0] = [lease, op];
      const {
        token,
        users: [mine],
      } = await readDeviceState(this.deps.db, registrationId, [userId]);
      const cutoff = options.onlyIfUpdatedBefore?.getTime();
      // Checked under the lease: a device that registered again meanwhile is not stale.
      if (
        token?.user_id !== userId ||
        (cutoff !== undefined && token.updated_at.toMillis() >= cutoff)
      ) {
        await this.deps.leases.release(lease);
        return false;
      }
      await this.deps.groups.remove(
        this.name(userId),
        mine!.notificationKey,
        [registrationId],
        lease.signal,
      );
      const db = await this.deps.db.client();
      const batch = db.batch();
      batch.delete(db.collection(TOKENS).doc(token.id));
      const {Timestamp} = await firestoreSdk();
      await tombstonesIn(batch, db, {
        userId,
        tokenIds: [token.id],
        reason: options.reason ?? 'removed',
        at: Timestamp.fromDate(this.deps.clock()),
      });
      batch.set(
        db.collection(USERS).doc(userId),
        await withoutDevices(mine!, [token.id]),
        {merge: true},
      );
      this.deps.leases.releaseIn(batch, lease);
      await this.deps.db.callWithDeadline(() => batch.commit());
      return true;
    });
  }

  /**
   * Reconciles a user whose lease was left pending by a failed operation (cron's repair
   * task). Answers false when the lease is busy or there is nothing to repair.
   */
  async repair(userId: string): Promise<boolean> {
    const lease = await this.deps.leases.tryAcquire(userId);
    if (!lease) return false;
    await this.guarded([[lease, null]], async () => {
      if (lease.leftover.length > 0) {
        await this.reconcileUnder(lease, lease.leftover);
      }
      await this.deps.leases.release(lease);
    });
    return lease.leftover.length > 0;
  }

  /**
   * Rebuilds the user's FCM group from Firestore (the token documents), whatever the lease
   * says: for a data import, or when switching the backend from `firestore` to `fcm`.
   * Waits for the user's lease like any change. `strays` leave the group; a failure
   * leaves them pending on the lease with its leftover, for cron's repair.
   */
  async rebuild(userId: string, strays: readonly string[] = []): Promise<void> {
    const lease = await this.deps.leases.acquire(userId, null);
    const suspects = [
      ...lease.leftover,
      ...strays.map((r): PendingOp => ({
        op: 'remove',
        token_id: tokenId(r),
        registration_id: r,
      })),
    ];
    try {
      await this.reconcileUnder(lease, suspects);
    } catch (err) {
      await this.deps.leases.abandon(lease, suspects);
      throw err;
    }
    await this.deps.leases.release(lease);
  }
}
