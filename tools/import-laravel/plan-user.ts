/**
 * Decides, for one Laravel user, every write of its import: pure, from the user's rows
 * and what Firestore holds (found.ts), so that the page's up-front read and the user's
 * transaction decide the same way. Laravel is the source only for what the new app has
 * not touched since the last import (provenance.ts): email, password and name changed
 * with the user command stay; a user document under a Laravel id that no import wrote
 * (the local stack's demo user) is replaced, as Laravel owns the ids it holds.
 */
import {
  emailId,
  normalizeEmail,
  USER_EMAILS,
  USERS,
} from '../../shared/firestore/collections';
import {DEMO_USER} from '../local-stack/demo-user';
import {currentUserHash, provenance, userHash} from './provenance';
import {planTokens, type MapEntry} from './plan-tokens';
import {emptyCounts, type Counts, type SkippedUser} from './report';
import type {Found} from './found';
import type {ExistingUser, SourceToken, SourceUser} from './rows';
import {wallClockToDate} from './wall-clock';
import {DELETE, type Write} from './writes';

export interface UserInput {
  user: SourceUser;
  /** The user's winning Laravel rows, most recently updated first, at most the limit. */
  rows: readonly SourceToken[];
  found: Found;
  /** Lower-cased email → the lowest user id having it, for emails several users share. */
  collisions: ReadonlyMap<string, string>;
  /** The key FCM gave for the user's group name; undefined when it was not looked up. */
  lookedUpKey: string | null | undefined;
  maxDevices: number;
  importTime: Date;
  timeZone: string;
}

export type UserPlan =
  /** Not imported: nothing is written (`writes` is empty). */
  | {kind: 'skipped'; skipped: SkippedUser; counts: Counts; writes: []}
  | {
      kind: 'imported';
      writes: Write[];
      counts: Counts;
      /** Registration ids deleted because Laravel deleted them: they leave the user's FCM group. */
      removed: string[];
    };

/** What happens to the user's email, password and name. */
type Decision =
  | 'created'
  | 'updated'
  | 'replaced'
  | 'recorded'
  | 'unchanged'
  | 'keptChangedInNewApp';

const nonEmpty = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

function decide(before: ExistingUser | undefined, hash: string): Decision {
  if (!before) return 'created';
  const current = currentUserHash(before);
  const origin = provenance(before, current);
  if (origin.kind === 'changed') return 'keptChangedInNewApp';
  if (origin.kind === 'untouched')
    return origin.hash === hash ? 'unchanged' : 'updated';
  return current === hash ? 'recorded' : 'replaced';
}

function skipped(
  skip: SkippedUser,
  counts: Counts,
  field: keyof Counts['users'],
): UserPlan {
  counts.users[field]++;
  return {kind: 'skipped', skipped: skip, counts, writes: []};
}

/**
 * A user document no import wrote, under another email than Laravel's, that is not the
 * local stack's demo user: a user the new app created (`npm run user -- create`) under an id
 * Laravel uses too. Replacing it would hand that person's devices to the Laravel user.
 */
function createdInNewApp(before: ExistingUser, email: string): boolean {
  if (before.imported !== undefined) return false;
  const current =
    typeof before.email === 'string' ? normalizeEmail(before.email) : null;
  return current !== null && current !== email && current !== DEMO_USER.email;
}

