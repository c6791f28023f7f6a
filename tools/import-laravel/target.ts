/**
 * Firestore, as the importer uses it: what a page's documents hold now (batched reads)
 * and the page's writes through one BulkWriter, flushed per page so that a page is either
 * known written or redone by a resumed run.
 */
import type {
  BulkWriter,
  DocumentReference,
  Firestore,
} from 'firebase-admin/firestore';
import {
  emailId,
  normalizeEmail,
  tokenId,
} from '../../shared/firestore/collections';
import type {Write} from './plan';
import type {ExistingState, SourceToken, SourceUser} from './rows';

/** Documents read per `getAll` round trip. */
const READ_CHUNK = 300;

export interface FirestoreTarget {
  /** The page's user, token and email documents as Firestore holds them. */
  read(
    users: readonly SourceUser[],
    tokens: readonly SourceToken[],
  ): Promise<ExistingState>;
  /** Writes and waits for all of them; throws when any write failed after BulkWriter's retries. */
  write(writes: readonly Write[]): Promise<void>;
  close(): Promise<void>;
}

async function readAll<T>(
  db: Firestore,
  refs: DocumentReference[],
): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  for (let i = 0; i < refs.length; i += READ_CHUNK) {
    const snapshots = await db.getAll(...refs.slice(i, i + READ_CHUNK));
    for (const snapshot of snapshots)
      if (snapshot.exists) found.set(snapshot.id, snapshot.data() as T);
  }
  return found;
}

/**
 * @param throttle - BulkWriter's ramp-up (500 writes/s, +50 % every 5 minutes), which
 * Firestore asks for on a live database; off for the emulator, which has no such limit.
 */
export function firestoreTarget(
  db: Firestore,
  throttle = true,
): FirestoreTarget {
  let writer: BulkWriter | null = null;
  return {
    async read(users, tokens) {
      const emails = new Set<string>();
      for (const u of users)
        if (u.email) emails.add(emailId(normalizeEmail(u.email)));
      const [userDocs, tokenDocs, emailDocs] = await Promise.all([
        readAll(
          db,
          users.map(u => db.collection('users').doc(u.id)),
        ),
        readAll(
          db,
          [...new Set(tokens.map(t => tokenId(t.registrationId)))].map(id =>
            db.collection('fcm_registration_tokens').doc(id),
          ),
        ),
        readAll(
          db,
          [...emails].map(id => db.collection('user_emails').doc(id)),
        ),
      ]);
      return {
        users: userDocs,
        tokens: tokenDocs,
        emails: emailDocs,
      } as ExistingState;
    },
    async write(writes) {
      if (writes.length === 0) return;
      writer ??= db.bulkWriter({throttling: throttle});
      const failures: string[] = [];
      const pending = writes.map(w => {
        const ref = db.collection(w.collection).doc(w.id);
        const done = w.mergeFields
          ? writer!.set(ref, w.data, {mergeFields: w.mergeFields})
          : writer!.set(ref, w.data);
        return done.catch((err: Error) => {
          failures.push(`${w.collection}: ${err.message}`);
        });
      });
      await writer.flush();
      await Promise.all(pending);
      if (failures.length > 0)
        throw new Error(
          `${failures.length} Firestore writes failed, the first: ${failures[0]}`,
        );
    },
    async close() {
      await writer?.close();
    },
  };
}
