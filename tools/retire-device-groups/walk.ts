/**
 * Walks every user document in document-id order, a page at a time, handling up to
 * `concurrency` users at once, and keeps the resume point: the last user such that it and
 * every user before it are done (users finish out of order when handled concurrently).
 *
 * Every user is paged, not only those with a key (`notification_key != null`): an
 * inequality query must be ordered by its own field first, so it could not be ordered
 * (and resumed) by user id without a composite index, and the rebuild needs the users
 * with devices, which no query selects. One read per user, a page per round trip.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {USERS, type UserDoc} from '../../shared/firestore/collections';
import {firestoreSdk} from '../../shared/firestore/client';
import type {Db} from '../../shared/firestore/db';

/** What the walk reads of a user: only the fields the switch needs (no password hash). */
export interface UserRow {
  id: string;
  data: Pick<UserDoc, 'notification_key' | 'devices'>;
}

export interface WalkOptions {
  db: Db;
  /** Start after this user id; null from the first. */
  sinceUserId: string | null;
  concurrency: number;
  /** No new user is started once it aborts; the users in flight finish. */
  stop: AbortSignal;
  /** Handles one user; must not throw (failures are outcomes). */
  handle(user: UserRow): Promise<void>;
  pageSize?: number;
}

export interface WalkResult {
  /** The resume point: every user up to and including it is done. */
  lastUserId: string | null;
  /** True when the walk ended before the last user (stopped, or a page could not be read). */
  stopped: boolean;
  /** Why a page could not be read, if that ended the walk. */
  error?: unknown;
}

const PAGE_SIZE = 300;

/** Counts the users the walk will visit, for a progress bar; null if Firestore cannot say. */
export async function countUsers(
  db: Db,
  sinceUserId: string | null,
): Promise<number | null> {
  try {
    const query = await usersAfter(db, sinceUserId);
    const snapshot = await db.callWithDeadline(() => query.count().get());
    return snapshot.data().count;
  } catch {
    return null;
  }
}

async function usersAfter(db: Db, sinceUserId: string | null) {
  const client: Firestore = await db.client();
  const {FieldPath} = await firestoreSdk();
  const ordered = client.collection(USERS).orderBy(FieldPath.documentId());
  return sinceUserId === null ? ordered : ordered.startAfter(sinceUserId);
}

/** Runs `handle` for every user after `sinceUserId`, in id order, until done or stopped. */
export async function walkUsers(options: WalkOptions): Promise<WalkResult> {
  const {db, concurrency, stop, handle} = options;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  let lastUserId = options.sinceUserId;
  for (;;) {
    if (stop.aborted) return {lastUserId, stopped: true};
    let users: UserRow[];
    try {
      users = await readPage(db, lastUserId, pageSize);
    } catch (error) {
      // The users done so far stay done: the walk ends where it is, to be resumed.
      return {lastUserId, stopped: true, error};
    }
    const done = await handlePage(users, concurrency, stop, handle);
    if (done > 0) lastUserId = users[done - 1]!.id;
    if (done < users.length) return {lastUserId, stopped: true};
    if (users.length < pageSize) return {lastUserId, stopped: false};
  }
}

async function readPage(
  db: Db,
  after: string | null,
  pageSize: number,
): Promise<UserRow[]> {
  const query = (await usersAfter(db, after))
    .select('notification_key', 'devices')
    .limit(pageSize);
  const page = await db.callWithDeadline(() => query.get());
  return page.docs.map(doc => ({
    id: doc.id,
    data: doc.data() as UserRow['data'],
  }));
}

/**
 * Handles one page with bounded concurrency.
 * @returns how many users from the page's start are all done (the rest were not started)
 */
async function handlePage(
  users: readonly UserRow[],
  concurrency: number,
  stop: AbortSignal,
  handle: (user: UserRow) => Promise<void>,
): Promise<number> {
  let next = 0;
  const finished = new Array<boolean>(users.length).fill(false);
  const worker = async () => {
    while (next < users.length && !stop.aborted) {
      const index = next++;
      await handle(users[index]!);
      finished[index] = true;
    }
  };
  await Promise.all(
    Array.from({length: Math.min(concurrency, users.length)}, worker),
  );
  const firstUnfinished = finished.indexOf(false);
  return firstUnfinished === -1 ? users.length : firstUnfinished;
}
