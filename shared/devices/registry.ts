/**
 * Registration and removal of a user's devices, keeping Firestore (the source of truth)
 * and the user's FCM device group in agreement. Every change to a user's group happens
 * under that user's lease (user-lock.ts); FCM calls come first and the Firestore batch
 * that records them also ends the lease, so a failure in between leaves the operation
 * pending on the lease, to be reconciled by the next holder or by cron's repair task.
 */
import type {Firestore, Timestamp} from 'firebase-admin/firestore';
import {TOKENS, USERS, tokenId} from '../firestore/collections';
import {groupName, type DeviceGroups} from './device-groups';
import {
  readDeviceState,
  readToken,
  type StoredToken,
  type UserDevices,
} from './state';
import {AppError, RETRY_AFTER_SECONDS} from '../platform/errors';
import {firestore, grpcCode, GRPC} from '../firestore/deadline';
import type {Logger} from '../platform/logger';
import {reconcile} from './reconcile';
import type {HeldLock, PendingOp, UserLocks} from './leases';

export interface DeviceRegistryDeps {
  db: () => Promise<Firestore>;
  groups: DeviceGroups;
  locks: UserLocks;
  groupPrefix: string;
  maxDevices: number;
  /** Time an FCM call may take: a lease with less validity left than two of them is not used. */
  fcmTimeoutMs: number;
  clock: () => Date;
  log: Logger;
}

export interface AddResult {
  token: StoredToken;
  /** False when the user already had this token and only its `updated_at` was refreshed. */
  created: boolean;
}

const MAX_ATTEMPTS = 8;

/** The token was created by someone else between our read and our commit. */
class TokenTaken extends Error {}

export interface RemoveOptions {
  /** Remove only if the token's `updated_at` is older than this (checked under the lease). */
  onlyIfUpdatedBefore?: Date;
}

/** The Firestore SDK, loaded on first use so importing this module stays cheap (cold start). */
const sdk = () => import('firebase-admin/firestore');

async function timestampOf(date: Date): Promise<Timestamp> {
  return (await sdk()).Timestamp.fromDate(date);
}

/** The user-document change that drops devices from its `devices` map (and the key with the last one). */
async function withoutDevices(
  devices: UserDevices,
  ids: readonly string[],
): Promise<Record<string, unknown>> {
  const {FieldValue} = await sdk();
  const remaining = devices.tokens.filter(t => !ids.includes(t.id)).length;
  return {
    devices: Object.fromEntries(ids.map(id => [id, FieldValue.delete()])),
    ...(remaining === 0 ? {notification_key: null} : {}),
  };
}

export class DeviceRegistry {
  constructor(private readonly deps: DeviceRegistryDeps) {}

  private name(userId: string): string {
    return groupName(this.deps.groupPrefix, userId);
  }

  /** Refuses to start an FCM call that could outlive the lease. */
  private ensureLease(...locks: HeldLock[]): void {
    if (locks.some(lock => lock.remainingMs() < 2 * this.deps.fcmTimeoutMs)) {
      throw new AppError('busy', 'The operation took too long. Please retry.', {
        headers: {'Retry-After': String(RETRY_AFTER_SECONDS)},
      });
    }
  }

  /** Runs `work` under held leases; on failure leaves their operations pending for repair. */
  private async guarded<T>(
    locks: Array<[HeldLock, PendingOp | null]>,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (err) {
      await Promise.all(
        locks.map(([lock, op]) =>
          this.deps.locks.abandon(
            lock,
            op ? [...lock.leftover, op] : lock.leftover,
          ),
        ),
      );
      throw err;
    }
  }

  private async repairLeftover(db: Firestore, lock: HeldLock): Promise<void> {
    if (lock.leftover.length === 0) return;
    this.deps.log.warn(
      'reconciling a device group left pending by a failed operation',
      {
        userId: lock.userId,
        pending: lock.leftover.length,
      },
    );
    await reconcile(
      {db, groups: this.deps.groups, groupName: this.name(lock.userId)},
      lock,
    );
  }

