/**
 * Every five minutes: reconciles the users whose device-group lease a failed or crashed
 * request left behind (device_group_locks with holder null and pending operations, or
 * an expired lease), through `repair`, which takes the lease itself. cron runs it with its
 * own tasks (cron/runner.ts). Both queries use single-field indexes Firestore maintains
 * automatically.
 */
import {LEASES} from '../../firestore/collections';
import type {Db} from '../../firestore/db';
import {forEachLimit} from '../../platform/pool';
import type {BackendTask} from '../devices';

/** Leases looked at per run; more wait for the next run, five minutes later. */
const MAX_LEASES = 200;
const CONCURRENCY = 8;

export interface RepairTaskDeps {
  db: Db;
  leaseTtlMs: number;
  /** Repairs one user; false when the lease is busy or nothing was pending. */
  repair(userId: string): Promise<boolean>;
}

export function repairTask(deps: RepairTaskDeps): BackendTask {
  return {
    name: 'repair-device-groups',
    schedule: '*/5 * * * *',
    async run({now, counts, log}) {
      const db = await deps.db.client();
      const leases = db.collection(LEASES);
      const expiredBefore = new Date(now.getTime() - deps.leaseTtlMs);
      const [abandoned, expired] = await deps.db.callWithDeadline(() =>
        Promise.all([
          leases.where('holder', '==', null).limit(MAX_LEASES).get(),
          leases
            .where('acquired_at', '<', expiredBefore)
            .limit(MAX_LEASES)
            .get(),
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
          if (await deps.repair(userId)) counts.repaired! += 1;
          else counts.skipped! += 1;
        } catch (err) {
          counts.failed! += 1;
          log.warn('could not repair a device group', {userId, error: err});
        }
      });
      if (counts.failed! > 0)
        throw new Error(`${counts.failed} device groups could not be repaired`);
    },
  };
}
