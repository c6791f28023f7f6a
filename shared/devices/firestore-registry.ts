/**
 * The `firestore` backend (DEVICE_GROUPS=firestore): the user's device list in Firestore
 * is the group, and no device-group call is ever made. Nothing outside Firestore changes,
 * so there is no lease and nothing to reconcile: each add or remove is one transaction
 * over the token document and the user documents it touches. The rules are the same as
 * the `fcm` backend's: refresh, eviction of the least recently registered device at
 * MAX_DEVICES_PER_USER, a token moving between users, idempotent removal.
 */
import type {DocumentSnapshot} from 'firebase-admin/firestore';
import {
  LEASES,
  TOKENS,
  USERS,
  tokenId,
  type UserDoc,
} from '../firestore/collections';
import {firestoreSdk} from '../firestore/client';
import type {Db} from '../firestore/db';
import type {Logger} from '../platform/logger';
import {
  admitAll,
  admittedResult,
  type Admit,
  type Admitted,
  type AddResult,
  type Devices,
  type RemoveOptions,
} from './devices';
import {clearTombstoneIn, tombstonesIn} from './tombstones';
import {UserQueue} from './user-queue';
import {
  logDeviceChanges,
  readDevicesIn,
  refreshIn,
  storedToken,
  syncDevicesMapIn,
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
}

export class FirestoreDevices implements Devices {
  private readonly queue: UserQueue;

  constructor(private readonly deps: FirestoreDevicesDeps) {
    this.queue = new UserQueue(deps.maxWaiting);
  }

  async add(userId: string, registrationId: string): Promise<AddResult> {
    return admittedResult(
      await this.addAdmitted(userId, registrationId, admitAll),
    );
  }

  addAdmitted(
    userId: string,
    registrationId: string,
    admit: Admit,
  ): Promise<Admitted<AddResult>> {
    return this.queue.run(userId, () =>
      this.addNow(userId, registrationId, admit),
    );
  }

  private async addNow(
    userId: string,
    registrationId: string,
    admit: Admit,
  ): Promise<Admitted<AddResult>> {
    const {Timestamp} = await firestoreSdk();
    const id = tokenId(registrationId);
    const result = await this.deps.db.transaction(async (tx, db) => {
      const tokenRef = db.collection(TOKENS).doc(id);
      // The user's document is also what authenticates the request (`admit`).
      const [tokenSnap, userSnap] = await tx.getAll(
        tokenRef,
        db.collection(USERS).doc(userId),
      );
      if (!admit(userSnap!.data() as UserDoc | undefined)) return null;
      const existing = storedToken(tokenSnap!);
      const now = Timestamp.fromDate(this.deps.clock());
      if (existing?.user_id === userId) {
        return {
          token: refreshIn(tx, db, existing, now),
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
      await tombstonesIn(tx, db, {
        userId,
        tokenIds: evicted.map(t => t.id),
        reason: 'evicted',
        at: now,
      });
      clearTombstoneIn(tx, db, id);
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
    if (!result) return {kind: 'not-admitted'};
    logDeviceChanges(this.deps.log, {
      userId,
      tokenId: id,
      evicted: result.evicted,
      from: result.from,
    });
    return {
      kind: 'admitted',
      result: {token: result.token, created: result.created},
    };
  }

  async remove(
    userId: string,
    registrationId: string,
    options: RemoveOptions = {},
  ): Promise<boolean> {
    return admittedResult(
      await this.queue.run(userId, () =>
        this.removeNow(userId, registrationId, options, admitAll),
      ),
    );
  }

  removeAdmitted(
    userId: string,
    registrationId: string,
    admit: Admit,
  ): Promise<Admitted<boolean>> {
    return this.queue.run(userId, () =>
      this.removeNow(userId, registrationId, {}, admit),
    );
  }

  private async removeNow(
    userId: string,
    registrationId: string,
    options: RemoveOptions,
    admit: Admit,
  ): Promise<Admitted<boolean>> {
    const {Timestamp} = await firestoreSdk();
    const id = tokenId(registrationId);
    const cutoff = options.onlyIfUpdatedBefore?.getTime();
    const removed = await this.deps.db.transaction(async (tx, db) => {
      const tokenRef = db.collection(TOKENS).doc(id);
      const userRef = db.collection(USERS).doc(userId);
      const [tokenSnap, userSnap] = await tx.getAll(tokenRef, userRef);
      if (!admit(userSnap!.data() as UserDoc | undefined)) return null;
      const token = storedToken(tokenSnap!);
      // Not theirs: nothing to do, and nothing revealed. A device that registered
      // again since `cutoff` is not stale.
      if (token?.user_id !== userId) return false;
      if (cutoff !== undefined && token.updated_at.toMillis() >= cutoff)
        return false;
      tx.delete(tokenRef);
      await tombstonesIn(tx, db, {
        userId,
        tokenIds: [id],
        reason: options.reason ?? 'removed',
        at: Timestamp.fromDate(this.deps.clock()),
      });
      tx.set(
        userRef,
        await withoutDevices(userDevices(userId, userSnap!), [id], {
          keepKey: true,
        }),
        {merge: true},
      );
      return true;
    });
    return removed === null
      ? {kind: 'not-admitted'}
      : {kind: 'admitted', result: removed};
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

  /**
   * Rewrites the user's device list from the token documents (after an import), in one
   * transaction that reads the user document: an add or remove racing it (each writes
   * that document) makes it read again, so neither is lost and no entry outlives its token.
   * There is no group, so no stray to remove from one.
   */
  async rebuild(userId: string): Promise<void> {
    await this.deps.db.transaction(async (tx, db) => {
      const {user, tokens} = await readDevicesIn(tx, db, userId);
      await syncDevicesMapIn(tx, user, tokens);
    });
  }
}
