/**
 * The `fcm` backend: a user's devices are an FCM device group, kept in agreement with
 * Firestore (the source of truth) by the rules of ../rules.ts. Every change to a user's
 * group happens under that user's lease (leases.ts); FCM calls come first and the Firestore
 * batch that records them also ends the lease, so a failure in between leaves the operation
 * pending on the lease, to be reconciled by the next holder or by the repair task.
 *
 * An add, in order:
 * 1. `firstStep`: one transaction reads the user's lease, user document and token document.
 *    A repeat registration with no lease in sight is refreshed right there (nothing changes
 *    in FCM; a lease taken meanwhile conflicts with the read, so its holder sees the
 *    refresh). A new token with no lease in sight takes the lease in the same commit.
 * 2. `register`: the FCM calls, then one batch that records them and ends the lease.
 * 3. Anything else (a held or pending lease, another user's token, a token another user
 *    registered meanwhile) goes `underLeases`: take the lease (both users' for a move, in
 *    a global order), repair what an earlier holder left, read, then refresh or register.
 */
import type {WriteBatch} from 'firebase-admin/firestore';
import type {Admit} from '../../auth/admit';
import {TOKENS, USERS, tokenId, userData} from '../../firestore/collections';
import {firestoreSdk} from '../../firestore/client';
import type {Db} from '../../firestore/db';
import {GRPC, grpcCode} from '../../firestore/deadline';
import {busy} from '../../platform/errors';
import type {Logger} from '../../platform/logger';
import {
  isSignOut,
  type Admitted,
  type AddResult,
  type DeliveryTarget,
  type Devices,
  type RemoveOptions,
  type Verified,
} from '../devices';
import {
  evictionFor,
  isRemovable,
  newToken,
  registration,
  type StoredToken,
  type UserDevices,
} from '../rules';
import {
  logDeviceChanges,
  readDeviceState,
  refreshIn,
  registrationIn,
  removalIn,
  signedOutOfUnknownToken,
  storedToken,
  userDevices,
} from '../state';
import {groupName, type DeviceGroups} from './group-client';
import type {HeldLease, LeaseClaim, PendingOp, UserLeases} from './leases';
import {reconcile} from './reconcile';

export interface FcmGroupDevicesDeps {
  db: Db;
  groups: DeviceGroups;
  leases: UserLeases;
  groupPrefix: string;
  maxDevices: number;
  clock: () => Date;
  log: Logger;
}

/** How the first transaction of an add ended. */
type FirstStep =
  | {kind: 'not-admitted'}
  | {kind: 'refreshed'; result: AddResult}
  /** A new token, and the lease taken in the same commit as the state was read. */
  | {kind: 'leased'; claim: LeaseClaim; mine: UserDevices}
  /** A lease is held or left pending, or the token is another user's. */
  | {kind: 'under-leases'};

/** How one attempt under the user's own lease ended. */
type Attempt =
  | {kind: 'done'; result: AddResult}
  /** Another user registered the same token at the same moment: start over. */
  | {kind: 'retry'}
  /** The token is another user's: move it under both leases. */
  | {kind: 'move'; fromUser: string};

const MAX_ATTEMPTS = 8;

const admitAll: Admit = () => true;

/** The token was created by someone else between our read and our commit. */
class TokenTaken extends Error {}

export class FcmGroupDevices implements Devices {
  /** Users whose first transaction runs in this instance now (admission only). */
  private readonly inFlight = new Set<string>();

  constructor(private readonly deps: FcmGroupDevicesDeps) {}

  private name(userId: string): string {
    return groupName(this.deps.groupPrefix, userId);
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
    const outcome = await this.addVerified(userId, registrationId, options);
    if (options) return outcome;
    if (outcome.kind === 'admitted') return outcome.result;
    throw new Error('an add without verify was not admitted');
  }

