/**
 * Brings a user's FCM group back in line with Firestore after an operation failed part
 * way. FCM cannot list a group's members, so the lease's pending list names the tokens
 * that may be in the group wrongly; Firestore names those that must be in it. Every step
 * is idempotent, so a repair that fails itself can simply run again.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {USERS} from '../firestore/collections';
import type {DeviceGroups} from './device-groups';
import {readUserDevicesFromTokens} from './state';
import {firestore} from '../firestore/deadline';
import type {HeldLock} from './leases';

export interface ReconcileDeps {
  db: Firestore;
  groups: DeviceGroups;
  groupName: string;
}

/** Makes the group of `lock.userId` hold exactly the user's tokens in Firestore. */
export async function reconcile(
  {db, groups, groupName}: ReconcileDeps,
  lock: HeldLock,
): Promise<void> {
  const devices = await readUserDevicesFromTokens(db, lock.userId);
  const owned = devices.tokens.map(t => t.registration_id);
  const ownedSet = new Set(owned);
  const strays = [...new Set(lock.leftover.map(p => p.registration_id))].filter(
    r => r !== '' && !ownedSet.has(r),
  );
  await groups.remove(groupName, devices.notificationKey, strays);
  const key =
    owned.length > 0
      ? await groups.add(groupName, devices.notificationKey, owned)
      : null;
  // The token documents are the truth: rewrite the user's key and `devices` map from them.
  const map = Object.fromEntries(
    devices.tokens.map(t => [
      t.id,
      {registration_id: t.registration_id, updated_at: t.updated_at},
    ]),
  );
  await firestore(() =>
    db
      .collection(USERS)
      .doc(lock.userId)
      .set(
        {notification_key: key, devices: map},
        {mergeFields: ['notification_key', 'devices']},
      ),
  );
}
