/**
 * Every five minutes: reconciles the users whose device-group lease a failed or crashed
 * request left behind (device_group_locks with holder null and pending operations, or
 * an expired lease), through Devices.repair, which takes the lease itself.
 * Both queries use single-field indexes Firestore maintains automatically.
 */
import {LEASES} from '../../firestore/collections';
import {forEachLimit} from '../pool';
import type {CronTask, TaskContext} from '../task';

/** Leases looked at per run; more wait for the next run, five minutes later. */
const MAX_LEASES = 200;
const CONCURRENCY = 8;

async function repair({deps, now, counts, log}: TaskContext): Promise<void> {
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
  Object.assign(counts, {
    found: userIds.length,
    repaired: 0,
    skipped: 0,
    failed: 0,
  });
  await forEachLimit(userIds, CONCURRENCY, async userId => {
    try {
      // false: the lease is live again (a request took it and repairs first) or had nothing pending.
      if (await deps.devices.repair(userId)) counts.repaired += 1;
      else counts.skipped += 1;
    } catch (err) {
      counts.failed += 1;
      log.warn('could not repair a device group', {userId, error: err});
    }
  });
  if (counts.failed > 0)
    throw new Error(`${counts.failed} device groups could not be repaired`);
}

export const repairDeviceGroups: CronTask = {
  name: 'repair-device-groups',
  schedule: '*/5 * * * *',
  run: repair,
};
