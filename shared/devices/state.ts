/**
 * A user's device state in Firestore, read and written for the rules of rules.ts.
 *
 * A user document carries `devices`, a map of the user's tokens (id → registration id and
 * `updated_at`), written in the same transaction or batch as the token documents. It makes
 * the common path one batched read of two documents instead of a query over the user's
 * tokens; the token documents stay the source of truth, and a repair (`syncDevicesMapIn`)
 * rewrites the map from them, entry by entry.
 */
import type {
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  SetOptions,
  Timestamp,
  Transaction,
  WriteBatch,
} from 'firebase-admin/firestore';
import type {Logger} from '../platform/logger';
import {
  TOKENS,
  USERS,
  tokenId,
  type TombstoneReason,
  type UserDoc,
  userData,
  tokenData,
} from '../firestore/collections';
import {firestoreSdk} from '../firestore/client';
import type {Db} from '../firestore/db';
import {
  byAge,
  devicesOf,
  entryOf,
  isEmptyChange,
  mapDiff,
  type DeviceRef,
  type DevicesChange,
  type Registration,
  type StoredToken,
  type UserDevices,
} from './rules';
import {
  clearTombstoneIn,
  tombstoneRef,
  tombstonesIn,
  unknownTokenTombstone,
} from './tombstones';

export type {DeviceRef, StoredToken, UserDevices};

/** What the writes go into: a transaction or a batch. */
export type Writer = Transaction | WriteBatch;

export function storedToken(snapshot: DocumentSnapshot): StoredToken | null {
  return snapshot.exists ? {id: snapshot.id, ...tokenData(snapshot)!} : null;
}

export function userDevices(
  userId: string,
  snapshot: DocumentSnapshot,
): UserDevices {
  const data = userData(snapshot);
  const key = data?.notification_key;
  return {
    userId,
    notificationKey: typeof key === 'string' && key !== '' ? key : null,
    tokens: devicesOf(data?.devices),
  };
}

/**
 * In one round trip: the token document of `registrationId` and the devices of each
 * user in `userIds` (from their user documents).
 */
export async function readDeviceState(
  db: Db,
  registrationId: string,
  userIds: readonly string[],
): Promise<{token: StoredToken | null; users: UserDevices[]}> {
  const client = await db.client();
  const refs = [
    client.collection(TOKENS).doc(tokenId(registrationId)),
    ...userIds.map(id => client.collection(USERS).doc(id)),
  ];
  const [token, ...users] = await db.callWithDeadline(() =>
    client.getAll(...refs),
  );
  return {
    token: storedToken(token!),
    users: users.map((snapshot, i) => userDevices(userIds[i]!, snapshot)),
  };
}

const deviceOf = (doc: DocumentSnapshot): DeviceRef => {
  const data = tokenData(doc)!;
  return {
    id: doc.id,
    registration_id: data.registration_id,
    updated_at: data.updated_at,
  };
};

/** A user's devices per the token documents themselves (the source of truth), for repairs. */
export async function readUserDevicesFromTokens(
  db: Db,
  userId: string,
): Promise<UserDevices> {
  const client = await db.client();
  const [user, tokens] = await db.callWithDeadline(() =>
    Promise.all([
      client.collection(USERS).doc(userId).get(),
      client.collection(TOKENS).where('user_id', '==', userId).get(),
    ]),
  );
  return {
    ...userDevices(userId, user),
    tokens: tokens.docs.map(deviceOf).sort(byAge),
  };
}

/** The user's document and token documents (least recently registered first), read in `tx`. */
export async function readDevicesIn(
  tx: Transaction,
  firestore: Firestore,
  userId: string,
): Promise<{user: DocumentSnapshot; tokens: DeviceRef[]}> {
  const user = await tx.get(firestore.collection(USERS).doc(userId));
  const tokens = await tx.get(
    firestore.collection(TOKENS).where('user_id', '==', userId),
  );
  return {user, tokens: tokens.docs.map(deviceOf).sort(byAge)};
}

/**
 * Adds a devices change of `userId` to `writer`, entry by entry (a merge of the map's
 * entries, never a replacement of the map), with `fields` (the group's key) alongside.
 */
export async function changeIn(
  writer: Writer,
  firestore: Firestore,
  userId: string,
  change: DevicesChange,
  fields: Partial<Pick<UserDoc, 'notification_key'>> = {},
): Promise<void> {
  const {FieldValue} = await firestoreSdk();
  const devices: Record<string, unknown> = {...change.set};
  for (const id of change.drop) devices[id] = FieldValue.delete();
  // An empty map in a merge would replace the whole map: name `devices` only with entries.
  const data: Record<string, unknown> = {
    ...(Object.keys(devices).length > 0 ? {devices} : {}),
    ...fields,
  };
  if (change.clearKey && !('notification_key' in fields))
    data.notification_key = null;
  if (Object.keys(data).length === 0) return;
  (writer as WriteBatch).set(firestore.collection(USERS).doc(userId), data, {
    merge: true,
  });
}

