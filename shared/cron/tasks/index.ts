/**
 * The task registry: every scheduled task, in one list. To add a task, write a file in
 * this folder exporting a CronTask ({ name, schedule, run }) and add it here.
 */
import type {CronTask} from '../task';
import {pruneStaleTokens} from './prune-stale-tokens';
import {repairDeviceGroups} from './repair-device-groups';

export const TASKS: readonly CronTask[] = [
  pruneStaleTokens,
  repairDeviceGroups,
];
