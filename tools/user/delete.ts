/**
 * `npm run user -- delete ID`, in this order:
 *  1. the user document: the user can no longer log in, so no device is added meanwhile; a
 *     tombstone (user_tombstones/{id}) keeps a later Laravel import from recreating them;
 *  2. their tokens, each through the runtime's Devices.remove (the path removeDevice takes),
 *     so that the FCM group and Firestore keep agreeing; a group goes with its last member;
 *  3. their group or device list: any operation left pending is settled (Devices.rebuild),
 *     and what the removals left of the user document (its empty device list) is deleted;
 *  4. their email entry (`user_emails`), which frees the email.
 * Every step finds its work from what is left (tokens and email entries are queried by
 * user id), so a delete that stopped half-way finishes when run again.
 */
import {
  TOKENS,
  USERS,
  USER_EMAILS,
  tokenData,
  userData,
} from '../../shared/firestore/collections';
import {userTombstoneIn} from '../../shared/devices/tombstones';
import {firestoreSdk} from '../../shared/firestore/client';
import type {Runtime} from '../../shared/runtime';
import {plural} from '../cli/plural';

export type DeleteOutcome =
  | {kind: 'deleted'}
  | {kind: 'nothing-left'}
  /** Nothing was changed: the sentence says why and what to do. */
  | {kind: 'refused'; problem: string}
  /** Stopped part-way: the steps done are printed; running it again finishes. */
  | {kind: 'stopped'; problem: string};

export async function deleteUser(
  id: string,
  runtime: Runtime,
  out: (text: string) => void,
  {force = false}: {force?: boolean} = {},
): Promise<DeleteOutcome> {
  const {db, config, devices} = runtime;
  const client = await db.client();
  const userRef = client.collection(USERS).doc(id);
  const [user, tokens, emails] = await db.callWithDeadline(() =>
    Promise.all([
      userRef.get(),
      client.collection(TOKENS).where('user_id', '==', id).get(),
      client.collection(USER_EMAILS).where('user_id', '==', id).get(),
    ]),
  );
  if (!user.exists && tokens.empty && emails.empty)
    return {kind: 'nothing-left'};
  const data = userData(user);
  const key =
    typeof data?.notification_key === 'string' && data.notification_key !== ''
      ? data.notification_key
      : null;

  const check = await checkGroup(id, key, runtime, force);
  if (check.kind === 'refused') return check;

  out(`Deleting user ${id} (DEVICE_GROUPS=${config.deviceGroups}):\n`);
  // With the user, its tombstone: a later Laravel import must not recreate the user.
  const batch = client.batch();
  if (user.exists) batch.delete(userRef);
  const {Timestamp} = await firestoreSdk();
  await userTombstoneIn(batch, client, id, Timestamp.now());
  await db.callWithDeadline(() => batch.commit());
  out(
    `  1. user document: ${user.exists ? 'deleted; the user can no longer log in' : 'already gone'}\n`,
  );

  let removed = 0;
  for (const doc of tokens.docs) {
    const token = tokenData(doc)!;
    try {
      await devices.remove(id, token.registration_id, {
        reason: 'user-deleted',
      });
      removed += 1;
    } catch (err) {
      out(`  2. tokens: ${removed} of ${tokens.size} removed\n`);
      return {
        kind: 'stopped',
        problem: `Removing token ${doc.id} failed (${err instanceof Error ? err.message : String(err)}). Run the same command again to finish.`,
      };
    }
  }
  out(`  2. tokens: ${plural(removed, 'token')} removed\n`);
  if (check.kind === 'unknown-group') out(`     ${check.warning}\n`);

  try {
    // Whatever an earlier failure left pending is settled, and the group follows the
    // (now empty) token documents.
    await devices.rebuild(id);
    // The removals keep an (empty) device list on the user document: delete what is left.
    await db.callWithDeadline(() => userRef.delete());
  } catch (err) {
    return {
      kind: 'stopped',
      problem: `Settling the device group failed (${err instanceof Error ? err.message : String(err)}). Run the same command again to finish.`,
    };
  }
  out(
    `  3. ${config.deviceGroups === 'fcm' ? 'device group' : 'device list'}: gone\n`,
  );

  const freed: string[] = [];
  for (const doc of emails.docs) {
    // Only an entry this user still owns: the email may have been given to someone else.
    const email = await db.transaction(async tx => {
      const entry = await tx.get(doc.ref);
      if (entry.get('user_id') !== id) return null;
      tx.delete(doc.ref);
      return String(entry.get('email'));
    });
    if (email !== null) freed.push(email);
  }
  out(
    `  4. email entry: ${freed.length ? `deleted (${freed.join(', ')} is free again)` : 'already gone'}\n`,
  );
  return {kind: 'deleted'};
}

type GroupCheck =
  | {kind: 'ok'}
  | {kind: 'unknown-group'; warning: string}
  | {kind: 'refused'; problem: string};

/**
 * Before anything changes: the backend must be able to take the devices out of the group the
 * user has. With `firestore`, a stored notification key means an FCM group nobody would
 * empty; with `fcm`, FCM must know the group by the name DEVICE_GROUP_PREFIX gives (a wrong
 * prefix finds no group, and the devices would silently stay in the real one), unless
 * `force` says the group is known to be gone.
 */
async function checkGroup(
  id: string,
  key: string | null,
  runtime: Runtime,
  force: boolean,
): Promise<GroupCheck> {
  const {config, groups} = runtime;
  if (key === null) return {kind: 'ok'};
  if (groups === null)
    return {
      kind: 'refused',
      problem: `User ${id} has an FCM device group (a notification key is stored), which DEVICE_GROUPS=firestore does not touch: run the delete with DEVICE_GROUPS=fcm (and FCM_EMULATOR_HOST or FCM_SENDER_ID) so that their devices leave the group too. Nothing was changed.`,
    };
  const name = groups.name(id);
  const current = await groups.lookupKey(
    id,
    AbortSignal.timeout(config.fcmTimeoutMs),
  );
  if (current === key) return {kind: 'ok'};
  if (current !== null)
    return {
      kind: 'refused',
      problem: `FCM's group ${name} has another notification key than the one user ${id} has stored: check DEVICE_GROUP_PREFIX (it must be the functions' value). Nothing was changed.`,
    };
  if (!force)
    return {
      kind: 'refused',
      problem:
        `FCM has no group named ${name}, although user ${id} has a notification key stored: either DEVICE_GROUP_PREFIX (now "${config.deviceGroupPrefix}") is not the functions' value, and deleting now would leave their devices in their group, ` +
        'or the group is gone already (an FCM emulator restarted without its data, for one). Fix DEVICE_GROUP_PREFIX, or pass --force if the group is gone. Nothing was changed.',
    };
  return {
    kind: 'unknown-group',
    warning: `FCM has no group named ${name} (--force): its devices were removed from Firestore only.`,
  };
}
