/**
 * Brings a user's FCM group back in line with Firestore after an operation failed part
 * way. FCM cannot list a group's members, so the caller names the tokens that may be in
 * the group wrongly (a lease's pending list); Firestore names those that must be in it.
 * Every step is idempotent, so a repair that fails itself can simply run again.
 */
import {busy} from '../platform/errors';
import type {Db} from '../firestore/db';
import type {DeviceGroups} from './device-groups';
import type {PendingOp} from './leases';
import {
  readDevicesIn,
  readUserDevicesFromTokens,
  syncDevicesMapIn,
  type DeviceRef,
} from './state';

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

/** Makes the group of `userId` hold exactly the user's tokens in Firestore. */
export async function reconcile(args: ReconcileArgs): Promise<void> {
  const {db, groups, userId, groupName, signal} = args;
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
    // transaction that checks they are still the tokens the group was just given.
    const settled = await db.transaction(async (tx, client) => {
      const now = await readDevicesIn(tx, client, userId);
      if (!sameTokens(now.tokens, devices.tokens)) return false;
      await syncDevicesMapIn(tx, now.user, now.tokens, {
        notification_key: key,
      });
      return true;
    });
    if (settled) return;
    // Tokens changed meanwhile: those the group was given may have to leave it.
    suspects = [...suspects, ...owned];
  }
  throw busy("The user's devices kept changing during a repair. Please retry.");
}
