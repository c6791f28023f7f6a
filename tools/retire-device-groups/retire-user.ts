/**
 * Retires one user's FCM device group: removes every member through the stored key, then
 * clears the key. FCM cannot list a group's members, so the members are the user's tokens
 * as Firestore knows them (the token documents and the user's `devices` map) plus the
 * tokens of operations still pending on the user's lease, which a failed `fcm`-backend
 * change may have left in the group. Each step is idempotent: a run stopped half way, or
 * failed, is finished by the next.
 *
 * The group is looked up by name first: FCM answers a removal from a group it cannot find
 * as done, so without the lookup a wrong DEVICE_GROUP_PREFIX would count every user as
 * retired while the real groups keep their members. Such a user is `not found` and keeps
 * its key. (So does a group an earlier run emptied, which FCM then deleted, if that run
 * failed before clearing the key: harmless, as nothing sends to it with the firestore backend.)
 */
import {
  LEASES,
  TOKENS,
  USERS,
  userData,
} from '../../shared/firestore/collections';
import type {Db} from '../../shared/firestore/db';
import {
  groupName,
  type FcmDeviceGroups,
  type PendingOp,
} from '../../shared/devices/fcm-groups';
import {failureReason, UserFailure, type UserOutcome} from './outcome';
import type {UserRow} from './walk';

export interface RetireDeps {
  db: Db;
  /** FCM's device groups, which can also look a group up by name. */
  groups: FcmDeviceGroups;
  groupPrefix: string;
  dryRun: boolean;
}

/**
 * Registration ids per remove call. A group holds at most 20 members, but a user may
 * have more tokens in `firestore` mode (up to 500): bounded calls keep each request small.
 */
const REMOVE_BATCH = 100;

/** A stored key worth retiring: the fcm backend writes null or '' when there is none. */
export function storedKey(data: UserRow['data']): string | null {
  const key = data.notification_key;
  return typeof key === 'string' && key !== '' ? key : null;
}

/** Retires the group of `user`; never throws (a failure is an outcome). */
export async function retireUser(
  deps: RetireDeps,
  user: UserRow,
): Promise<UserOutcome> {
  const key = storedKey(user.data);
  if (key === null) return {kind: 'already-retired'};
  try {
    const members = await knownMembers(deps.db, user);
    const name = groupName(deps.groupPrefix, user.id);
    // Not tied to the run's stop signal: a user once started is finished, not cut half way.
    const signal = new AbortController().signal;
    // FCM answers a remove from a group it cannot find as done: look the group up first,
    // so that a wrong prefix is reported rather than counted as retired (a dry run too).
    if (members.length > 0 && (await deps.groups.lookup(name, signal)) === null)
      return {kind: 'not-found'};
    if (deps.dryRun)
      return members.length > 0
        ? {kind: 'retired', tokens: members.length}
        : {kind: 'no-devices'};
    for (let i = 0; i < members.length; i += REMOVE_BATCH) {
      await deps.groups.remove(
        name,
        key,
        members.slice(i, i + REMOVE_BATCH),
        signal,
      );
    }
    await clearKey(deps.db, user.id, key);
    return members.length > 0
      ? {kind: 'retired', tokens: members.length}
      : {kind: 'no-devices'};
  } catch (err) {
    return {kind: 'failed', reason: failureReason(err)};
  }
}

/** The registration ids that may be members of the user's group, deduplicated. */
async function knownMembers(db: Db, user: UserRow): Promise<string[]> {
  const client = await db.client();
  const [tokens, lease] = await db.callWithDeadline(() =>
    Promise.all([
      client
        .collection(TOKENS)
        .where('user_id', '==', user.id)
        .select('registration_id')
        .get(),
      client.collection(LEASES).doc(user.id).get(),
    ]),
  );
  const pending = (lease.get('pending') ?? []) as PendingOp[];
  const ids = [
    ...tokens.docs.map(doc => doc.get('registration_id') as unknown),
    ...Object.values(user.data.devices ?? {}).map(
      entry => entry.registration_id as unknown,
    ),
    ...pending.map(op => op.registration_id as unknown),
  ];
  return [
    ...new Set(
      ids.filter((id): id is string => typeof id === 'string' && id !== ''),
    ),
  ];
}

/**
 * Clears the key only if it is still the one whose group was emptied: a different key
 * means an `fcm`-backend instance made a new group meanwhile, which this run did not empty.
 */
async function clearKey(db: Db, userId: string, key: string): Promise<void> {
  const client = await db.client();
  const ref = client.collection(USERS).doc(userId);
  await db.callWithDeadline(() =>
    client.runTransaction(async tx => {
      const snapshot = await tx.get(ref);
      const current = userData(snapshot)?.notification_key;
      if (current === key) tx.update(ref, {notification_key: null});
      // Cleared meanwhile (another run): done all the same.
      else if (typeof current === 'string' && current !== '')
        throw new UserFailure(
          'the key changed during the run (is an fcm-backend instance still serving?)',
        );
    }),
  );
}
