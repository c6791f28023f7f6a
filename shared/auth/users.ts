/**
 * The users repository: users are Firestore documents holding an email and a bcrypt hash.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {USERS, normalizeEmail, type UserDoc} from '../firestore/collections';
import type {Db} from '../firestore/db';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
}

export interface UserStore {
  /** The user with this email (compared case-insensitively), or null. */
  findByEmail(email: string): Promise<UserRecord | null>;
}

export function firestoreUsers(db: Db): UserStore {
  return {
    async findByEmail(email) {
      const snapshot = await db.callWithDeadline(async () =>
        (await db.client())
          .collection(USERS)
          .where('email', '==', normalizeEmail(email))
          .limit(1)
          .get(),
      );
      const doc = snapshot.docs[0];
      if (!doc) return null;
      const data = doc.data() as UserDoc;
      if (typeof data.password !== 'string') return null;
      return {id: doc.id, email: data.email, passwordHash: data.password};
    },
  };
}

/** Creates or updates a user (used by the user command and tests). */
export async function upsertUser(
  db: Firestore,
  user: {id: string; email: string; passwordHash: string; name?: string},
): Promise<void> {
  const fields: Partial<UserDoc> = {
    email: normalizeEmail(user.email),
    password: user.passwordHash,
  };
  if (user.name !== undefined) fields.name = user.name;
  await db.collection(USERS).doc(user.id).set(fields, {merge: true});
}
