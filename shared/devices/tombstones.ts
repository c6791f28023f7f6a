/**
 * Tombstones: every removal of a device in the new system (API remove, eviction at the
 * device maximum, pruning, a dead token found by notify) leaves `device_tombstones/{tokenId}`
 * in the same transaction or batch as the removal, so that a re-import from the Laravel
 * database never brings the device back. A registration of the token through the API
 * deletes its tombstone in the same write: the device is back by the user's own action.
 *
 * A user deleted in the new app leaves `user_tombstones/{userId}` the same way, and a sign-out
 * of a token the new app never held (the device registered in Laravel only) leaves a device
 * tombstone too, unless one is there already.
 *
 * Firestore deletes a tombstone after `expires_at` (a TTL policy on
 * device_tombstones.expires_at; see firestore.ttl), which is TOMBSTONE_TTL_DAYS after the
 * removal: longer than any migration window, during which imports may still run.
 */
import type {
  DocumentReference,
  Firestore,
  Timestamp,
} from 'firebase-admin/firestore';
import {
  DEVICE_TOMBSTONES,
  USER_TOMBSTONES,
  type DeviceTombstoneDoc,
  type TombstoneReason,
  type UserTombstoneDoc,
} from '../firestore/collections';
import {firestoreSdk} from '../firestore/client';

/** How long a tombstone lives: longer than the migration window (docs/migration-from-laravel.md). */
export const TOMBSTONE_TTL_DAYS = 180;

const DAY_MS = 86_400_000;

/** What a tombstone is written or deleted with: the removal's transaction or batch. */
interface Writer {
  set(
    ref: DocumentReference,
    data: DeviceTombstoneDoc | UserTombstoneDoc,
  ): unknown;
  delete(ref: DocumentReference): unknown;
}

/** Adds to `writer` the tombstones of `tokenIds`, removed from `userId` at `at` for `reason`. */
export async function tombstonesIn(
  writer: Writer,
  firestore: Firestore,
  removal: {
    userId: string;
    tokenIds: readonly string[];
    reason: TombstoneReason;
    at: Timestamp;
  },
): Promise<void> {
  const {Timestamp} = await firestoreSdk();
  const expires = Timestamp.fromMillis(
    removal.at.toMillis() + TOMBSTONE_TTL_DAYS * DAY_MS,
  );
  for (const id of removal.tokenIds)
    writer.set(firestore.collection(DEVICE_TOMBSTONES).doc(id), {
      user_id: removal.userId,
      removed_at: removal.at,
      reason: removal.reason,
      expires_at: expires,
    });
}

/** Adds to `writer` the deletion of the tombstone of `tokenId` (a registration through the API). */
export function clearTombstoneIn(
  writer: Writer,
  firestore: Firestore,
  tokenId: string,
): void {
  writer.delete(firestore.collection(DEVICE_TOMBSTONES).doc(tokenId));
}

/** The tombstone of a token nobody holds, removed by `userId` through the API (a sign-out). */
export async function unknownTokenTombstone(
  userId: string,
  at: Timestamp,
): Promise<DeviceTombstoneDoc> {
  const {Timestamp} = await firestoreSdk();
  return {
    user_id: userId,
    removed_at: at,
    reason: 'removed',
    expires_at: Timestamp.fromMillis(
      at.toMillis() + TOMBSTONE_TTL_DAYS * DAY_MS,
    ),
  };
}

/** The reference of a token's tombstone. */
export function tombstoneRef(
  firestore: Firestore,
  tokenId: string,
): DocumentReference {
  return firestore.collection(DEVICE_TOMBSTONES).doc(tokenId);
}

/** Adds to `writer` the tombstone of a user deleted at `at` (the user command's delete). */
export async function userTombstoneIn(
  writer: Writer,
  firestore: Firestore,
  userId: string,
  at: Timestamp,
): Promise<void> {
  const {Timestamp} = await firestoreSdk();
  writer.set(firestore.collection(USER_TOMBSTONES).doc(userId), {
    removed_at: at,
    expires_at: Timestamp.fromMillis(
      at.toMillis() + TOMBSTONE_TTL_DAYS * DAY_MS,
    ),
  });
}
