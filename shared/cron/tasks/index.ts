/**
 * The task registry: every scheduled task of the app, in one list. To add a task, write a
 * file in this folder exporting a CronTask ({ name, schedule, run }) and add it here. A
 * devices backend adds its own (runtime.ts: the device-group backend's repair task).
 */
import type {CronTask} from '../task';
import {pruneStaleTokens} from './prune-stale-tokens';

export const TASKS: readonly CronTask[] = [pruneStaleTokens];
