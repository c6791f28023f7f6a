/**
 * One page of users: read their winning token rows and what Firestore holds for them, plan
 * each user, and write each user that needs it in a transaction of its own, many users at
 * once (the throughput comes from users in flight, not from batching users together);
 * then rebuild the device groups that must follow.
 */
import {forEachLimit} from '../../shared/platform/pool';
import type {ImportArgs} from './args';
import type {Found} from './found';
import type {ImporterDeps} from './importer';
import {needsKeyLookup, pageCounts, rowsByUser, wanted} from './plan';
import {planUser, type UserPlan} from './plan-user';
import {addCounts, emptyCounts, type Counts, type SkippedUser} from './report';
import type {SourceUser} from './rows';

/** Concurrent FCM calls (key lookups, group rebuilds): enough to overlap round trips, no more. */
const FCM_CONCURRENCY = 8;

/** What a page's plans added up to. */
export interface PageResult {
  counts: Counts;
  skipped: SkippedUser[];
  /** Users written or already right: the ones `--reconcile` rebuilds. */
  imported: string[];
  /** Per user, registration ids deleted because Laravel deleted them. */
  strays: Map<string, string[]>;
  /** Winning token rows of the page's id range (read, whatever became of them). */
  winners: number;
}

/**
 * Rebuilds device groups from Firestore: every imported user's with `--reconcile`; else,
 * with FCM device groups, those of users whose tokens Laravel deleted, so that the deleted
 * tokens leave their group (FCM cannot list a group: nothing else would find them there).
 */
async function rebuildGroups(
  result: PageResult,
  args: ImportArgs,
  deps: ImporterDeps,
): Promise<void> {
  if (args.dryRun) return;
  const users = args.reconcile
    ? result.imported
    : deps.deviceGroups
      ? [...result.strays.keys()]
      : [];
  await forEachLimit(users, FCM_CONCURRENCY, async id => {
    try {
      await deps.rebuild(id, result.strays.get(id) ?? []);
      result.counts.reconcile.rebuilt++;
    } catch {
      // Counted and left for cron's repair or another --reconcile run.
      result.counts.reconcile.failed++;
    }
  });
}

/** Plans and writes one page of users. */
export async function importPage(
  users: readonly SourceUser[],
  after: string,
  collisions: ReadonlyMap<string, string>,
  started: Date,
  args: ImportArgs,
  deps: ImporterDeps,
): Promise<PageResult> {
  const {source, writer} = deps;
  const upTo = users.at(-1)?.id ?? null;
  const [tokens, tallies] = await Promise.all([
    upTo === null ? [] : source.tokens(after, upTo, deps.maxDevices),
    source.tallies(after, upTo),
  ]);
  const byUser = rowsByUser(tokens);
  const wants = new Map(
    users.map(u => [u.id, wanted(u, byUser.get(u.id) ?? [])]),
  );
  const found = await writer.read([...wants.values()]);
  const lookedUp = new Map<string, string | null>();
  if (deps.lookupKey) {
    const lookup = deps.lookupKey;
    await forEachLimit(
      needsKeyLookup(users, byUser, found),
      FCM_CONCURRENCY,
      async id => void lookedUp.set(id, await lookup(id)),
    );
  }
  const planFor = (user: SourceUser) => (f: Found) =>
    planUser({
      user,
      rows: byUser.get(user.id) ?? [],
      found: f,
      collisions,
      lookedUpKey: lookedUp.has(user.id) ? lookedUp.get(user.id) : undefined,
      maxDevices: deps.maxDevices,
      importTime: started,
      timeZone: args.timeZone,
    });

  const result: PageResult = {
    counts: emptyCounts(),
    skipped: [],
    imported: [],
    strays: new Map(),
    winners: tallies.reduce((n, t) => n + t.winners, 0),
  };
  const record = (user: SourceUser, plan: UserPlan) => {
    addCounts(result.counts, plan.counts);
    if (plan.kind === 'skipped') result.skipped.push(plan.skipped);
    else {
      result.imported.push(user.id);
      if (plan.removed.length > 0) result.strays.set(user.id, plan.removed);
    }
  };
  // Users whose plan writes nothing cost the page's reads only: no transaction, no lock.
  const toWrite: Array<[SourceUser, number]> = [];
  for (const user of users) {
    const plan = planFor(user)(found);
    if (plan.kind === 'imported' && plan.writes.length > 0 && !args.dryRun)
      toWrite.push([user, plan.writes.length]);
    else record(user, plan);
  }
  const failures: string[] = [];
  await forEachLimit(toWrite, args.concurrency, async ([user, writes]) => {
    await deps.ramp(writes);
    try {
      const {plan, attempts} = await writer.apply(
        wants.get(user.id)!,
        planFor(user),
      );
      record(user, plan);
      if (plan.kind === 'imported')
        result.counts.documentsWritten += plan.writes.length;
      result.counts.transactionRetries += attempts - 1;
    } catch (err) {
      failures.push(`user ${user.id}: ${(err as Error).message}`);
    }
  });
  if (failures.length > 0)
    throw new Error(
      `${failures.length} users could not be written, the first: ${failures[0]}`,
    );
  addCounts(
    result.counts,
    pageCounts(
      users,
      tallies,
      new Set(result.skipped.map(s => s.id)),
      deps.maxDevices,
    ),
  );
  await rebuildGroups(result, args, deps);
  return result;
}
