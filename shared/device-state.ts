/**
 * Reads of one user's device state, done while holding the user's lease so that what is
 * read stays true until the holder's batch commits.
 */
import type { DocumentSnapshot, Firestore } from 'firebase-admin/firestore';
import { TOKENS, USERS, tokenId, type TokenDoc, type UserDoc } from './collections';
import { firestore } from './firestore-errors';

export interface StoredToken extends TokenDoc {
  id: string;
}

export interface UserDevices {
  userId: string;
  /** The notification key stored for the user's group, if any. */
  notificationKey: string | null;
  /** The user's tokens, least recently registered first. */
  tokens: StoredToken[];
}

function storedToken(snapshot: DocumentSnapshot): StoredToken | null {
  return snapshot.exists ? { id: snapshot.id, ...(snapshot.data() as TokenDoc) } : null;
}

/** The token document of `registrationId`, whoever owns it. */
export async function readToken(db: Firestore, registrationId: string): Promise<StoredToken | null> {
  return storedToken(await firestore(() => db.collection(TOKENS).doc(tokenId(registrationId)).get()));
}

/** Several token documents by id, in one round trip. */
export async function readTokens(db: Firestore, ids: readonly string[]): Promise<Map<string, StoredToken>> {
  const found = new Map<string, StoredToken>();
  if (ids.length === 0) return found;
  const refs = ids.map((id) => db.collection(TOKENS).doc(id));
  for (const snapshot of await firestore(() => db.getAll(...refs))) {
    const token = storedToken(snapshot);
    if (token) found.set(token.id, token);
  }
  return found;
}

/** A user's notification key and all their tokens, oldest registration first. */
export async function readUserDevices(db: Firestore, userId: string): Promise<UserDevices> {
  const [user, tokens] = await firestore(() =>
    Promise.all([
      db.collection(USERS).doc(userId).get(),
      db.collection(TOKENS).where('user_id', '==', userId).orderBy('updated_at', 'asc').get(),
    ]),
  );
  const key = (user.data() as UserDoc | undefined)?.notification_key;
  return {
    userId,
    notificationKey: typeof key === 'string' && key !== '' ? key : null,
    tokens: tokens.docs.map((doc) => storedToken(doc)!),
  };
}
