/**
 * The `firestore` backend (DEVICE_GROUPS=firestore): the user's device list in Firestore
 * is the group, and no device-group call is ever made. Nothing outside Firestore changes,
 * so there is no lease and nothing to reconcile: each add or remove is one transaction
 * over the token document and the user documents it touches. The rules are the same as
 * the `fcm` backend's: refresh, eviction of the least recently registered device at
 * MAX_DEVICES_PER_USER, a token moving between users, idempotent removal.
 */
import type {
  DocumentSnapshot,
  Firestore,
  Transaction,
} from 'firebase-admin/firestore';
import {LEASES, TOKENS, USERS, tokenId} from '../firestore/collections';
import {firestoreSdk} from '../firestore/client';
import type {Db} from '../firestore/db';
import {busy, isAppError} from '../platform/errors';
import type {Logger} from '../platform/logger';
import type {AddResult, Devices, RemoveOptions} from './devices';
import {UserQueue} from './user-queue';
import {
  readUserDevicesFromTokens,
  storedToken,
  userDevices,
  withoutDevices,
  type StoredToken,
} from './state';

export interface FirestoreDevicesDeps {
  db: Db;
  maxDevices: number;
  clock: () => Date;
  log: Logger;
  /** Requests of one user that may wait in this instance (LOCK_MAX_WAITERS). */
  maxWaiting: number;
  /** Attempts of one transaction under contention before answering the busy 503. */
  maxAttempts?: number;
}

/** Firestore's answer when a transaction lost to contention too often. */
const ABORTED = 10;

export class FirestoreDevices implements Devices {
  private readonly queue: UserQueue;

  constructor(private readonly deps: FirestoreDevicesDeps) {
    this.queue = new UserQueue(deps.maxWaiting);
  }

  /** Runs `work` as one transaction; contention that outlasts the retries is the busy 503. */
  private async transaction<T>(
    work: (tx: Transaction, db: Firestore) => Promise<T>,
  ): Promise<T> {
    const {db, maxAttempts = 10} = this.deps;
    const client = await db.client();
    try {
      return await db.raceDeadline(() =>
        client.runTransaction(tx => work(tx, client), {maxAttempts}),
      );
    } catch (err) {
      if (isAppError(err)) throw err;
      if ((err as {code?: unknown}).code === ABORTED) throw busy();
      return db.callWithDeadline(() => Promise.reject(err));
    }
  }

  add(userId: string, registrationId: string): Promise<AddResult> {
    return this.queue.run(userId, () => this.addNow(userId, registrationId));
  }

  private async addNow(
    userId: string,
    registrationId: string,
  ): Promise<AddResult> {
    const {Timestamp} = await firestoreSdk();
    const id = tokenId(registrationId);
    const result = await this.transaction(async (tx, db) => {
      const tokenRef = db.collection(TOKENS).doc(id);
      const [tokenSnap, userSnap] = await tx.getAll(
        tokenRef,
        db.collection(USERS).doc(userId),
      );
      const existing = storedToken(tokenSnap!);
      const now = Timestamp.fromDate(this.deps.clock());
      if (existing?.user_id === userId) {
        tx.update(tokenRef, {updated_at: now});
        tx.set(
          db.collection(USERS).doc(userId),
          {devices: {[id]: {registration_id: registrationId, updated_at: now}}},
          {merge: true},
        );
        return {
          token: {...existing, updated_at: now},
          created: false,
          evicted: [] as string[],
          from: undefined,
        };
      }
      // Reads come before writes in a transaction: the previous owner's list first.
      const fromSnap: DocumentSnapshot | undefined = existing
        ? await tx.get(db.collection(USERS).doc(existing.user_id))
        : undefined;
      const mine = userDevices(userId, userSnap!);
      const evicted = mine.tokens.slice(
        0,
        Math.max(0, mine.tokens.length - (this.deps.maxDevices - 1)),
      );
      const token: StoredToken = {
        id,
        user_id: userId,
        registration_id: registrationId,
        created_at: now,
        updated_at: now,
      };
      for (const old of evicted) tx.delete(db.collection(TOKENS).doc(old.id));
      tx.set(tokenRef, {
        user_id: userId,
        registration_id: registrationId,
        created_at: now,
        updated_at: now,
      });
      const change = await withoutDevices(
        mine,
        evicted.map(t => t.id),
        {keepKey: true},
      );
      (change.devices as Record<string, unknown>)[id] = {
        registration_id: registrationId,
        updated_at: now,
      };
      tx.set(db.collection(USERS).doc(userId), change, {merge: true});
      if (existing && fromSnap) {
        const theirs = userDevices(existing.user_id, fromSnap);
        tx.set(
          db.collection(USERS).doc(existing.user_id),
          await withoutDevices(theirs, [id], {keepKey: true}),
          {merge: true},
        );
      }
      return {
        token,
        created: true,
        evicted: evicted.map(t => t.id),
        from: existing?.user_id,
      };
    });
    this.logChanges(userId, result.evicted, result.from, id);
    return {token: result.token, created: result.created};
  }