export function planUser(input: UserInput): UserPlan {
  const {user, found} = input;
  const counts = emptyCounts();
  counts.users.read++;
  const email = user.email === null ? null : normalizeEmail(user.email);
  if (!email || !user.password)
    return skipped(
      {id: user.id, reason: 'missing-email-or-password'},
      counts,
      'skippedMissingEmailOrPassword',
    );
  const keeper = input.collisions.get(email);
  if (keeper !== undefined && keeper !== user.id)
    return skipped(
      {id: user.id, reason: 'email-taken-by-lower-id', owner: keeper},
      counts,
      'skippedEmailTakenByLowerId',
    );
  const before = found.user(user.id);
  if (!before && found.deleted(user.id))
    return skipped(
      {id: user.id, reason: 'deleted-in-new-app'},
      counts,
      'keptDeletedInNewApp',
    );
  if (before && createdInNewApp(before, email))
    return skipped(
      {id: user.id, reason: 'id-taken-in-new-app'},
      counts,
      'skippedIdTakenInNewApp',
    );
  const fields = {email, password: user.password, name: user.name};
  const hash = userHash(fields);
  const decision = decide(before, hash);
  const owner = found.email(emailId(email))?.user_id;
  if (
    decision !== 'keptChangedInNewApp' &&
    typeof owner === 'string' &&
    owner !== user.id
  )
    return skipped(
      {id: user.id, reason: 'email-owned-in-firestore', owner},
      counts,
      'skippedEmailOwnedInFirestore',
    );
  counts.users[decision]++;

  const tokens = planTokens(
    {
      userId: user.id,
      rows: input.rows,
      before,
      found,
      maxDevices: input.maxDevices,
      importTime: input.importTime,
      timeZone: input.timeZone,
    },
    counts,
  );
  const imported = {
    hash,
    laravel_updated_at: wallClockToDate(user.updatedAt, input.timeZone),
  };
  const key = newKey(input, before, tokens.devices, counts);
  const writes = [...tokens.writes];
  if (!before) {
    const devices: Record<string, MapEntry> = {};
    for (const [id, entry] of tokens.entries)
      if (entry !== DELETE) devices[id] = entry;
    writes.push({
      kind: 'set',
      collection: USERS,
      id: user.id,
      data: {
        email,
        password: user.password,
        ...(user.name === null ? {} : {name: user.name}),
        notification_key: key,
        devices,
        imported,
      },
    });
  } else {
    const changes: Array<[string[], unknown]> = [];
    if (decision === 'updated' || decision === 'replaced')
      changes.push(
        [['email'], email],
        [['password'], user.password],
        [['name'], user.name ?? DELETE],
      );
    if (decision !== 'unchanged' && decision !== 'keptChangedInNewApp')
      changes.push([['imported'], imported]);
    if (key !== null) changes.push([['notification_key'], key]);
    for (const [id, entry] of tokens.entries)
      changes.push([['devices', id], entry]);
    if (changes.length > 0)
      writes.push({
        kind: 'update',
        collection: USERS,
        id: user.id,
        fields: changes,
      });
  }
  if (decision !== 'keptChangedInNewApp')
    writes.push(...emailWrites(user.id, email, before, found, counts));
  return {kind: 'imported', writes, counts, removed: tokens.removed};
}

/** The key to store when the user has devices and Firestore holds none; null: no change. */
function newKey(
  input: UserInput,
  before: ExistingUser | undefined,
  devices: number,
  counts: Counts,
): string | null {
  if (devices === 0) return null;
  if (nonEmpty(before?.notification_key)) {
    counts.notificationKeys.keptFromFirestore++;
    return null;
  }
  const column = nonEmpty(input.user.fcmNotificationKey);
  if (column) {
    counts.notificationKeys.fromColumn++;
    return column;
  }
  if (input.lookedUpKey === undefined) return null;
  if (input.lookedUpKey) counts.notificationKeys.lookedUpByGroupName++;
  else counts.notificationKeys.notFound++;
  return input.lookedUpKey;
}

/** The user's claim on its email, and the release of the email it had before, if it owned it. */
function emailWrites(
  userId: string,
  email: string,
  before: ExistingUser | undefined,
  found: Found,
  counts: Counts,
): Write[] {
  const writes: Write[] = [];
  const claim = found.email(emailId(email));
  if (claim?.user_id === userId && claim.email === email)
    counts.userEmails.unchanged++;
  else {
    counts.userEmails.written++;
    writes.push({
      kind: 'set',
      collection: USER_EMAILS,
      id: emailId(email),
      data: {user_id: userId, email},
    });
  }
  const previous = nonEmpty(before?.email);
  if (previous !== null && normalizeEmail(previous) !== email) {
    const id = emailId(normalizeEmail(previous));
    if (found.email(id)?.user_id === userId) {
      counts.userEmails.freed++;
      writes.push({kind: 'delete', collection: USER_EMAILS, id});
    }
  }
  return writes;
}