  private async addVerified(
    userId: string,
    registrationId: string,
    options: Verified | undefined,
  ): Promise<Admitted<AddResult>> {
    const op: PendingOp = {
      op: 'add',
      token_id: tokenId(registrationId),
      registration_id: registrationId,
    };
    if (this.inFlight.has(userId)) {
      // A burst for one user: transactions over the same lease and user documents would
      // only abort one another. It waits on the lease instead, once authenticated.
      if (options) return {kind: 'not-admitted'};
      return admitted(await this.underLeases(userId, op));
    }
    this.inFlight.add(userId);
    let first: FirstStep;
    try {
      first = await this.firstStep(userId, op, options?.verify ?? admitAll);
    } finally {
      this.inFlight.delete(userId);
    }
    switch (first.kind) {
      case 'not-admitted':
        return first;
      case 'refreshed':
        return admitted(first.result);
      case 'leased': {
        const lease = await this.deps.leases.claimed(first.claim);
        const attempt = await this.guarded([[lease, op]], () =>
          this.registerOrRetry(lease, op, first.mine),
        );
        if (attempt.kind === 'done') return admitted(attempt.result);
        break; // another user took the token meanwhile: a move
      }
      case 'under-leases':
        break;
    }
    return admitted(await this.underLeases(userId, op));
  }

  private async firstStep(
    userId: string,
    op: PendingOp,
    verify: Admit,
  ): Promise<FirstStep> {
    const {db, leases} = this.deps;
    const {Timestamp} = await firestoreSdk();
    const leaseRef = await leases.ref(userId);
    return db.transaction(async (tx, client): Promise<FirstStep> => {
      const [leaseSnap, userSnap, tokenSnap] = await tx.getAll(
        leaseRef,
        client.collection(USERS).doc(userId),
        client.collection(TOKENS).doc(op.token_id),
      );
      if (!verify(userData(userSnap!))) return {kind: 'not-admitted'};
      const token = storedToken(tokenSnap!);
      if (leaseSnap!.exists || (token && token.user_id !== userId))
        return {kind: 'under-leases'};
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
    return reconcile({
      db: this.deps.db,
      groups: this.deps.groups,
      groupName: this.name(lease.userId),
      suspects,
      lease,
    });
  }

  private async underLeases(userId: string, op: PendingOp): Promise<AddResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const outcome = await this.underOwnLease(userId, op);
      if (outcome.kind === 'done') return outcome.result;
      if (outcome.kind === 'move') {
        const moved = await this.move(op, userId, outcome.fromUser);
        if (moved.kind === 'done') return moved.result;
      }
    }
    throw busy('This device is being registered elsewhere. Please retry.');
  }

  private async underOwnLease(userId: string, op: PendingOp): Promise<Attempt> {
    const acquired = await this.deps.leases.acquire(userId, op);
    const held: Array<[HeldLease, PendingOp]> = [[acquired, op]];
    return this.guarded(held, async () => {
      const lease = await this.repairLeftover(acquired, op);
      held[0] = [lease, op];
      const {
        token,
        users: [mine],
      } = await readDeviceState(this.deps.db, op.registration_id, [userId]);
      if (token?.user_id === userId) {
        const refreshed = await this.refresh(lease, token);
        return refreshed ? {kind: 'done', result: refreshed} : {kind: 'retry'};
      }
      if (token) {
        // The token is another user's: take both leases in a global order (no deadlock).
        await this.deps.leases.release(lease);
        return {kind: 'move', fromUser: token.user_id};
      }
      return this.registerOrRetry(lease, op, mine!);
    });
  }

  private async registerOrRetry(
    lease: HeldLease,
    op: PendingOp,
    mine: UserDevices,
  ): Promise<Attempt> {
    try {
      return {kind: 'done', result: await this.register(op, mine, lease)};
    } catch (err) {
      if (!(err instanceof TokenTaken)) throw err;
      // Another user registered the same token at the same moment and committed first:
      // undo what this attempt did to the group, then start over (it is now a move).
      await this.reconcileUnder(lease, [op]);
      await this.deps.leases.release(lease);
      return {kind: 'retry'};
    }
  }

