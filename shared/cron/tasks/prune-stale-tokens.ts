/**
 * Daily: removes registration tokens not refreshed for PRUNE_TOKEN_AGE_DAYS (FCM itself
 * expires tokens after 270 days of inactivity), each through the removeDevice code path
 * so the user's FCM group and Firestore keep agreeing.
 *
 * The query `updated_at < cutoff ORDER BY updated_at` pages over stale tokens only, with
 * the single-field index on fcm_registration_tokens.updated_at (declared in
 * firestore.indexes.json as a field override): its cost follows the stale tokens, not all.
 */
import type {QueryDocumentSnapshot} from 'firebase-admin/firestore';
import {TOKENS, tokenData} from '../../firestore/collections';
import {forEachLimit} from '../../platform/pool';
import {startCounts, type CronTask, type TaskContext} from '../task';

/** The index the prune query needs; test/integration/cron-prune.test.ts checks it is declared. */
export const PRUNE_QUERY_INDEX = {
  collectionGroup: TOKENS,
  fieldPath: 'updated_at',
  order: 'ASCENDING',
} as const;

const DAY_MS = 86_400_000;
/** Users handled at once; one user's tokens go one after the other (they share a lease). */
const USER_CONCURRENCY = 8;

async function prune({
  deps,
  now,
  counts: runCounts,
  log,
  timeLeftMs,
}: TaskContext): Promise<void> {
  const db = await deps.db.client();
  const {pruneTokenAgeDays, prunePageSize} = deps.config.cron;
  const cutoff = new Date(now.getTime() - pruneTokenAgeDays * DAY_MS);
  const tally = startCounts(runCounts, [
    'stale',
    'removed',
    'refreshed',
    'failed',
    'pages',
  ] as const);
  let cursor: QueryDocumentSnapshot | undefined;
  for (;;) {
    let query = db
      .collection(TOKENS)
      .where(PRUNE_QUERY_INDEX.fieldPath, '<', cutoff)
      .orderBy(PRUNE_QUERY_INDEX.fieldPath, 'asc')
      .limit(prunePageSize);
    if (cursor) query = query.startAfter(cursor);
    const page = await deps.db.callWithDeadline(() => query.get());
    tally.pages += 1;
    tally.stale += page.size;
    const byUser = new Map<string, QueryDocumentSnapshot[]>();
    for (const doc of page.docs) {
      const userId = tokenData(doc)!.user_id;
      byUser.set(userId, [...(byUser.get(userId) ?? []), doc]);
    }
    await forEachLimit(
      [...byUser],
      USER_CONCURRENCY,
      async ([userId, docs]) => {
        for (const doc of docs) {
          try {
            // Re-read: a device that registered again since the query is no longer stale.
            const fresh = await deps.db.callWithDeadline(() => doc.ref.get());
            const token = tokenData(fresh);
            if (
              !token ||
              token.user_id !== userId ||
              token.updated_at.toMillis() >= cutoff.getTime()
            ) {
              tally.refreshed += 1;
              continue;
            }
            const removed = await deps.devices.remove(
              userId,
              token.registration_id,
              {onlyIfUpdatedBefore: cutoff, reason: 'pruned'},
            );
            tally[removed ? 'removed' : 'refreshed'] += 1;
          } catch (err) {
            tally.failed += 1;
            log.warn('could not prune a stale token', {
              userId,
              tokenId: doc.id,
              error: err,
            });
          }
        }
      },
    );
    if (page.size < prunePageSize) break;
    cursor = page.docs[page.docs.length - 1];
    if (timeLeftMs() <= 0) {
      log.warn(
        'stopping before all stale tokens were pruned; the next run continues',
        {counts: tally},
      );
      break;
    }
  }
  if (tally.failed > 0)
    throw new Error(`${tally.failed} stale tokens could not be removed`);
}

export const pruneStaleTokens: CronTask = {
  name: 'prune-stale-tokens',
  schedule: '17 3 * * *',
  run: prune,
};
