/**
 * The import loop: page by page of users (keyset pagination by id), read their winning
 * token rows, read what Firestore holds, plan, write, optionally rebuild their device
 * groups, and move on. Only one page is ever in memory.
 */
import type {ImportArgs} from './args';
import {needsKeyLookup, planPage} from './plan';
import type {Progress} from './progress';
import {
  addCounts,
  emptyCounts,
  MAX_LISTED,
  type ImportReport,
  type SkippedUser,
} from './report';
import type {LaravelSource} from './source';
import type {FirestoreTarget} from './target';

/** Concurrent FCM calls (key lookups, group rebuilds): enough to overlap round trips, no more. */
const FCM_CONCURRENCY = 8;

export interface ImporterDeps {
  source: LaravelSource;
  target: FirestoreTarget;
  /** Looks a user's notification key up by group name; null when no key is needed. */
  lookupKey: ((userId: string) => Promise<string | null>) | null;
  /** Rebuilds a user's device group from Firestore (`--reconcile`). */
  rebuild: (userId: string) => Promise<void>;
  maxDevices: number;
  progress: (totals: {users: number; tokens: number}) => Progress;
  clock?: () => Date;
}

/** Runs `work` on every item, at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from(
    {length: Math.min(limit, items.length)},
    async () => {
      while (next < items.length) await work(items[next++]!);
    },
  );
  await Promise.all(lanes);
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
    const {source, target} = deps;
    counts.tokens.invalidRows = await source.invalidTokenRows();
    const collisions = await source.collisions();
    progress = deps.progress(await source.totals(args.sinceUserId.toString()));
    let after = args.sinceUserId.toString();
    let usersDone = 0;
    let tokensDone = 0;
    for (;;) {
      const users = await source.users(after, args.pageSize);
      const upTo = users.at(-1)?.id ?? null;
      const [tokens, tallies] = await Promise.all([
        upTo === null ? [] : source.tokens(after, upTo, deps.maxDevices),
        source.tallies(after, upTo),
      ]);
      const existing = await target.read(users, tokens);
      const lookedUp = new Map<string, string | null>();
      if (deps.lookupKey) {
        const lookup = deps.lookupKey;
        await eachLimited(
          needsKeyLookup(users, tokens, existing),
          FCM_CONCURRENCY,
          async id => void lookedUp.set(id, await lookup(id)),
        );
      }
      const plan = planPage({
        users,
        tokens,
        tallies,
        collisions,
        existing,
        lookedUp,
        maxDevices: deps.maxDevices,
        importTime: started,
        timeZone: args.timeZone,
      });
      if (!args.dryRun) await target.write(plan.writes);
      if (args.reconcile && !args.dryRun)
        await eachLimited(plan.imported, FCM_CONCURRENCY, async id => {
          try {
            await deps.rebuild(id);
            plan.counts.reconcile.rebuilt++;
          } catch {
            // Counted and left for cron's repair or another --reconcile run.
            plan.counts.reconcile.failed++;
          }
        });
      addCounts(counts, plan.counts);
      for (const s of plan.skipped)
        if (skippedUsers.length < MAX_LISTED) skippedUsers.push(s);
        else notListed++;
      usersDone += users.length;
      tokensDone += tallies.reduce((n, t) => n + t.winners, 0);
      rows = usersDone + tokensDone;
      if (upTo !== null) lastUserWritten = upTo;
      progress.update(usersDone, tokensDone, lastUserWritten);
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
