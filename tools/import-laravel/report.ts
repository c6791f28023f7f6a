/**
 * The import's report: every rule's count, the users skipped and why, and where a resumed
 * run should start. Printed on the terminal and written as JSON.
 */
import {writeFileSync} from 'node:fs';

/** Skipped users listed one by one in the report, at most this many (the counts stay exact). */
export const MAX_LISTED = 1000;

export type SkipReason =
  | 'email-taken-by-lower-id'
  | 'email-owned-in-firestore'
  | 'missing-email-or-password';

export interface Counts {
  users: {
    read: number;
    written: number;
    unchanged: number;
    skippedEmailTakenByLowerId: number;
    skippedEmailOwnedInFirestore: number;
    skippedMissingEmailOrPassword: number;
  };
  tokens: {
    written: number;
    unchanged: number;
    /** Rows dropped because the same token has a newer row (possibly under another user). */
    duplicateRowsDropped: number;
    /** Tokens beyond MAX_DEVICES_PER_USER, least recently updated first. */
    overLimitDropped: number;
    /** Tokens whose user does not exist. */
    ofMissingUsers: number;
    /** Tokens of users skipped above. */
    ofSkippedUsers: number;
    /** Tokens Firestore already holds for another user (registered there since): left alone. */
    ownedByAnotherUserInFirestore: number;
    /** Rows with an empty registration_id or user_id, in the whole table. */
    invalidRows: number;
  };
  userEmails: {written: number; unchanged: number};
  /** NULL timestamps written as the import time. */
  nullTimestampsFilled: number;
  notificationKeys: {
    fromColumn: number;
    keptFromFirestore: number;
    lookedUpByGroupName: number;
    notFound: number;
  };
  reconcile: {rebuilt: number; failed: number};
}

export interface SkippedUser {
  id: string;
  reason: SkipReason;
  /** The user id that keeps the email, when that is the reason. */
  owner?: string;
}

export interface ImportReport {
  status: 'completed' | 'failed';
  dryRun: boolean;
  sinceUserId: string;
  /** The last user whose page was fully written; resume with --since-user-id this. */
  lastUserWritten: string | null;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  counts: Counts;
  skippedUsers: SkippedUser[];
  skippedUsersNotListed: number;
  error?: string;
}

export function emptyCounts(): Counts {
  return {
    users: {
      read: 0,
      written: 0,
      unchanged: 0,
      skippedEmailTakenByLowerId: 0,
      skippedEmailOwnedInFirestore: 0,
      skippedMissingEmailOrPassword: 0,
    },
    tokens: {
      written: 0,
      unchanged: 0,
      duplicateRowsDropped: 0,
      overLimitDropped: 0,
      ofMissingUsers: 0,
      ofSkippedUsers: 0,
      ownedByAnotherUserInFirestore: 0,
      invalidRows: 0,
    },
    userEmails: {written: 0, unchanged: 0},
    nullTimestampsFilled: 0,
    notificationKeys: {
      fromColumn: 0,
      keptFromFirestore: 0,
      lookedUpByGroupName: 0,
      notFound: 0,
    },
    reconcile: {rebuilt: 0, failed: 0},
  };
}

/** Adds every count of `delta` to `into`. */
export function addCounts(into: Counts, delta: Counts): void {
  for (const [group, values] of Object.entries(delta)) {
    const target = (into as unknown as Record<string, unknown>)[group];
    if (typeof values === 'number') {
      (into as unknown as Record<string, number>)[group] =
        (target as number) + values;
      continue;
    }
    for (const [name, value] of Object.entries(values as object))
      (target as Record<string, number>)[name]! += value as number;
  }
}

/** The report as the terminal shows it. */
export function formatReport(report: ImportReport): string {
  const c = report.counts;
  const lines = [
    `Laravel import ${report.status}${report.dryRun ? ' (DRY RUN: nothing was written)' : ''}`,
    `  users      read ${c.users.read}, written ${c.users.written}, unchanged ${c.users.unchanged}`,
    `             skipped: email taken by a lower id ${c.users.skippedEmailTakenByLowerId}, ` +
      `email owned by another user in Firestore ${c.users.skippedEmailOwnedInFirestore}, ` +
      `no email or password ${c.users.skippedMissingEmailOrPassword}`,
    `  tokens     written ${c.tokens.written}, unchanged ${c.tokens.unchanged}`,
    `             dropped: duplicate rows ${c.tokens.duplicateRowsDropped}, over the device limit ${c.tokens.overLimitDropped}, ` +
      `of missing users ${c.tokens.ofMissingUsers}, of skipped users ${c.tokens.ofSkippedUsers}, ` +
      `owned by another user in Firestore ${c.tokens.ownedByAnotherUserInFirestore}, invalid rows ${c.tokens.invalidRows}`,
    `  emails     written ${c.userEmails.written}, unchanged ${c.userEmails.unchanged}`,
    `  timestamps NULL filled with the import time ${c.nullTimestampsFilled}`,
    `  keys       from the column ${c.notificationKeys.fromColumn}, kept from Firestore ${c.notificationKeys.keptFromFirestore}, ` +
      `looked up by group name ${c.notificationKeys.lookedUpByGroupName}, not found ${c.notificationKeys.notFound}`,
    `  reconcile  rebuilt ${c.reconcile.rebuilt}, failed ${c.reconcile.failed}`,
    `  last user written: ${report.lastUserWritten ?? 'none'} (resume with --since-user-id ${report.lastUserWritten ?? report.sinceUserId})`,
    `  ${report.seconds.toFixed(1)} s, ${Math.round(report.rowsPerSecond)} rows/s, peak RSS ${report.peakRssMb} MB`,
  ];
  for (const s of report.skippedUsers.slice(0, 20))
    lines.push(
      `  skipped user ${s.id}: ${s.reason}${s.owner ? ` (kept by user ${s.owner})` : ''}`,
    );
  const more = report.skippedUsers.length - 20 + report.skippedUsersNotListed;
  if (more > 0)
    lines.push(`  … and ${more} more skipped users (see the JSON report)`);
  if (report.error) lines.push(`  error: ${report.error}`);
  return lines.join('\n') + '\n';
}

export function writeReport(path: string, report: ImportReport): void {
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}
