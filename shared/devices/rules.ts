/**
 * The device rules, written once as pure functions: both backends (firestore-devices.ts,
 * fcm-groups/), the repairs, the Laravel importer and notify's dead-token removal apply
 * them, and test/unit/devices/rules.test.ts checks them with properties. Nothing here
 * reads or writes: state.ts turns the changes into Firestore writes.
 *
 * - A user keeps at most `max` devices; registering one more evicts the least recently
 *   registered (oldest `updated_at`, then token id) first.
 * - A token has one owner: registering another user's token moves it.
 * - Registering a token the user has refreshes its `updated_at`.
 * - A removal touches only the user's own token, and with a cutoff (pruning, a dead token
 *   found during a send) only one not registered again since.
 */
import type {Timestamp} from 'firebase-admin/firestore';
import type {DeviceEntry, TokenDoc} from '../firestore/collections';

/** One of a user's devices. */
export interface DeviceRef {
  id: string;
  registration_id: string;
  updated_at: Timestamp;
}

/** A token document with its id. */
export interface StoredToken extends TokenDoc {
  id: string;
}

/** A user's devices as their user document lists them. */
export interface UserDevices {
  userId: string;
  /** The notification key stored for the user's FCM group, if any. */
  notificationKey: string | null;
  /** Least recently registered first (`byAge`). */
  tokens: DeviceRef[];
}

/**
 * A change to a user document's devices: entries to set and entries to drop (field by
 * field, never the whole map), and whether the group's key goes with the last device.
 */
export interface DevicesChange {
  set: Record<string, DeviceEntry>;
  drop: string[];
  clearKey: boolean;
}

/** Least recently registered first; ties by token id, so the order is total. */
export function byAge(a: DeviceRef, b: DeviceRef): number {
  return (
    a.updated_at.toMillis() - b.updated_at.toMillis() ||
    a.id.localeCompare(b.id)
  );
}

/** The devices of a `devices` map, least recently registered first. */
export function devicesOf(
  map: Record<string, DeviceEntry> | undefined,
): DeviceRef[] {
  return Object.entries(map ?? {})
    .map(([id, entry]) => ({
      id,
      registration_id: entry.registration_id,
      updated_at: entry.updated_at,
    }))
    .sort(byAge);
}

/** Whether a user with `count` devices may take one more within `max` without an eviction. */
export function hasRoom(count: number, max: number): boolean {
  return count < max;
}

/** The devices to evict so that `mine` (ordered by `byAge`) has room for one more within `max`. */
export function evictionFor(
  mine: readonly DeviceRef[],
  max: number,
): DeviceRef[] {
  if (hasRoom(mine.length, max)) return [];
  return mine.slice(0, mine.length - (max - 1));
}

/** The token document of a registration at `now`. */
export function newToken(
  registrationId: string,
  id: string,
  userId: string,
  now: Timestamp,
): StoredToken {
  return {
    id,
    user_id: userId,
    registration_id: registrationId,
    created_at: now,
    updated_at: now,
  };
}

/** The entry a token has in its owner's `devices` map. */
export function entryOf(token: {
  registration_id: string;
  updated_at: Timestamp;
}): DeviceEntry {
  return {registration_id: token.registration_id, updated_at: token.updated_at};
}

/**
 * The change to `devices` (one user's) that adds `add` and drops `drop`. With `keepKey`
 * false, the group's key goes when no device is left (FCM deletes an emptied group).
 */
export function userChange(
  devices: UserDevices,
  {
    add,
    drop = [],
    keepKey = true,
  }: {
    add?: DeviceRef;
    drop?: readonly string[];
    keepKey?: boolean;
  },
): DevicesChange {
  const remaining = devices.tokens.filter(
    t => !drop.includes(t.id) && t.id !== add?.id,
  ).length;
  return {
    set: add ? {[add.id]: entryOf(add)} : {},
    drop: [...drop],
    clearKey: !keepKey && remaining + (add ? 1 : 0) === 0,
  };
}

/** What registering a token nobody else holds, or moving one, changes. */
export interface Registration {
  token: StoredToken;
  /** The registering user's devices evicted to make room. */
  evicted: DeviceRef[];
  mine: DevicesChange;
  /** The previous owner's change, when the token moves. */
  theirs?: {userId: string; change: DevicesChange};
  /** True when the registering user's group is emptied by the eviction (a new group starts). */
  groupEmptied: boolean;
}

/**
 * A registration of `token` (new, or moving from `from`) for `mine.userId`, within `max`.
 * `keepKey` false: the backend keeps a group key, which goes with a group's last device.
 */
export function registration(
  mine: UserDevices,
  token: StoredToken,
  max: number,
  {from, keepKey = true}: {from?: UserDevices; keepKey?: boolean} = {},
): Registration {
  const evicted = evictionFor(mine.tokens, max);
  const added: DeviceRef = {
    id: token.id,
    registration_id: token.registration_id,
    updated_at: token.updated_at,
  };
  return {
    token,
    evicted,
    mine: userChange(mine, {add: added, drop: evicted.map(t => t.id), keepKey}),
    ...(from
      ? {
          theirs: {
            userId: from.userId,
            change: userChange(from, {drop: [token.id], keepKey}),
          },
        }
      : {}),
    groupEmptied: evicted.length === mine.tokens.length,
  };
}

/**
 * Whether `token` may be removed from `userId`: it is theirs, and, with `cutoff`, it was not
 * registered again since (a device that re-registered during a prune or a send is kept).
 */
export function isRemovable(
  token: Pick<TokenDoc, 'user_id' | 'updated_at'> | null,
  userId: string,
  cutoff?: Date,
): token is TokenDoc {
  if (token?.user_id !== userId) return false;
  return cutoff === undefined || token.updated_at.toMillis() < cutoff.getTime();
}

/** Whether a `devices` map entry already says this registration id and time. */
export function isListedAs(
  listed:
    {registration_id?: unknown; updated_at?: {toMillis(): number}} | undefined,
  registrationId: string,
  updatedAtMs: number,
): boolean {
  return (
    listed?.registration_id === registrationId &&
    listed.updated_at?.toMillis() === updatedAtMs
  );
}

/** The change that makes a `devices` map list exactly `tokens` (the source of truth). */
export function mapDiff(
  listed: Record<string, Partial<DeviceEntry>> | undefined,
  tokens: readonly DeviceRef[],
): DevicesChange {
  const set: Record<string, DeviceEntry> = {};
  for (const t of tokens)
    if (!isListedAs(listed?.[t.id], t.registration_id, t.updated_at.toMillis()))
      set[t.id] = entryOf(t);
  const kept = new Set(tokens.map(t => t.id));
  return {
    set,
    drop: Object.keys(listed ?? {}).filter(id => !kept.has(id)),
    clearKey: false,
  };
}

/** True when a change writes nothing. */
export function isEmptyChange(change: DevicesChange): boolean {
  return (
    Object.keys(change.set).length === 0 &&
    change.drop.length === 0 &&
    !change.clearKey
  );
}
