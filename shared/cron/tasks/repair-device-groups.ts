/**
 * Every five minutes: reconciles the users whose device-group lease a failed or crashed
 * request left behind (device_group_locks with holder null and pending operations, or
 * an expired lease), through Devices.repair, which takes the lease itself.
 * Both queries use single-field indexes Firestore maintains automatically.
 */
import {LEASES} from '../../firestore/collections';
import {forEachLimit} from '../../platform/pool';
import {startCounts, type CronTask, type TaskContext} from '../task';

/** Leases looked at per run; more wait for the next run, five minutes later. */
const MAX_LEASES = 200;
const CONCURRENCY = 8;

async function repair({
  deps,
  now,
  counts: runCounts,
  log,
}: TaskContext): Promise<void> {
  const db = await deps.db.client();
  const locks = db.collection(LEASES);
  const expiredBefore = new Date(now.getTime() - deps.config.leaseTtlMs);
  const [abandoned, expired] = await deps.db.callWithDeadline(() =>
    Promise.all([
      locks.where('holder', '==', null).limit(MAX_LEASES).get(),
      locks.where('acquired_at', '<', expiredBefore).limit(MAX_LEASES).get(),
    ]),
  );
  const userIds = [
    ...new Set([...abandoned.docs, ...expired.docs].map(doc => doc.id)),
  ];
  const tally = startCounts(runCounts, [
    'found',
    'repaired',
    'skipped',
    'failed',
  ] as const);
  tally.found = userIds.length;
  await forEachLimit(userIds, CONCURRENCY, async userId => {
    try {
      // false: the lease is live again (a request took it and repairs first) or had nothing pending.
      if (await deps.devices.repair(userId)) tally.repaired += 1;
      else tally.skipped += 1;
    } catch (err) {
      tally.failed += 1;
      log.warn('could not repair a device group', {userId, error: err});
    }
  });
  if (tally.failed > 0)
    throw new Error(`${tally.failed} device groups could not be repaired`);
}

export const repairDeviceGroups: CronTask = {
  name: 'repair-device-groups',
  schedule: '*/5 * * * *',
  run: repair,
};
