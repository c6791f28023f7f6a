/**
 * The users repository: users are Firestore documents holding an email and a bcrypt
 * hash. Emails are unique: `user_emails/{emailId}` names the one owner of each
 * lower-cased email, and is written in the same transaction as the user.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {
  USERS,
  USER_EMAILS,
  emailId,
  normalizeEmail,
  type UserDoc,
  type UserEmailDoc,
  userData,
} from '../firestore/collections';
import type {Db} from '../firestore/db';
import {isTransient, rerunWhile} from '../firestore/rerun';
import {AppError} from '../platform/errors';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  /** The token ids of the user's devices (the user document's `devices` map). */
  deviceIds: readonly string[];
}

export interface UserStore {
  /** The user with this id, or null (also for a user without a password). */
  get(id: string): Promise<UserRecord | null>;
  /** The user with this email (compared case-insensitively), or null. */
  findByEmail(email: string): Promise<UserRecord | null>;
}

function record(id: string, data: Partial<UserDoc>): UserRecord | null {
  if (typeof data.password !== 'string' || typeof data.email !== 'string')
    return null;
  return {
    id,
    email: data.email,
    passwordHash: data.password,
    deviceIds: Object.keys(data.devices ?? {}),
  };
}

/** Document ids Firestore refuses; such a path can name no user. */
function isValidDocId(id: string): boolean {
  return (
    id !== '' &&
    id !== '.' &&
    id !== '..' &&
    !id.includes('/') &&
    !/^__.*__$/.test(id) &&
    Buffer.byteLength(id) <= 1500
  );
}

export function firestoreUsers(db: Db): UserStore {
  return {
    async get(id) {
      if (!isValidDocId(id)) return null;
      const snapshot = await db.callWithDeadline(async () =>
        (await db.client()).collection(USERS).doc(id).get(),
      );
      return snapshot.exists ? record(id, userData(snapshot)!) : null;
    },
    async findByEmail(email) {
      const snapshot = await db.callWithDeadline(async () =>
        (await db.client())
          .collection(USERS)
          .where('email', '==', normalizeEmail(email))
          .limit(1)
          .get(),
      );
      const doc = snapshot.docs[0];
      return doc ? record(doc.id, userData(doc)!) : null;
    },
  };
}

/** The error for an email that another user already has. */
export function emailTaken(email: string): AppError {
  return new AppError(
    'conflict',
    `The email ${normalizeEmail(email)} is already taken.`,
  );
}

/**
 * Creates or updates a user (used by the user command and tests). Refuses, with a 409
 * AppError, an email another user owns; a changed email frees the old one.
 */
export async function upsertUser(
  db: Firestore,
  user: {id: string; email: string; passwordHash: string; name?: string},
): Promise<void> {
  // A transient failure (a lock or deadline given up under load) is run again: the
  // transaction is safe to repeat, and a racing loser should learn of the winner's claim
  // (409) rather than of our load.
  return rerunWhile(() => upsertOnce(db, user), isTransient, UPSERT_RUNS);
}

async function upsertOnce(
  db: Firestore,
  user: {id: string; email: string; passwordHash: string; name?: string},
): Promise<void> {
  const email = normalizeEmail(user.email);
  const userRef = db.collection(USERS).doc(user.id);
  const emailRef = db.collection(USER_EMAILS).doc(emailId(email));
  // A taken email is answered by the transaction, not thrown out of it: the SDK sends the
  // rollback of a throwing transaction without waiting, so a command that exits at once left
  // the email's lock held in the emulator (the next create or delete of it timed out). An
  // answer commits nothing, which releases the locks.
  const taken = await db.runTransaction(
    async tx => {
      const [existing, owner] = await tx.getAll(userRef, emailRef);
      const ownerId = owner!.exists ? owner!.get('user_id') : undefined;
      if (ownerId !== undefined && ownerId !== user.id) return true;
      // Users written before emails had owners have no claim yet: ask the users too.
      const sameEmail = await tx.get(
        db.collection(USERS).where('email', '==', email).limit(2),
      );
      if (sameEmail.docs.some(doc => doc.id !== user.id)) return true;
      const oldEmail = existing!.get('email') as unknown;
      if (typeof oldEmail === 'string' && normalizeEmail(oldEmail) !== email) {
        const oldRef = db.collection(USER_EMAILS).doc(emailId(oldEmail));
        const old = await tx.get(oldRef);
        // Only free what this user owns: a legacy duplicate may be someone else's.
        if (old.exists && old.get('user_id') === user.id) tx.delete(oldRef);
      }
      const claim: UserEmailDoc = {user_id: user.id, email};
      tx.set(emailRef, claim);
      const fields: Partial<UserDoc> = {email, password: user.passwordHash};
      if (user.name !== undefined) fields.name = user.name;
      tx.set(userRef, fields, {merge: true});
      return false;
    },
    {maxAttempts: UPSERT_ATTEMPTS},
  );
  if (taken) throw emailTaken(email);
}

/**
 * Two racing writes of one email contend on its `user_emails` document; the loser must
 * get to read the winner's claim (its 409), even on a busy emulator, rather than run out
 * of the SDK's default five attempts. (The SDK's backoff allows at most 11, whatever is
 * asked: past them it throws "Exceeded maximum number of retries", which upsertUser
 * retries as contention.)
 */
const UPSERT_ATTEMPTS = 20;

/** Whole transactions run by upsertUser before a transient failure is the caller's. */
const UPSERT_RUNS = 5;
