import {latestDueTime, validateSchedule} from '../../../shared/cron/schedule';
import {referenceTime} from '../../../shared/cron/schedule-time';
import {fcmGroupBackend} from '../../../shared/devices/fcm-groups';
import {createDb} from '../../../shared/firestore/db';
import {parseConfig} from '../../../shared/platform/config';
import {createLogger} from '../../../shared/platform/logger';
import {TASKS} from '../../../shared/cron/tasks';

describe('due times', () => {
  it.each([
    ['*/5 * * * *', '2026-03-01T10:07:30.000Z', '2026-03-01T10:05:00.000Z'],
    ['*/5 * * * *', '2026-03-01T10:05:00.000Z', '2026-03-01T10:05:00.000Z'],
    ['*/5 * * * *', '2026-03-01T10:04:59.999Z', '2026-03-01T10:00:00.000Z'],
    ['17 3 * * *', '2026-03-01T03:16:59.000Z', '2026-02-28T03:17:00.000Z'],
    ['17 3 * * *', '2026-03-01T03:17:00.000Z', '2026-03-01T03:17:00.000Z'],
    ['17 3 * * *', '2026-03-01T23:00:00.000Z', '2026-03-01T03:17:00.000Z'],
  ])('%s at %s is due for %s', async (expression, at, due) => {
    expect((await latestDueTime(expression, new Date(at))).toISOString()).toBe(
      due,
    );
  });

  it.each(['61 * * * *', 'every minute', '* * * *', '0 0 * * * *'])(
    'rejects the schedule %j',
    async expression => {
      await expect(validateSchedule(expression)).rejects.toThrow();
    },
  );
});

describe('the task registry', () => {
  const fcmTasks = fcmGroupBackend({
    config: parseConfig({FCM_EMULATOR_HOST: '127.0.0.1:1'}),
    db: createDb(() => Promise.reject(new Error('not used')), 1000),
    accessToken: async () => 'unused',
    clock: () => new Date(),
    log: createLogger('ERROR'),
  }).tasks;

  it("has the app's task, and the device-group backend adds its repair", () => {
    expect(TASKS.map(t => [t.name, t.schedule])).toEqual([
      ['prune-stale-tokens', '17 3 * * *'],
    ]);
    expect(fcmTasks.map(t => [t.name, t.schedule])).toEqual([
      ['repair-device-groups', '*/5 * * * *'],
    ]);
  });

  it('gives every task a unique lowercase name and a valid schedule', async () => {
    const all = [...TASKS, ...fcmTasks];
    expect(new Set(all.map(t => t.name)).size).toBe(all.length);
    for (const task of all) {
      expect(task.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      await validateSchedule(task.schedule);
    }
  });
});

describe('X-CloudScheduler-ScheduleTime', () => {
  const now = new Date('2026-03-01T10:05:02.500Z');
  it.each([
    ['2026-03-01T10:05:00Z', '2026-03-01T10:05:00.000Z', true],
    ['2026-03-01T10:05:00.000+00:00', '2026-03-01T10:05:00.000Z', true],
    ['2026-03-01T09:00:00Z', '2026-03-01T09:00:00.000Z', true],
    [undefined, now.toISOString(), false],
    ['yesterday', now.toISOString(), false],
    ['2026-03-01T11:05:00Z', now.toISOString(), false],
  ])('%j gives %s', (header, at, fromHeader) => {
    expect(referenceTime(header, now)).toEqual({at: new Date(at), fromHeader});
  });
});
