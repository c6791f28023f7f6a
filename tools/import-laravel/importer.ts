/**
 * The import loop: page by page of users (keyset pagination by id, page.ts for one page),
 * and the report. Only one page is ever in memory.
 */
import type {ImportArgs} from './args';
import {importPage} from './page';
import type {Progress} from '../cli/progress';
import type {Ramp} from './ramp';
import {
  addCounts,
  emptyCounts,
  MAX_LISTED,
  type ImportReport,
  type SkippedUser,
} from './report';
import type {LaravelSource} from './source';
import type {ImportWriter} from './writer';

export interface ImporterDeps {
  source: LaravelSource;
  writer: ImportWriter;
  /** Looks a user's notification key up by group name; null when no key is needed. */
  lookupKey: ((userId: string) => Promise<string | null>) | null;
  /** Rebuilds a user's device group from Firestore; `strays` leave it (Devices.rebuild). */
  rebuild: (userId: string, strays: readonly string[]) => Promise<void>;
  /** Whether users have FCM device groups (DEVICE_GROUPS=fcm) that deletions must reach. */
  deviceGroups: boolean;
  maxDevices: number;
  /** Waits until a user's writes fit Firestore's ramp-up (ramp.ts). */
  ramp: Ramp;
  /** The progress printer of a run of `total` rows (users and tokens). */
  progress: (total: number) => Progress;
  clock?: () => Date;
}

/** Imports every user above `args.sinceUserId`; never throws, a failure is in the report. */
export async function runImport(
  args: ImportArgs,
  deps: ImporterDeps,
): Promise<ImportReport> {
  const clock = deps.clock ?? (() => new Date());
  const started = clock();
  const counts = emptyCounts();
  const skippedUsers: SkippedUser[] = [];
  let notListed = 0;
  let lastUserWritten: string | null = null;
  let rows = 0;
  let error: string | undefined;
  let progress: Progress | undefined;
  try {
    const {source} = deps;
    counts.tokens.invalidRows = await source.invalidTokenRows();
    const collisions = await source.collisions();
    const totals = await source.totals(args.sinceUserId.toString());
    progress = deps.progress(totals.users + totals.tokens);
    let after = args.sinceUserId.toString();
    let usersDone = 0;
    let tokensDone = 0;
    for (;;) {
      const users = await source.users(after, args.pageSize);
      const page = await importPage(
        users,
        after,
        collisions,
        started,
        args,
        deps,
      );
      addCounts(counts, page.counts);
      for (const s of page.skipped)
        if (skippedUsers.length < MAX_LISTED) skippedUsers.push(s);
        else notListed++;
      const upTo = users.at(-1)?.id ?? null;
      usersDone += users.length;
      tokensDone += page.winners;
      rows = usersDone + tokensDone;
      if (upTo !== null) lastUserWritten = upTo;
      // The last user written is where an interrupted run resumes (--since-user-id).
      progress.update(
        rows,
        `users ${usersDone}/${totals.users}, tokens ${tokensDone}/${totals.tokens}, ` +
          `last user written ${lastUserWritten ?? 'none'}`,
      );
      if (upTo === null) break;
      after = upTo;
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    progress?.done();
  }
  const finished = clock();
  const seconds = Math.max(
    0.001,
    (finished.getTime() - started.getTime()) / 1000,
  );
  return {
    status: error === undefined ? 'completed' : 'failed',
    dryRun: args.dryRun,
    sinceUserId: args.sinceUserId.toString(),
    lastUserWritten,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    counts,
    skippedUsers,
    skippedUsersNotListed: notListed,
    ...(error === undefined ? {} : {error}),
  };
}