  /** Registers `registrationId` for `userId` (see README for the rules). */
  async add(userId: string, registrationId: string): Promise<AddResult> {
    const db = await firestore(this.deps.db);
    const op: PendingOp = {
      op: 'add',
      token_id: tokenId(registrationId),
      registration_id: registrationId,
    };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const lock = (await this.deps.locks.acquire(userId, op))!;
      const outcome = await this.guarded([[lock, op]], async () => {
        await this.repairLeftover(db, lock);
        const {
          token: existing,
          users: [mine],
        } = await readDeviceState(db, registrationId, [userId]);
        if (existing?.user_id === userId)
          return this.refresh(db, lock, existing);
        if (!existing) {
          try {
            return await this.register(db, registrationId, mine!, lock);
          } catch (err) {
            if (!(err instanceof TokenTaken)) throw err;
            // Another user registered the same token at the same moment and committed first:
            // undo what this attempt did to the group, then start over (it is now a move).
            await reconcile(
              {db, groups: this.deps.groups, groupName: this.name(userId)},
              {...lock, leftover: [op]},
            );
            await this.deps.locks.release(lock);
            return null;
          }
        }
        return existing.user_id;
      });
      if (outcome === null) continue;
      if (typeof outcome !== 'string') return outcome;
      // The token is another user's: take both leases in a global order (no deadlock).
      await this.deps.locks.release(lock);
      const moved = await this.move(db, registrationId, op, userId, outcome);
      if (moved) return moved;
    }
    throw new AppError(
      'busy',
      'This device is being registered elsewhere. Please retry.',
      {
        headers: {'Retry-After': String(RETRY_AFTER_SECONDS)},
      },
    );
  }

  /** Moves a token from `fromUser` to `userId`; null when it changed hands meanwhile. */
  private async move(
    db: Firestore,
    registrationId: string,
    op: PendingOp,
    userId: string,
    fromUser: string,
  ) {
    const theirOp: PendingOp = {...op, op: 'remove'};
    const wanted: Array<[string, PendingOp]> = [
      [userId, op],
      [fromUser, theirOp],
    ];
    wanted.sort(([a], [b]) => (a < b ? -1 : 1));
    const first = (await this.deps.locks.acquire(...wanted[0]!))!;
    const held: Array<[HeldLock, PendingOp]> = [[first, wanted[0]![1]]];
    return this.guarded(held, async () => {
      held.push([
        (await this.deps.locks.acquire(...wanted[1]!))!,
        wanted[1]![1],
      ]);
      const lock = held.find(([l]) => l.userId === userId)![0];
      const other = held.find(([l]) => l.userId === fromUser)![0];
      await this.repairLeftover(db, lock);
      await this.repairLeftover(db, other);
      const {
        token,
        users: [mine, theirs],
      } = await readDeviceState(db, registrationId, [userId, fromUser]);
      if (token?.user_id !== fromUser) {
        await Promise.all(held.map(([l]) => this.deps.locks.release(l))); // changed hands: start over
        return null;
      }
      return this.register(db, registrationId, mine!, lock, {
        devices: theirs!,
        lock: other,
      });
    });
  }

  private async refresh(
    db: Firestore,
    lock: HeldLock,
    token: StoredToken,
  ): Promise<AddResult> {
    const updatedAt = await timestampOf(this.deps.clock());
    const batch = db.batch();
    batch.update(db.collection(TOKENS).doc(token.id), {updated_at: updatedAt});
    const entry = {
      registration_id: token.registration_id,
      updated_at: updatedAt,
    };
    batch.set(
      db.collection(USERS).doc(token.user_id),
      {devices: {[token.id]: entry}},
      {merge: true},
    );
    this.deps.locks.releaseIn(batch, lock);
    await firestore(() => batch.commit());
    return {token: {...token, updated_at: updatedAt}, created: false};
  }

  private async register(
    db: Firestore,
    registrationId: string,
    mine: UserDevices,
    lock: HeldLock,
    from?: {devices: UserDevices; lock: HeldLock},
  ): Promise<AddResult> {
    const {groups, maxDevices} = this.deps;
    const evicted = mine.tokens.slice(
      0,
      Math.max(0, mine.tokens.length - (maxDevices - 1)),
    );
    if (from) {
      this.ensureLease(lock, from.lock);
      await groups.remove(
        this.name(from.devices.userId),
        from.devices.notificationKey,
        [registrationId],
      );
    }
    if (evicted.length > 0) {
      this.ensureLease(lock);
      await groups.remove(
        this.name(mine.userId),
        mine.notificationKey,
        evicted.map(t => t.registration_id),
      );
    }
    this.ensureLease(lock);
    const groupEmptied = evicted.length === mine.tokens.length;
    const key = await groups.add(
      this.name(mine.userId),
      groupEmptied ? null : mine.notificationKey,
      [registrationId],
    );

    const now = await timestampOf(this.deps.clock());
    const token: StoredToken = {
      id: tokenId(registrationId),
      user_id: mine.userId,
      registration_id: registrationId,
      created_at: now,
      updated_at: now,
    };
    const batch = db.batch();
    for (const old of evicted) batch.delete(db.collection(TOKENS).doc(old.id));
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
      updated_at: now,
    };
    batch.set(
      db.collection(USERS).doc(mine.userId),
      {...mineChange, notification_key: key},
      {merge: true},
    );
    this.deps.locks.releaseIn(batch, lock);
    if (from) {
      batch.set(
        db.collection(USERS).doc(from.devices.userId),
        await withoutDevices(from.devices, [id]),
        {merge: true},
      );
      this.deps.locks.releaseIn(batch, from.lock);
    }
    try {
      await firestore(() => batch.commit());
    } catch (err) {
      if (!from && grpcCode((err as Error).cause) === GRPC.ALREADY_EXISTS)
        throw new TokenTaken();
      throw err;
    }
    if (evicted.length > 0)
      this.deps.log.info('evicted least recently registered devices', {
        userId: mine.userId,
        evicted: evicted.map(t => t.id),
      });
    if (from)
      this.deps.log.info('moved a device to another user', {
        from: from.devices.userId,
        to: mine.userId,
        tokenId: id,
      });
    return {token, created: true};
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
    const db = await firestore(this.deps.db);
    const before = await readToken(db, registrationId);
    if (before?.user_id !== userId) return false; // not theirs: nothing to do, and nothing revealed
    const op: PendingOp = {
      op: 'remove',
      token_id: before.id,
      registration_id: registrationId,
    };
    const lock = (await this.deps.locks.acquire(userId, op))!;
    return this.guarded([[lock, op]], async () => {
      await this.repairLeftover(db, lock);
      const {
        token,
        users: [mine],
      } = await readDeviceState(db, registrationId, [userId]);
      const cutoff = options.onlyIfUpdatedBefore?.getTime();
      // Checked under the lease: a device that registered again meanwhile is not stale.
      if (
        token?.user_id !== userId ||
        (cutoff !== undefined && token.updated_at.toMillis() >= cutoff)
      ) {
        await this.deps.locks.release(lock);
        return false;
      }
      this.ensureLease(lock);
      await this.deps.groups.remove(this.name(userId), mine!.notificationKey, [
        registrationId,
      ]);
      const batch = db.batch();
      batch.delete(db.collection(TOKENS).doc(token.id));
      batch.set(
        db.collection(USERS).doc(userId),
        await withoutDevices(mine!, [token.id]),
        {merge: true},
      );
      this.deps.locks.releaseIn(batch, lock);
      await firestore(() => batch.commit());
      return true;
    });
  }

  /**
   * Reconciles a user whose lease was left pending by a failed operation (cron's repair
   * task). Answers false when the lease is busy or there is nothing to repair.
   */
  async repair(userId: string): Promise<boolean> {
    const db = await firestore(this.deps.db);
    const lock = await this.deps.locks.acquire(userId, null, {wait: false});
    if (!lock) return false;
    await this.guarded([[lock, null]], async () => {
      await this.repairLeftover(db, lock);
      await this.deps.locks.release(lock);
    });
    return lock.leftover.length > 0;
  }

  /**
   * Rebuilds the user's FCM group from Firestore (the token documents), whatever the lease
   * says: for a data import, or when switching the backend from `firestore` to `fcm`.
   * Waits for the user's lease like any change.
   */
  async rebuild(userId: string): Promise<void> {
    const db = await firestore(this.deps.db);
    const lock = (await this.deps.locks.acquire(userId, null))!;
    await this.guarded([[lock, null]], async () => {
      await reconcile(
        {db, groups: this.deps.groups, groupName: this.name(userId)},
        lock,
      );
      await this.deps.locks.release(lock);
    });
  }
}
