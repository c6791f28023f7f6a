/**
 * Reads of one user's device state, done while holding the user's lease so that what is
 * read stays true until the holder's batch commits.
 *
 * A user document carries `devices`, a map of the user's tokens (id → registration id and
 * `updated_at`), kept in the same batches as the token documents. It makes the common
 * path one batched read of two documents instead of a query over the user's tokens; the
 * token documents stay the source of truth, and a reconcile rebuilds the map from them.
 */
import type {
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  SetOptions,
  Timestamp,
  Transaction,
} from 'firebase-admin/firestore';
import type {Logger} from '../platform/logger';
import {
  TOKENS,
  USERS,
  tokenId,
  type DeviceEntry,
  type TokenDoc,
  type UserDoc,
} from '../firestore/collections';
import {firestoreSdk} from '../firestore/client';
import type {Db} from '../firestore/db';

export interface StoredToken extends TokenDoc {
  id: string;
}

/** One of a user's devices, as the user document lists it. */
export interface DeviceRef {
  id: string;
  registration_id: string;
  updated_at: Timestamp;
}

export interface UserDevices {
  userId: string;
  /** The notification key stored for the user's group, if any. */
  notificationKey: string | null;
  /** The user's devices, least recently registered first. */
  tokens: DeviceRef[];
}

export function storedToken(snapshot: DocumentSnapshot): StoredToken | null {
  return snapshot.exists
    ? {id: snapshot.id, ...(snapshot.data() as TokenDoc)}
    : null;
}

export function userDevices(
  userId: string,
  snapshot: DocumentSnapshot,
): UserDevices {
  const data = snapshot.data() as UserDoc | undefined;
  const key = data?.notification_key;
  const tokens = Object.entries(data?.devices ?? {})
    .map(([id, entry]: [string, DeviceEntry]) => ({
      id,
      registration_id: entry.registration_id,
      updated_at: entry.updated_at,
    }))
    .sort(
      (a, b) =>
        a.updated_at.toMillis() - b.updated_at.toMillis() ||
        a.id.localeCompare(b.id),
    );
  return {
    userId,
    notificationKey: typeof key === 'string' && key !== '' ? key : null,
    tokens,
  };
}

/** The token document of `registrationId`, whoever owns it. */
export async function readToken(
  db: Db,
  registrationId: string,
): Promise<StoredToken | null> {
  const client = await db.client();
  return storedToken(
    await db.callWithDeadline(() =>
      client.collection(TOKENS).doc(tokenId(registrationId)).get(),
    ),
  );
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

/** A user's devices per the token documents themselves (the source of truth), for repairs. */
export async function readUserDevicesFromTokens(
  db: Db,
  userId: string,
): Promise<UserDevices> {
  const client = await db.client();
  const [user, tokens] = await db.callWithDeadline(() =>
    Promise.all([
      client.collection(USERS).doc(userId).get(),
      client
        .collection(TOKENS)
        .where('user_id', '==', userId)
        .orderBy('updated_at', 'asc')
        .get(),
    ]),
  );
  return {
    ...userDevices(userId, user),
    tokens: tokens.docs.map(doc => {
      const data = doc.data() as TokenDoc;
      return {
        id: doc.id,
        registration_id: data.registration_id,
        updated_at: data.updated_at,
      };
    }),
  };
}

/** The user's document and token documents (least recently registered first), read in `tx`. */
export async function readDevicesIn(
  tx: Transaction,
  db: Firestore,
  userId: string,
): Promise<{user: DocumentSnapshot; tokens: DeviceRef[]}> {
  const user = await tx.get(db.collection(USERS).doc(userId));
  const tokens = await tx.get(
    db
      .collection(TOKENS)
      .where('user_id', '==', userId)
      .orderBy('updated_at', 'asc'),
  );
  return {
    user,
    tokens: tokens.docs.map(doc => {
      const data = doc.data() as TokenDoc;
      return {
        id: doc.id,
        registration_id: data.registration_id,
        updated_at: data.updated_at,
      };
    }),
  };
}

/**
 * Adds to `tx` the writes that make the user's `devices` map list exactly `tokens`, entry by
 * entry (field paths, never the whole map), with `fields` (such as the notification key) set
 * alongside. Nothing is written when the document already says all of it, and no user
 * document is created for a user without tokens.
 */
export async function syncDevicesMapIn(
  tx: Transaction,
  user: DocumentSnapshot,
  tokens: readonly DeviceRef[],
  fields: Record<string, unknown> = {},
): Promise<void> {
  const {FieldPath, FieldValue} = await firestoreSdk();
  const data = user.data() as UserDoc | undefined;
  const listed: Record<string, Partial<DeviceEntry>> = data?.devices ?? {};
  const changes: Array<[InstanceType<typeof FieldPath>, unknown]> = [];
  for (const t of tokens) {
    const entry = listed[t.id];
    if (
      entry?.registration_id !== t.registration_id ||
      entry.updated_at?.toMillis() !== t.updated_at.toMillis()
    )
      changes.push([
        new FieldPath('devices', t.id),
        {registration_id: t.registration_id, updated_at: t.updated_at},
      ]);
  }
  const kept = new Set(tokens.map(t => t.id));
  for (const id of Object.keys(listed))
    if (!kept.has(id))
      changes.push([new FieldPath('devices', id), FieldValue.delete()]);
  for (const [name, value] of Object.entries(fields))
    if ((data as Record<string, unknown> | undefined)?.[name] !== value)
      changes.push([new FieldPath(name), value]);
  if (!user.exists) {
    if (tokens.length === 0) return;
    const devices = Object.fromEntries(
      tokens.map(t => [
        t.id,
        {registration_id: t.registration_id, updated_at: t.updated_at},
      ]),
    );
    tx.set(user.ref, {...fields, devices}, {merge: true});
    return;
  }
  const [first, ...rest] = changes;
  if (first) tx.update(user.ref, first[0], first[1], ...rest.flat());
}

/**
 * The user-document change that drops devices from its `devices` map, and the group's
 * key with the last one (FCM deletes an emptied group) unless `keepKey`.
 */
export async function withoutDevices(
  devices: UserDevices,
  ids: readonly string[],
  {keepKey = false} = {},
): Promise<Record<string, unknown>> {
  const {FieldValue} = await firestoreSdk();
  const remaining = devices.tokens.filter(t => !ids.includes(t.id)).length;
  return {
    devices: Object.fromEntries(ids.map(id => [id, FieldValue.delete()])),
    ...(remaining === 0 && !keepKey ? {notification_key: null} : {}),
  };
}

/** What a refresh writes with: a transaction or a batch. */
interface Writer {
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
  writer: Writer,
  db: Firestore,
  token: StoredToken,
  at: Timestamp,
): StoredToken {
  writer.update(db.collection(TOKENS).doc(token.id), {updated_at: at});
  writer.set(
    db.collection(USERS).doc(token.user_id),
    {
      devices: {
        [token.id]: {registration_id: token.registration_id, updated_at: at},
      },
    },
    {merge: true},
  );
  return {...token, updated_at: at};
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
