/**
 * What a page of users needs beyond each user's own plan (plan-user.ts): whose
 * notification key FCM must be asked for, and the counts of the Laravel rows no user
 * plan sees (duplicates, rows of missing or skipped users, rows over the limit).
 */
import {tokenId} from '../../shared/firestore/collections';
import type {Found, Wanted} from './found';
import {emptyCounts, type Counts} from './report';
import type {SourceToken, SourceUser, TokenTally} from './rows';
import {emailId, normalizeEmail} from '../../shared/firestore/collections';

const nonEmpty = (value: unknown) => typeof value === 'string' && value !== '';

/** The page's token rows per user id, in the order read (most recently updated first). */
export function rowsByUser(
  tokens: readonly SourceToken[],
): Map<string, SourceToken[]> {
  const byUser = new Map<string, SourceToken[]>();
  for (const row of tokens) {
    const rows = byUser.get(row.userId) ?? [];
    rows.push(row);
    byUser.set(row.userId, rows);
  }
  return byUser;
}

/** The documents a user's plan reads. */
export function wanted(user: SourceUser, rows: readonly SourceToken[]): Wanted {
  return {
    userId: user.id,
    tokenIds: rows.map(r => tokenId(r.registrationId)),
    emailId: user.email ? emailId(normalizeEmail(user.email)) : null,
  };
}

/** Users whose notification key must be looked up by group name (fcm backend only). */
export function needsKeyLookup(
  users: readonly SourceUser[],
  byUser: ReadonlyMap<string, readonly SourceToken[]>,
  found: Found,
): string[] {
  return users
    .filter(
      u =>
        (byUser.get(u.id)?.length ?? 0) > 0 &&
        !nonEmpty(u.fcmNotificationKey) &&
        !nonEmpty(found.user(u.id)?.notification_key),
    )
    .map(u => u.id);
}

/** The counts of the page's rows that no user plan sees. */
export function pageCounts(
  users: readonly SourceUser[],
  tallies: readonly TokenTally[],
  skipped: ReadonlySet<string>,
  maxDevices: number,
): Counts {
  const counts = emptyCounts();
  const onPage = new Set(users.map(u => u.id));
  for (const tally of tallies) {
    counts.tokens.duplicateRowsDropped += tally.duplicates;
    if (!onPage.has(tally.userId))
      counts.tokens.ofMissingUsers += tally.winners;
    else if (skipped.has(tally.userId))
      counts.tokens.ofSkippedUsers += tally.winners;
    else
      counts.tokens.overLimitDropped += Math.max(0, tally.winners - maxDevices);
  }
  return counts;
}