  /** Moves a token from `fromUser` to `userId`, under both users' leases. */
  private async move(
    op: PendingOp,
    userId: string,
    fromUser: string,
  ): Promise<Attempt> {
    const wanted: Array<[string, PendingOp]> = [
      [userId, op],
      [fromUser, {...op, op: 'remove'}],
    ];
    wanted.sort(([a], [b]) => (a < b ? -1 : 1));
    const held: Array<[HeldLease, PendingOp]> = [];
    held.push([await this.deps.leases.acquire(...wanted[0]!), wanted[0]![1]]);
    return this.guarded(held, async () => {
      held.push([await this.deps.leases.acquire(...wanted[1]!), wanted[1]![1]]);
      for (const entry of held)
        entry[0] = await this.repairLeftover(entry[0], entry[1]);
      const leaseOf = (id: string) => held.find(([l]) => l.userId === id)![0];
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
      return {
        kind: 'done',
        result: await this.register(op, mine!, leaseOf(userId), {
          devices: theirs!,
          lease: leaseOf(fromUser),
        }),
      };
    });
  }

  /**
   * Refreshes a token the user has, ending the lease in the same batch. Null when the token
   * document went away after it was read (a writer that takes no lease: the importer); the
   * lease is then released and the caller starts over, which registers the token again.
   */
  private async refresh(
    lease: HeldLease,
    token: StoredToken,
  ): Promise<AddResult | null> {
    const firestore = await this.deps.db.client();
    const {Timestamp} = await firestoreSdk();
    const batch = firestore.batch();
    const refreshed = refreshIn(
      batch,
      firestore,
      token,
      Timestamp.fromDate(this.deps.clock()),
    );
    this.deps.leases.releaseIn(batch, lease);
    try {
      await this.deps.db.callWithDeadline(() => batch.commit());
    } catch (err) {
      if (grpcCode((err as Error).cause) !== GRPC.NOT_FOUND) throw err;
      await this.deps.leases.release(lease);
      return null;
    }
    return {token: refreshed, created: false};
  }

  /** The FCM calls of a registration, then the batch that records them and ends the lease(s). */
  private async register(
    op: PendingOp,
    mine: UserDevices,
    lease: HeldLease,
    from?: {devices: UserDevices; lease: HeldLease},
  ): Promise<AddResult> {
    const {groups, maxDevices} = this.deps;
    const registrationId = op.registration_id;
    const evicted = evictionFor(mine.tokens, maxDevices);
    if (from)
      await groups.remove(
        this.name(from.devices.userId),
        from.devices.notificationKey,
        [registrationId],
        AbortSignal.any([lease.signal, from.lease.signal]),
      );
    if (evicted.length > 0)
      await groups.remove(
        this.name(mine.userId),
        mine.notificationKey,
        evicted.map(t => t.registration_id),
        lease.signal,
      );
    const groupEmptied = evicted.length === mine.tokens.length;
    const key = await groups.add(
      this.name(mine.userId),
      groupEmptied ? null : mine.notificationKey,
      [registrationId],
      lease.signal,
    );
    const {Timestamp} = await firestoreSdk();
    const reg = registration(
      mine,
      newToken(
        registrationId,
        op.token_id,
        mine.userId,
        Timestamp.fromDate(this.deps.clock()),
      ),
      maxDevices,
      {from: from?.devices, keepKey: false},
    );
    const firestore = await this.deps.db.client();
    const batch = firestore.batch();
    // A new token is created with the precondition that nobody else did meanwhile (another
    // user may register the same token under their own lease); a moved one is ours to set.
    await registrationIn(batch, firestore, reg, {
      moves: from !== undefined,
      fields: {notification_key: key},
    });
    this.deps.leases.releaseIn(batch, lease);
    if (from) this.deps.leases.releaseIn(batch, from.lease);
    await this.commit(batch, !from);
    logDeviceChanges(this.deps.log, {
      userId: mine.userId,
      tokenId: op.token_id,
      evicted: reg.evicted.map(t => t.id),
      from: from?.devices.userId,
    });
    return {token: reg.token, created: true};
  }

