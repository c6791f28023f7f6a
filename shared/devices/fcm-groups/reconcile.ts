/**
 * Brings a user's FCM group back in line with Firestore after an operation failed part
 * way. FCM cannot list a group's members, so the caller names the tokens that may be in
 * the group wrongly (a lease's pending list); Firestore names those that must be in it.
 * Every step is idempotent, so a repair that fails itself can simply run again.
 */
import {busy} from '../../platform/errors';
import type {Db} from '../../firestore/db';
import {
  readDevicesIn,
  readUserDevicesFromTokens,
  syncDevicesMapIn,
  type DeviceRef,
} from '../state';
import type {DeviceGroups} from './group-client';
import type {HeldLease, PendingOp} from './leases';

export interface ReconcileArgs {
  db: Db;
  groups: DeviceGroups;
  groupName: string;
  /** Operations that may have left a token in the group without a record of it. */
  suspects: readonly PendingOp[];
  /** The holder's lease: no FCM call runs past it, and the map is written only while it holds. */
  lease: HeldLease;
}

/**
 * Rounds of "group from the token documents, then the map" before giving up. Under the
 * lease only the Laravel importer (which takes no lease) changes a user's tokens, so a
 * second round is rare and a third rarer still.
 */
const MAX_ROUNDS = 4;

const sameTokens = (a: readonly DeviceRef[], b: readonly DeviceRef[]) =>
  a.length === b.length &&
  a
    .map(t => t.id)
    .sort()
    .join() ===
    b
      .map(t => t.id)
      .sort()
      .join();

/** Makes the group of the lease's user hold exactly the user's tokens in Firestore. */
export async function reconcile(args: ReconcileArgs): Promise<void> {
  const {db, groups, groupName, lease} = args;
  const {userId, signal} = lease;
  let suspects = args.suspects.map(p => p.registration_id);
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const devices = await readUserDevicesFromTokens(db, userId);
    const owned = devices.tokens.map(t => t.registration_id);
    const ownedSet = new Set(owned);
    const strays = [...new Set(suspects)].filter(
      r => r !== '' && !ownedSet.has(r),
    );
    await groups.remove(groupName, devices.notificationKey, strays, signal);
    const key =
      owned.length > 0
        ? await groups.add(groupName, devices.notificationKey, owned, signal)
        : null;
    // The token documents are the truth: the key and the `devices` map follow them, in a
    // transaction that checks they are still the tokens the group was just given, and that
    // the lease is still ours: a holder that stalled past its lease must not overwrite what
    // the holder that took it over wrote.
    const settled = await db.transaction(async (tx, client) => {
      const held = await tx.get(lease.ref);
      if (!held.exists || !held.updateTime?.isEqual(lease.writeTime))
        return 'lease-lost';
      const now = await readDevicesIn(tx, client, userId);
      if (!sameTokens(now.tokens, devices.tokens)) return 'changed';
      await syncDevicesMapIn(tx, client, now.user, now.tokens, {
        notification_key: key,
      });
      return 'settled';
    });
    if (settled === 'settled') return;
    if (settled === 'lease-lost')
      throw busy(
        "Another request took over this user's devices during a repair. Please retry.",
      );
    // Tokens changed meanwhile: those the group was given may have to leave it.
    suspects = [...suspects, ...owned];
  }
  throw busy("The user's devices kept changing during a repair. Please retry.");
}