/**
 * Adds the writes of a registration (rules.ts `registration`) at `at`: the evicted devices
 * and their tombstones, the token (created, so a racing registration of the same token by
 * another user fails the commit, unless it `moves` a token we read), its tombstone cleared,
 * both users' device lists, and `fields` on the registering user.
 */
export async function registrationIn(
  writer: Writer,
  firestore: Firestore,
  reg: Registration,
  {
    moves,
    fields = {},
  }: {moves: boolean; fields?: Partial<Pick<UserDoc, 'notification_key'>>},
): Promise<void> {
  const {token} = reg;
  const {id, ...data} = token;
  for (const old of reg.evicted)
    writer.delete(firestore.collection(TOKENS).doc(old.id));
  await tombstonesIn(writer, firestore, {
    userId: token.user_id,
    tokenIds: reg.evicted.map(t => t.id),
    reason: 'evicted',
    at: token.created_at,
  });
  clearTombstoneIn(writer, firestore, id);
  const ref = firestore.collection(TOKENS).doc(id);
  if (moves) (writer as WriteBatch).set(ref, data);
  else writer.create(ref, data);
  await changeIn(writer, firestore, token.user_id, reg.mine, fields);
  if (reg.theirs)
    await changeIn(writer, firestore, reg.theirs.userId, reg.theirs.change);
}

/** Adds the removal of `token` from its owner `mine` at `at`, with its tombstone. */
export async function removalIn(
  writer: Writer,
  firestore: Firestore,
  mine: UserDevices,
  token: {id: string},
  {
    reason,
    at,
    keepKey,
  }: {reason: TombstoneReason; at: Timestamp; keepKey: boolean},
): Promise<void> {
  writer.delete(firestore.collection(TOKENS).doc(token.id));
  await tombstonesIn(writer, firestore, {
    userId: mine.userId,
    tokenIds: [token.id],
    reason,
    at,
  });
  const remaining = mine.tokens.filter(t => t.id !== token.id).length;
  await changeIn(writer, firestore, mine.userId, {
    set: {},
    drop: [token.id],
    clearKey: !keepKey && remaining === 0,
  });
}

/**
 * Adds to `tx` the writes that make the user's `devices` map list exactly `tokens`, entry by
 * entry, with `fields` (such as the notification key) set alongside. Nothing is written when
 * the document already says all of it, and no user document is created for a user without
 * tokens.
 */
export async function syncDevicesMapIn(
  tx: Transaction,
  firestore: Firestore,
  user: DocumentSnapshot,
  tokens: readonly DeviceRef[],
  fields: Partial<Pick<UserDoc, 'notification_key'>> = {},
): Promise<void> {
  const data = userData(user);
  const change = mapDiff(data?.devices, tokens);
  const changedFields = Object.fromEntries(
    Object.entries(fields).filter(
      ([name, value]) =>
        (data as Record<string, unknown> | undefined)?.[name] !== value,
    ),
  );
  if (isEmptyChange(change) && Object.keys(changedFields).length === 0) return;
  if (!user.exists && tokens.length === 0) return;
  await changeIn(tx, firestore, user.id, change, changedFields);
}

/** What a refresh writes with: a transaction or a batch. */
interface RefreshWriter {
  update(ref: DocumentReference, data: {updated_at: Timestamp}): unknown;
  set(
    ref: DocumentReference,
    data: Partial<UserDoc>,
    options: SetOptions,
  ): unknown;
}

/**
 * Adds to `writer` the refresh of a token its owner registered again: the token's
 * `updated_at`, and its entry in the owner's device list. Returns the refreshed token.
 */
export function refreshIn(
  writer: RefreshWriter,
  firestore: Firestore,
  token: StoredToken,
  at: Timestamp,
): StoredToken {
  const refreshed = {...token, updated_at: at};
  writer.update(firestore.collection(TOKENS).doc(token.id), {updated_at: at});
  writer.set(
    firestore.collection(USERS).doc(token.user_id),
    {devices: {[token.id]: entryOf(refreshed)}},
    {merge: true},
  );
  return refreshed;
}

/** The log lines of a registration that evicted devices or moved a token between users. */
export function logDeviceChanges(
  log: Logger,
  change: {userId: string; tokenId: string; evicted: string[]; from?: string},
): void {
  if (change.evicted.length > 0) {
    log.info('evicted least recently registered devices', {
      userId: change.userId,
      evicted: change.evicted,
    });
  }
  if (change.from !== undefined) {
    log.info('moved a device to another user', {
      from: change.from,
      to: change.userId,
      tokenId: change.tokenId,
    });
  }
}

/**
 * A sign-out (an API removal) of a token the new app holds no document for: the device
 * registered in Laravel only. Its tombstone keeps a later import from bringing it back; one
 * that is there already (an earlier removal's) is kept as it is.
 */
export async function signedOutOfUnknownToken(
  db: Db,
  userId: string,
  tokenId: string,
  at: Timestamp,
): Promise<void> {
  const firestore = await db.client();
  await db.createIfAbsent(
    tombstoneRef(firestore, tokenId),
    await unknownTokenTombstone(userId, at),
  );
}