  private async commit(
    batch: WriteBatch,
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
  /**
   * The user document and the token are read in one call (the verification's read); a
   * token the user has is then removed under the lease, where the cutoff is checked: a
   * device that registered again meanwhile is not stale.
   */
  async remove(
    userId: string,
    registrationId: string,
    options: RemoveOptions & Partial<Verified> = {},
  ): Promise<boolean | Admitted<boolean>> {
    const {db} = this.deps;
    const client = await db.client();
    const [userSnap, tokenSnap] = await db.callWithDeadline(() =>
      client.getAll(
        client.collection(USERS).doc(userId),
        client.collection(TOKENS).doc(tokenId(registrationId)),
      ),
    );
    const verify = options.verify ?? admitAll;
    if (!verify(userData(userSnap!))) {
      if (options.verify) return {kind: 'not-admitted'};
      throw new Error('a removal without verify was not admitted');
    }
    const before = storedToken(tokenSnap!);
    if (before === null && isSignOut(options)) {
      const {Timestamp} = await firestoreSdk();
      await signedOutOfUnknownToken(
        db,
        userId,
        tokenId(registrationId),
        Timestamp.fromDate(this.deps.clock()),
      );
    }
    // Not theirs: nothing to do, and nothing revealed.
    const removed = isRemovable(before, userId)
      ? await this.removeUnderLease(userId, before!, options)
      : false;
    return options.verify ? admitted(removed) : removed;
  }

  private async removeUnderLease(
    userId: string,
    before: StoredToken,
    options: RemoveOptions,
  ): Promise<boolean> {
    const op: PendingOp = {
      op: 'remove',
      token_id: before.id,
      registration_id: before.registration_id,
    };
    const acquired = await this.deps.leases.acquire(userId, op);
    const held: Array<[HeldLease, PendingOp]> = [[acquired, op]];
    return this.guarded(held, async () => {
      const lease = await this.repairLeftover(acquired, op);
      held[0] = [lease, op];
      const {
        token,
        users: [mine],
      } = await readDeviceState(this.deps.db, op.registration_id, [userId]);
      if (!isRemovable(token, userId, options.onlyIfUpdatedBefore)) {
        await this.deps.leases.release(lease);
        return false;
      }
      await this.deps.groups.remove(
        this.name(userId),
        mine!.notificationKey,
        [op.registration_id],
        lease.signal,
      );
      const firestore = await this.deps.db.client();
      const {Timestamp} = await firestoreSdk();
      const batch = firestore.batch();
      await removalIn(batch, firestore, mine!, token!, {
        reason: options.reason ?? 'removed',
        at: Timestamp.fromDate(this.deps.clock()),
        keepKey: false,
      });
      this.deps.leases.releaseIn(batch, lease);
      await this.deps.db.callWithDeadline(() => batch.commit());
      return true;
    });
  }

  /**
   * Reconciles a user whose lease was left pending by a failed operation (the repair task).
   * Answers false when the lease is busy or there is nothing to repair.
   */
  async repair(userId: string): Promise<boolean> {
    const lease = await this.deps.leases.tryAcquire(userId);
    if (!lease) return false;
    await this.guarded([[lease, null]], async () => {
      if (lease.leftover.length > 0)
        await this.reconcileUnder(lease, lease.leftover);
      await this.deps.leases.release(lease);
    });
    return lease.leftover.length > 0;
  }

  /**
   * Rebuilds the user's FCM group from Firestore (the token documents), whatever the lease
   * says: for a data import, a switch of backend from `firestore` to `fcm`, or a user's
   * deletion. Waits for the user's lease like any change. `strays` leave the group; a
   * failure leaves them pending on the lease with its leftover, for the repair task.
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

  /** One send to the user's group: FCM fans it out to the members. */
  deliveryTarget(devices: UserDevices): DeliveryTarget {
    return {kind: 'group', notificationKey: devices.notificationKey};
  }
}

const admitted = <T>(result: T): Admitted<T> => ({kind: 'admitted', result});
