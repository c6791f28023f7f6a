/**
 * The import's report: every rule's count, the users skipped and why, and where a resumed
 * run should start. Printed on the terminal and written as JSON.
 */
import {writeFileSync} from 'node:fs';

/** Skipped users listed one by one in the report, at most this many (the counts stay exact). */
export const MAX_LISTED = 1000;

export type SkipReason =
  | 'deleted-in-new-app'
  | 'id-taken-in-new-app'
  | 'email-taken-by-lower-id'
  | 'email-owned-in-firestore'
  | 'missing-email-or-password';

export interface Counts {
  users: {
    read: number;
    /** New in Firestore. */
    created: number;
    /** Changed in Laravel since the last import, and untouched in Firestore: brought over. */
    updated: number;
    /** A user document under a Laravel id that no import wrote (the demo user): Laravel's replaces it. */
    replaced: number;
    /** Already as in Laravel but without an import record (an import from before records): record added. */
    recorded: number;
    unchanged: number;
    /** Email, password or name changed in the new app since the last import: left as they are. */
    keptChangedInNewApp: number;
    /** Deleted in the new app (a user tombstone): never recreated, with none of their devices. */
    keptDeletedInNewApp: number;
    /** The id holds a user the new app created (no import record, another email): left alone. */
    skippedIdTakenInNewApp: number;
    skippedEmailTakenByLowerId: number;
    skippedEmailOwnedInFirestore: number;
    skippedMissingEmailOrPassword: number;
  };
  tokens: {
    created: number;
    /** Changed in Laravel since the last import, and untouched in Firestore: brought over. */
    updated: number;
    /** Already as in Laravel but without an import record: record added. */
    recorded: number;
    unchanged: number;
    /** Imported earlier, untouched since, and no longer among the user's devices in Laravel: deleted. */
    removedInLaravel: number;
    /** Registered again, refreshed or moved in the new app since the last import: left as they are. */
    keptChangedInNewApp: number;
    /** Removed in the new app (a tombstone): never brought back. */
    keptRemovedInNewApp: number;
    /** Devices the user registered in the new app only: they stay. */
    keptAddedInNewApp: number;
    /** Tokens Firestore holds for another user (registered there since): left alone. */
    ownedByAnotherUserInFirestore: number;
    /** Rows dropped because the same token has a newer row (possibly under another user). */
    duplicateRowsDropped: number;
    /** Tokens beyond MAX_DEVICES_PER_USER (with the devices Firestore keeps), least recently updated first. */
    overLimitDropped: number;
    /** Tokens whose user does not exist. */
    ofMissingUsers: number;
    /** Tokens of users skipped above. */
    ofSkippedUsers: number;
    /** Rows with an empty registration_id or user_id, in the whole table. */
    invalidRows: number;
  };
  /** Entries of users' `devices` maps without their token document (or naming another user's): removed. */
  ghostEntriesRemoved: number;
  /** `user_emails` claims written, already right, and deleted (an email the user no longer has). */
  userEmails: {written: number; unchanged: number; freed: number};
  /** NULL timestamps written as the import time. */
  nullTimestampsFilled: number;
  notificationKeys: {
    fromColumn: number;
    keptFromFirestore: number;
    lookedUpByGroupName: number;
    notFound: number;
  };
  reconcile: {rebuilt: number; failed: number};
  /** Documents written or deleted (0 on a dry run). */
  documentsWritten: number;
  /** User transactions that Firestore ran again because something else wrote the user meanwhile. */
  transactionRetries: number;
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
      created: 0,
      updated: 0,
      replaced: 0,
      recorded: 0,
      unchanged: 0,
      keptChangedInNewApp: 0,
      keptDeletedInNewApp: 0,
      skippedIdTakenInNewApp: 0,
      skippedEmailTakenByLowerId: 0,
      skippedEmailOwnedInFirestore: 0,
      skippedMissingEmailOrPassword: 0,
    },
    tokens: {
      created: 0,
      updated: 0,
      recorded: 0,
      unchanged: 0,
      removedInLaravel: 0,
      keptChangedInNewApp: 0,
      keptRemovedInNewApp: 0,
      keptAddedInNewApp: 0,
      ownedByAnotherUserInFirestore: 0,
      duplicateRowsDropped: 0,
      overLimitDropped: 0,
      ofMissingUsers: 0,
      ofSkippedUsers: 0,
      invalidRows: 0,
    },
    ghostEntriesRemoved: 0,
    userEmails: {written: 0, unchanged: 0, freed: 0},
    nullTimestampsFilled: 0,
    notificationKeys: {
      fromColumn: 0,
      keptFromFirestore: 0,
      lookedUpByGroupName: 0,
      notFound: 0,
    },
    reconcile: {rebuilt: 0, failed: 0},
    documentsWritten: 0,
    transactionRetries: 0,
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
  const u = c.users;
  const t = c.tokens;
  const lines = [
    `Laravel import ${report.status}${report.dryRun ? ' (DRY RUN: nothing was written)' : ''}`,
    `  users      read ${u.read}, created ${u.created}, updated ${u.updated}, replaced ${u.replaced}, ` +
      `import record added ${u.recorded}, unchanged ${u.unchanged}`,
    `             kept (changed in the new app) ${u.keptChangedInNewApp}, kept deleted (deleted in the new app) ${u.keptDeletedInNewApp}`,
    `             skipped: id taken by a user of the new app ${u.skippedIdTakenInNewApp}, email taken by a lower id ${u.skippedEmailTakenByLowerId}, ` +
      `email owned by another user in Firestore ${u.skippedEmailOwnedInFirestore}, ` +
      `no email or password ${u.skippedMissingEmailOrPassword}`,
    `  tokens     created ${t.created}, updated ${t.updated}, import record added ${t.recorded}, unchanged ${t.unchanged}, ` +
      `deleted (removed in Laravel) ${t.removedInLaravel}`,
    `             kept (changed in the new app) ${t.keptChangedInNewApp}, kept removed (removed in the new app) ${t.keptRemovedInNewApp}, ` +
      `kept (added in the new app) ${t.keptAddedInNewApp}, owned by another user in Firestore ${t.ownedByAnotherUserInFirestore}`,
    `             dropped: duplicate rows ${t.duplicateRowsDropped}, over the device limit ${t.overLimitDropped}, ` +
      `of missing users ${t.ofMissingUsers}, of skipped users ${t.ofSkippedUsers}, invalid rows ${t.invalidRows}`,
    `  devices    map entries without their token document removed ${c.ghostEntriesRemoved}`,
    `  emails     written ${c.userEmails.written}, unchanged ${c.userEmails.unchanged}, freed ${c.userEmails.freed}`,
    `  timestamps NULL filled with the import time ${c.nullTimestampsFilled}`,
    `  keys       from the column ${c.notificationKeys.fromColumn}, kept from Firestore ${c.notificationKeys.keptFromFirestore}, ` +
      `looked up by group name ${c.notificationKeys.lookedUpByGroupName}, not found ${c.notificationKeys.notFound}`,
    `  reconcile  rebuilt ${c.reconcile.rebuilt}, failed ${c.reconcile.failed}`,
    `  writes     ${c.documentsWritten} documents, ${c.transactionRetries} user transactions retried`,
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
