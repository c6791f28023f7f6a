/**
 * Decides, for one page of users, what to write: pure, so every rule is visible in one
 * place. A document that already holds what the import would write is counted unchanged
 * and not written, which makes a second run change nothing.
 */
import {
  emailId,
  normalizeEmail,
  tokenId,
} from '../../shared/firestore/collections';
import {emptyCounts, type Counts, type SkippedUser} from './report';
import type {
  ExistingState,
  ExistingToken,
  ExistingUser,
  Instant,
  SourceToken,
  SourceUser,
  TokenTally,
} from './rows';
import {wallClockToDate} from './wall-clock';

/** One document write; `mergeFields` leaves the document's other fields as they are. */
export interface Write {
  collection: 'users' | 'fcm_registration_tokens' | 'user_emails';
  id: string;
  data: Record<string, unknown>;
  mergeFields?: string[];
}

export interface PageInput {
  users: readonly SourceUser[];
  /** Winning token rows of the page's id range with `pos` ≤ the limit, by user then pos. */
  tokens: readonly SourceToken[];
  tallies: readonly TokenTally[];
  /** Lower-cased email → the lowest user id having it, for emails several users share. */
  collisions: ReadonlyMap<string, string>;
  existing: ExistingState;
  /** Notification keys found by group name, by user id (null: no such group). */
  lookedUp: ReadonlyMap<string, string | null>;
  maxDevices: number;
  importTime: Date;
  timeZone: string;
}

export interface PagePlan {
  writes: Write[];
  counts: Counts;
  skipped: SkippedUser[];
  /** Users written or already right: the ones `--reconcile` rebuilds. */
  imported: string[];
}

interface Device {
  id: string;
  registration_id: string;
  updated_at: Date;
}

const millis = (value: Instant | undefined) =>
  value && typeof value.toMillis === 'function' ? value.toMillis() : null;

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Users whose notification key must be looked up by group name (fcm backend only). */
export function needsKeyLookup(
  users: readonly SourceUser[],
  tokens: readonly SourceToken[],
  existing: ExistingState,
): string[] {
  const withTokens = new Set(tokens.map(t => t.userId));
  return users
    .filter(
      u =>
        withTokens.has(u.id) &&
        !nonEmpty(u.fcmNotificationKey) &&
        !nonEmpty(existing.users.get(u.id)?.notification_key),
    )
    .map(u => u.id);
}

function skipReason(
  user: SourceUser,
  email: string | null,
  collisions: ReadonlyMap<string, string>,
  existing: ExistingState,
): SkippedUser | null {
  if (!email || !user.password)
    return {id: user.id, reason: 'missing-email-or-password'};
  const keeper = collisions.get(email);
  if (keeper !== undefined && keeper !== user.id)
    return {id: user.id, reason: 'email-taken-by-lower-id', owner: keeper};
  const owner = existing.emails.get(emailId(email))?.user_id;
  if (typeof owner === 'string' && owner !== user.id)
    return {id: user.id, reason: 'email-owned-in-firestore', owner};
  return null;
}

const SKIP_COUNT = {
  'missing-email-or-password': 'skippedMissingEmailOrPassword',
  'email-taken-by-lower-id': 'skippedEmailTakenByLowerId',
  'email-owned-in-firestore': 'skippedEmailOwnedInFirestore',
} as const;

/** The token document to write (NULL timestamps: what Firestore has, else the import time). */
function tokenDoc(
  row: SourceToken,
  before: ExistingToken | undefined,
  input: PageInput,
  counts: Counts,
): {created_at: Date; updated_at: Date} {
  const stamp = (text: string | null, kept: Instant | undefined): Date => {
    const date = wallClockToDate(text, input.timeZone);
    if (date) return date;
    const previous = millis(kept);
    if (previous !== null) return new Date(previous);
    counts.nullTimestampsFilled++;
    return input.importTime;
  };
  return {
    created_at: stamp(row.createdAt, before?.created_at),
    updated_at: stamp(row.updatedAt, before?.updated_at),
  };
}

function sameDevices(
  before: ExistingUser['devices'],
  after: Record<string, {registration_id: string; updated_at: Date}>,
): boolean {
  const old = before ?? {};
  const ids = Object.keys(after);
  if (Object.keys(old).length !== ids.length) return false;
  return ids.every(
    id =>
      old[id]?.registration_id === after[id]!.registration_id &&
      millis(old[id]?.updated_at) === after[id]!.updated_at.getTime(),
  );
}

