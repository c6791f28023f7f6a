/**
 * The `firestore` backend (DEVICE_GROUPS=firestore): the user's device list in Firestore
 * is the group, and no device-group call is ever made. Nothing outside Firestore changes,
 * so there is no lease and nothing to reconcile: each add or remove is one transaction
 * over the token document and the user documents it touches, applying rules.ts.
 */
import type {Timestamp} from 'firebase-admin/firestore';
import type {Admit} from '../auth/admit';
import {TOKENS, USERS, tokenId, userData} from '../firestore/collections';
import {firestoreSdk} from '../firestore/client';
import type {Db} from '../firestore/db';
import type {Logger} from '../platform/logger';
import {
  isSignOut,
  type Admitted,
  type AddResult,
  type DeliveryTarget,
  type Devices,
  type DevicesBackend,
  type RemoveOptions,
  type Verified,
} from './devices';
import {isRemovable, newToken, registration} from './rules';
import {UserQueue} from './user-queue';
import {
  logDeviceChanges,
  readDevicesIn,
  refreshIn,
  registrationIn,
  removalIn,
  signedOutOfUnknownToken,
  storedToken,
  syncDevicesMapIn,
  userDevices,
} from './state';

export interface FirestoreDevicesDeps {
  db: Db;
  maxDevices: number;
  clock: () => Date;
  log: Logger;
  /** Requests of one user that may wait in this instance (LEASE_MAX_WAITERS). */
  maxWaiting: number;
}

const admitAll: Admit = () => true;

export class FirestoreDevices implements Devices {
  private readonly queue: UserQueue;

  constructor(private readonly deps: FirestoreDevicesDeps) {
    this.queue = new UserQueue(deps.maxWaiting);
  }

  add(userId: string, registrationId: string): Promise<AddResult>;
  add(
    userId: string,
    registrationId: string,
    options: Verified,
  ): Promise<Admitted<AddResult>>;
  async add(
    userId: string,
    registrationId: string,
    options?: Verified,
  ): Promise<AddResult | Admitted<AddResult>> {
    const outcome = await this.queue.run(userId, () =>
      this.addNow(userId, registrationId, options?.verify ?? admitAll),
    );
    if (options) return outcome;
    if (outcome.kind === 'admitted') return outcome.result;
    throw new Error('an add without verify was not admitted');
  }

  private async addNow(
    userId: string,
    registrationId: string,
    verify: Admit,
  ): Promise<Admitted<AddResult>> {
    const {Timestamp} = await firestoreSdk();
    const id = tokenId(registrationId);
    const result = await this.deps.db.transaction(async (tx, firestore) => {
      // The user's document is also what authenticates the request (`verify`).
      const [tokenSnap, userSnap] = await tx.getAll(
        firestore.collection(TOKENS).doc(id),
        firestore.collection(USERS).doc(userId),
      );
      if (!verify(userData(userSnap!))) return null;
      const existing = storedToken(tokenSnap!);
      const now: Timestamp = Timestamp.fromDate(this.deps.clock());
      if (existing?.user_id === userId)
        return {
          token: refreshIn(tx, firestore, existing, now),
          created: false,
          reg: undefined,
        };
      // Reads come before writes in a transaction: the previous owner's list first.
      const from = existing
        ? userDevices(
            existing.user_id,
            await tx.get(firestore.collection(USERS).doc(existing.user_id)),
          )
        : undefined;
      const reg = registration(
        userDevices(userId, userSnap!),
        newToken(registrationId, id, userId, now),
        this.deps.maxDevices,
        {from},
      );
      await registrationIn(tx, firestore, reg, {moves: existing !== null});
      return {token: reg.token, created: true, reg};
    });
    if (!result) return {kind: 'not-admitted'};
    if (result.reg)
      logDeviceChanges(this.deps.log, {
        userId,
        tokenId: id,
        evicted: result.reg.evicted.map(t => t.id),
        from: result.reg.theirs?.userId,
      });
    return {
      kind: 'admitted',
      result: {token: result.token, created: result.created},
    };
  }

  remove(
    userId: string,
    registrationId: string,
    options?: RemoveOptions,
  ): Promise<boolean>;
  remove(
    userId: string,
    registrationId: string,
    options: RemoveOptions & Verified,
  ): Promise<Admitted<boolean>>;
  async remove(
    userId: string,
    registrationId: string,
    options: RemoveOptions & Partial<Verified> = {},
  ): Promise<boolean | Admitted<boolean>> {
    const outcome = await this.queue.run(userId, () =>
      this.removeNow(userId, registrationId, options),
    );
    if (options.verify) return outcome;
    if (outcome.kind === 'admitted') return outcome.result;
    throw new Error('a removal without verify was not admitted');
  }

  private async removeNow(
    userId: string,
    registrationId: string,
    options: RemoveOptions & Partial<Verified>,
  ): Promise<Admitted<boolean>> {
    const {Timestamp} = await firestoreSdk();
    const id = tokenId(registrationId);
    const verify = options.verify ?? admitAll;
    const at = Timestamp.fromDate(this.deps.clock());
    let unknown = false;
    const removed = await this.deps.db.transaction(async (tx, firestore) => {
      const [tokenSnap, userSnap] = await tx.getAll(
        firestore.collection(TOKENS).doc(id),
        firestore.collection(USERS).doc(userId),
      );
      if (!verify(userData(userSnap!))) return null;
      const token = storedToken(tokenSnap!);
      unknown = token === null;
      // Not theirs, or registered again since the cutoff: nothing to do, nothing revealed.
      if (!isRemovable(token, userId, options.onlyIfUpdatedBefore))
        return false;
      await removalIn(
        tx,
        firestore,
        userDevices(userId, userSnap!),
        {id},
        {
          reason: options.reason ?? 'removed',
          at,
          keepKey: true,
        },
      );
      return true;
    });
    if (removed === false && unknown && isSignOut(options))
      await signedOutOfUnknownToken(this.deps.db, userId, id, at);
    return removed === null
      ? {kind: 'not-admitted'}
      : {kind: 'admitted', result: removed};
  }

  /**
   * Rewrites the user's device list from the token documents, in one transaction that reads
   * the user document: an add or remove racing it (each writes that document) makes it read
   * again, so neither is lost and no entry outlives its token. There is no group, so no
   * stray to remove from one.
   */
  async rebuild(userId: string): Promise<void> {
    await this.deps.db.transaction(async (tx, firestore) => {
      const {user, tokens} = await readDevicesIn(tx, firestore, userId);
      await syncDevicesMapIn(tx, firestore, user, tokens);
    });
  }

  /** Every token gets its own send: the device list is the group. */
  deliveryTarget(): DeliveryTarget {
    return {kind: 'tokens'};
  }
}

/** The `firestore` backend as runtime.ts wires it: no group, no scheduled work of its own. */
export function firestoreBackend(deps: FirestoreDevicesDeps): DevicesBackend {
  return {devices: new FirestoreDevices(deps), groups: null, tasks: []};
}