  private logChanges(
    userId: string,
    evicted: readonly string[],
    fromUser: string | undefined,
    id: string,
  ): void {
    if (evicted.length > 0) {
      this.deps.log.info('evicted least recently registered devices', {
        userId,
        evicted,
      });
    }
    if (fromUser !== undefined) {
      this.deps.log.info('moved a device to another user', {
        from: fromUser,
        to: userId,
        tokenId: id,
      });
    }
  }

  remove(
    userId: string,
    registrationId: string,
    options: RemoveOptions = {},
  ): Promise<boolean> {
    return this.queue.run(userId, () =>
      this.removeNow(userId, registrationId, options),
    );
  }

  private async removeNow(
    userId: string,
    registrationId: string,
    options: RemoveOptions,
  ): Promise<boolean> {
    const id = tokenId(registrationId);
    const cutoff = options.onlyIfUpdatedBefore?.getTime();
    return this.transaction(async (tx, db) => {
      const tokenRef = db.collection(TOKENS).doc(id);
      const userRef = db.collection(USERS).doc(userId);
      const [tokenSnap, userSnap] = await tx.getAll(tokenRef, userRef);
      const token = storedToken(tokenSnap!);
      // Not theirs: nothing to do, and nothing revealed. A device that registered
      // again since `cutoff` is not stale.
      if (token?.user_id !== userId) return false;
      if (cutoff !== undefined && token.updated_at.toMillis() >= cutoff)
        return false;
      tx.delete(tokenRef);
      tx.set(
        userRef,
        await withoutDevices(userDevices(userId, userSnap!), [id], {
          keepKey: true,
        }),
        {merge: true},
      );
      return true;
    });
  }

  /**
   * Nothing is ever left half-done here. A lease left behind by the `fcm` backend (after
   * a switch) is deleted, so cron's repair task stops finding it.
   */
  async repair(userId: string): Promise<boolean> {
    const {db} = this.deps;
    const client = await db.client();
    const ref = client.collection(LEASES).doc(userId);
    const snapshot = await db.callWithDeadline(() => ref.get());
    if (!snapshot.exists) return false;
    await db.callWithDeadline(() =>
      ref.delete({lastUpdateTime: snapshot.updateTime!}),
    );
    return true;
  }

  /** Rewrites the user's device list from the token documents (after an import). */
  async rebuild(userId: string): Promise<void> {
    const {db} = this.deps;
    const devices = await readUserDevicesFromTokens(db, userId);
    const map = Object.fromEntries(
      devices.tokens.map(t => [
        t.id,
        {registration_id: t.registration_id, updated_at: t.updated_at},
      ]),
    );
    const client = await db.client();
    await db.callWithDeadline(() =>
      client
        .collection(USERS)
        .doc(userId)
        .set({devices: map}, {mergeFields: ['devices']}),
    );
  }
}
