/**
 * What Firestore holds for some users, as one read gave it: the documents a user's plan
 * looks at, read in two rounds, because the second depends on the user document (the
 * devices it lists that Laravel does not, and the email it holds now). The page's
 * up-front read and each user's transaction read the same documents the same way.
 */
import {
  DEVICE_TOMBSTONES,
  TOKENS,
  USERS,
  USER_EMAILS,
  USER_TOMBSTONES,
  emailId,
  normalizeEmail,
} from '../../shared/firestore/collections';
import type {ExistingEmail, ExistingToken, ExistingUser} from './rows';

/** The documents one user's plan reads. */
export interface Wanted {
  userId: string;
  /** The token ids of the user's Laravel rows. */
  tokenIds: readonly string[];
  /** The `user_emails` id of the user's Laravel email, if any. */
  emailId: string | null;
}

/** `collection/id` → the document's data, or undefined when it does not exist. */
export type Docs = ReadonlyMap<string, Record<string, unknown> | undefined>;

/** Reads documents by path; every path asked for is in the answer. */
export type ReadDocs = (paths: readonly string[]) => Promise<Docs>;

const path = (collection: string, id: string) => `${collection}/${id}`;

/** Lookups over documents read together. */
export class Found {
  constructor(private readonly docs: Docs) {}

  user(id: string): ExistingUser | undefined {
    return this.docs.get(path(USERS, id)) as ExistingUser | undefined;
  }
  token(id: string): ExistingToken | undefined {
    return this.docs.get(path(TOKENS, id)) as ExistingToken | undefined;
  }
  tombstone(id: string): boolean {
    return this.docs.get(path(DEVICE_TOMBSTONES, id)) !== undefined;
  }
  /** Whether the user was deleted in the new app (a user tombstone). */
  deleted(userId: string): boolean {
    return this.docs.get(path(USER_TOMBSTONES, userId)) !== undefined;
  }
  email(id: string): ExistingEmail | undefined {
    return this.docs.get(path(USER_EMAILS, id)) as ExistingEmail | undefined;
  }
}

function firstRound(w: Wanted): string[] {
  return [
    path(USERS, w.userId),
    path(USER_TOMBSTONES, w.userId),
    ...w.tokenIds.flatMap(id => [
      path(TOKENS, id),
      path(DEVICE_TOMBSTONES, id),
    ]),
    ...(w.emailId === null ? [] : [path(USER_EMAILS, w.emailId)]),
  ];
}

/** The token documents of devices the user document lists, and its current email's owner. */
function secondRound(w: Wanted, docs: Docs): string[] {
  const user = docs.get(path(USERS, w.userId)) as ExistingUser | undefined;
  if (!user) return [];
  const paths = Object.keys(user.devices ?? {}).map(id => path(TOKENS, id));
  if (typeof user.email === 'string' && user.email !== '')
    paths.push(path(USER_EMAILS, emailId(normalizeEmail(user.email))));
  return paths.filter(p => !docs.has(p));
}

/** Reads what the plans of `wanted` look at, in two rounds of `read`. */
export async function readWanted(
  read: ReadDocs,
  wanted: readonly Wanted[],
): Promise<Found> {
  const docs = new Map(await read([...new Set(wanted.flatMap(firstRound))]));
  const second = [...new Set(wanted.flatMap(w => secondRound(w, docs)))];
  if (second.length > 0)
    for (const [p, data] of await read(second)) docs.set(p, data);
  return new Found(docs);
}
