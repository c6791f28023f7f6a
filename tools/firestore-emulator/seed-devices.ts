/**
 * Writes users and their devices straight into Firestore (the `firestore` backend's
 * layout: a token document per device and the user's `devices` map), in bulk, for the
 * batch tests and `npm run bench:batch`. No addDevice runs: nothing is checked or logged.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {firestoreSdk} from '../../shared/firestore/client';
import {TOKENS, USERS, tokenId} from '../../shared/firestore/collections';

/** Users `ids`, each with `devices` tokens named by `tokenOf`; returns the tokens by user. */
export async function seedDeviceUsers(
  db: Firestore,
  ids: readonly string[],
  devices: number,
  tokenOf: (user: string, device: number) => string,
): Promise<Map<string, string[]>> {
  const {Timestamp} = await firestoreSdk();
  const at = Timestamp.now();
  const writer = db.bulkWriter();
  const tokens = new Map<string, string[]>();
  for (const id of ids) {
    const list = Array.from({length: devices}, (_, i) => tokenOf(id, i));
    tokens.set(id, list);
    for (const token of list)
      void writer.set(db.collection(TOKENS).doc(tokenId(token)), {
        user_id: id,
        registration_id: token,
        created_at: at,
        updated_at: at,
      });
    void writer.set(db.collection(USERS).doc(id), {
      email: `${id}@example.com`,
      devices: Object.fromEntries(
        list.map(t => [tokenId(t), {registration_id: t, updated_at: at}]),
      ),
    });
  }
  await writer.close();
  return tokens;
}