/** Plans the tokens of one imported user; returns the devices its user document lists. */
function planTokens(
  user: SourceUser,
  rows: readonly SourceToken[],
  input: PageInput,
  plan: PagePlan,
): Device[] {
  const devices: Device[] = [];
  for (const row of rows) {
    const id = tokenId(row.registrationId);
    const before = input.existing.tokens.get(id);
    if (before && before.user_id !== user.id) {
      plan.counts.tokens.ownedByAnotherUserInFirestore++;
      continue;
    }
    const times = tokenDoc(row, before, input, plan.counts);
    devices.push({
      id,
      registration_id: row.registrationId,
      updated_at: times.updated_at,
    });
    const unchanged =
      before !== undefined &&
      before.registration_id === row.registrationId &&
      millis(before.created_at) === times.created_at.getTime() &&
      millis(before.updated_at) === times.updated_at.getTime();
    if (unchanged) {
      plan.counts.tokens.unchanged++;
      continue;
    }
    plan.counts.tokens.written++;
    plan.writes.push({
      collection: 'fcm_registration_tokens',
      id,
      data: {user_id: user.id, registration_id: row.registrationId, ...times},
    });
  }
  return devices;
}

function notificationKey(
  user: SourceUser,
  before: ExistingUser | undefined,
  hasDevices: boolean,
  input: PageInput,
  counts: Counts,
): string | null {
  if (!hasDevices) return null;
  const kept = nonEmpty(before?.notification_key);
  if (kept) {
    counts.notificationKeys.keptFromFirestore++;
    return kept;
  }
  const column = nonEmpty(user.fcmNotificationKey);
  if (column) {
    counts.notificationKeys.fromColumn++;
    return column;
  }
  if (!input.lookedUp.has(user.id)) return null;
  const found = input.lookedUp.get(user.id) ?? null;
  if (found) counts.notificationKeys.lookedUpByGroupName++;
  else counts.notificationKeys.notFound++;
  return found;
}

/** Plans the writes of one page of users and their tokens. */
export function planPage(input: PageInput): PagePlan {
  const plan: PagePlan = {
    writes: [],
    counts: emptyCounts(),
    skipped: [],
    imported: [],
  };
  const {counts} = plan;
  const byUser = new Map<string, SourceToken[]>();
  for (const row of input.tokens) {
    const rows = byUser.get(row.userId) ?? [];
    rows.push(row);
    byUser.set(row.userId, rows);
  }
  const pageUsers = new Set(input.users.map(u => u.id));
  const skippedIds = new Set<string>();

  for (const user of input.users) {
    counts.users.read++;
    const email = user.email === null ? null : normalizeEmail(user.email);
    const skip = skipReason(user, email, input.collisions, input.existing);
    if (skip) {
      counts.users[SKIP_COUNT[skip.reason]]++;
      plan.skipped.push(skip);
      skippedIds.add(user.id);
      continue;
    }
    plan.imported.push(user.id);
    const before = input.existing.users.get(user.id);
    const imported = planTokens(user, byUser.get(user.id) ?? [], input, plan);
    const devices: Record<string, {registration_id: string; updated_at: Date}> =
      {};
    // Devices Firestore lists that the import does not know were registered in the new
    // app: they stay, so the map keeps naming exactly the user's token documents.
    for (const [id, entry] of Object.entries(before?.devices ?? {})) {
      const at = millis(entry.updated_at);
      if (typeof entry.registration_id === 'string' && at !== null)
        devices[id] = {
          registration_id: entry.registration_id,
          updated_at: new Date(at),
        };
    }
    for (const d of imported)
      devices[d.id] = {
        registration_id: d.registration_id,
        updated_at: d.updated_at,
      };
    const key = notificationKey(
      user,
      before,
      Object.keys(devices).length > 0,
      input,
      counts,
    );
    const doc: Record<string, unknown> = {
      email: email!,
      password: user.password!,
      notification_key: key,
      devices,
    };
    if (user.name !== null) doc.name = user.name;
    const unchanged =
      before !== undefined &&
      before.email === email &&
      before.password === user.password &&
      (user.name === null || before.name === user.name) &&
      (before.notification_key ?? null) === key &&
      sameDevices(before.devices, devices);
    if (unchanged) counts.users.unchanged++;
    else {
      counts.users.written++;
      plan.writes.push({
        collection: 'users',
        id: user.id,
        data: doc,
        mergeFields: Object.keys(doc),
      });
    }
    const emailDoc = input.existing.emails.get(emailId(email!));
    if (emailDoc?.user_id === user.id && emailDoc.email === email)
      counts.userEmails.unchanged++;
    else {
      counts.userEmails.written++;
      plan.writes.push({
        collection: 'user_emails',
        id: emailId(email!),
        data: {user_id: user.id, email},
      });
    }
  }

  for (const tally of input.tallies) {
    counts.tokens.duplicateRowsDropped += tally.duplicates;
    if (!pageUsers.has(tally.userId))
      counts.tokens.ofMissingUsers += tally.winners;
    else if (skippedIds.has(tally.userId))
      counts.tokens.ofSkippedUsers += tally.winners;
    else
      counts.tokens.overLimitDropped += Math.max(
        0,
        tally.winners - input.maxDevices,
      );
  }
  return plan;
}
