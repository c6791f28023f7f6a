/**
 * The `device_tombstones` collection as tests check it: per token id, who lost the device
 * and why, with the document's exact shape checked on the way (no registration token in
 * it, `expires_at` TOMBSTONE_TTL_DAYS after `removed_at`).
 */
import type {Firestore, Timestamp} from 'firebase-admin/firestore';
import {
  DEVICE_TOMBSTONES,
  type TombstoneReason,
} from '../../shared/firestore/collections';
import {TOMBSTONE_TTL_DAYS} from '../../shared/devices/tombstones';

/** `{tokenId: 'userId:reason'}` for every tombstone; throws if one is not shaped as documented. */
export async function tombstones(
  db: Firestore,
): Promise<Record<string, `${string}:${TombstoneReason}`>> {
  const found: Record<string, `${string}:${TombstoneReason}`> = {};
  for (const doc of (await db.collection(DEVICE_TOMBSTONES).get()).docs) {
    const data = doc.data();
    const fields = Object.keys(data).sort().join();
    if (fields !== 'expires_at,reason,removed_at,user_id')
      throw new Error(`tombstone ${doc.id} has the fields ${fields}`);
    const removed = (data.removed_at as Timestamp).toMillis();
    const expires = (data.expires_at as Timestamp).toMillis();
    if (expires - removed !== TOMBSTONE_TTL_DAYS * 86_400_000)
      throw new Error(
        `tombstone ${doc.id} expires ${expires - removed} ms after its removal`,
      );
    found[doc.id] =
      `${data.user_id as string}:${data.reason as TombstoneReason}`;
  }
  return found;
}
