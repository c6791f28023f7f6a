/**
 * Brings a user's FCM group back in line with Firestore after an operation failed part
 * way. FCM cannot list a group's members, so the caller names the tokens that may be in
 * the group wrongly (a lease's pending list); Firestore names those that must be in it.
 * Every step is idempotent, so a repair that fails itself can simply run again.
 */
import {USERS} from '../firestore/collections';
import type {Db} from '../firestore/db';
import type {DeviceGroups} from './device-groups';
import type {PendingOp} from './leases';
import {readUserDevicesFromTokens} from './state';

export interface ReconcileArgs {
  db: Db;
  groups: DeviceGroups;
  userId: string;
  groupName: string;
  /** Operations that may have left a token in the group without a record of it. */
  suspects: readonly PendingOp[];
  /** The holder's lease: no FCM call starts or runs past it. */
  signal: AbortSignal;
}

/** Makes the group of `userId` hold exactly the user's tokens in Firestore. */
export async function reconcile(args: ReconcileArgs): Promise<void> {
  const {db, groups, userId, groupName, suspects, signal} = args;
  const devices = await readUserDevicesFromTokens(db, userId);
  const owned = devices.tokens.map(t => t.registration_id);
  const ownedSet = new Set(owned);
  const strays = [...new Set(suspects.map(p => p.registration_id))].filter(
    r => r !== '' && !ownedSet.has(r),
  );
  await groups.remove(groupName, devices.notificationKey, strays, signal);
  const key =
    owned.length > 0
      ? await groups.add(groupName, devices.notificationKey, owned, signal)
      : null;
  // The token documents are the truth: rewrite the user's key and `devices` map from them.
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
      .set(
        {notification_key: key, devices: map},
        {mergeFields: ['notification_key', 'devices']},
      ),
  );
}
