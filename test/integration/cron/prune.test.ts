/**
 * The real tasks through GET /api/cron (App Engine compatibility mode, as `npm start`):
 * stale tokens are pruned through the removeDevice path so the FCM groups follow, and
 * device groups left pending by a failed request are repaired.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {Timestamp} from 'firebase-admin/firestore';
import {PRUNE_QUERY_INDEX} from '../../../shared/cron/tasks/prune-stale-tokens';
import {tokenId} from '../../../shared/firestore/collections';
import {describeWithFirestore} from '../../support/emulators';
import {tombstones} from '../../support/tombstones';
import {
  startDeviceStack,
  violations,
  type DeviceStack,
} from '../../support/device-stack';

const CRON = {'X-Appengine-Cron': 'true', 'X-Forwarded-For': '10.0.0.1'};
const DAY_MS = 86_400_000;
const path_ = (user: string) => `/api/users/${user}/fcm_registration_tokens`;

describeWithFirestore('cron tasks on the device stores', () => {
  let stack: DeviceStack;
  const auth: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startDeviceStack({
      CRON_APPENGINE_COMPAT: 'true',
      PRUNE_PAGE_SIZE: '2',
      FCM_TIMEOUT_MS: '1000',
    });
  });
  afterAll(async () => stack.close());
  beforeEach(async () => {
    await stack.reset();
    for (const id of ['1', '2'])
      auth[id] = await stack.seedUser(id, `user${id}@example.com`, `pw-${id}`);
  });

  const add = (user: string, token: string) =>
    stack.send('POST', path_(user), {
      auth: auth[user],
      body: {registration_id: token},
    });
  const age = (token: string, days: number) =>
    stack.db
      .collection('fcm_registration_tokens')
      .doc(tokenId(token))
      .update({updated_at: Timestamp.fromMillis(Date.now() - days * DAY_MS)});

  it('prunes only tokens unseen for 270 days, in pages, and the FCM groups follow', async () => {
    for (const [user, token] of [
      ['1', 'old-1a'],
      ['1', 'old-1b'],
      ['1', 'fresh-1'],
      ['2', 'old-2'],
      ['2', 'old-2b'],
      ['2', 'edge-2'],
    ]) {
      expect((await add(user!, token!)).status).toBe(201);
    }
    await Promise.all([
      age('old-1a', 400),
      age('old-1b', 271),
      age('old-2', 300),
      age('old-2b', 280),
      age('edge-2', 269),
      age('fresh-1', 1),
    ]);

    const reply = await stack.send('GET', '/api/cron', {headers: CRON});
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');

    const state = await stack.snapshot();
    expect(state.tokens).toEqual({'1': ['fresh-1'], '2': ['edge-2']});
    expect(
      state.groups.map(g => [g.notification_key_name, g.registration_ids]),
    ).toEqual([
      ['test_users-1', ['fresh-1']],
      ['test_users-2', ['edge-2']],
    ]);
    expect(violations(state)).toEqual([]);
    expect(await tombstones(stack.db)).toEqual({
      [tokenId('old-1a')]: '1:pruned',
      [tokenId('old-1b')]: '1:pruned',
      [tokenId('old-2')]: '2:pruned',
      [tokenId('old-2b')]: '2:pruned',
    });
    const run = (
      await stack.db
        .collection('cron_runs')
        .where('task', '==', 'prune-stale-tokens')
        .get()
    ).docs.map(d => d.data());
    expect(run).toHaveLength(1);
    expect(run[0]).toMatchObject({
      outcome: 'succeeded',
      counts: {stale: 4, removed: 4, refreshed: 0, failed: 0, pages: 3},
    });
  });

  it("removes a user's last token and the group with it; runs once per day", async () => {
    expect((await add('1', 'only')).status).toBe(201);
    await age('only', 365);
    expect((await stack.send('GET', '/api/cron', {headers: CRON})).status).toBe(
      204,
    );
    const state = await stack.snapshot();
    expect(state.tokens).toEqual({});
    expect(state.groups).toEqual([]);
    expect(state.keys).toEqual({});
    // Again the same day: not due, so a token that went stale meanwhile stays until tomorrow's run.
    expect((await add('2', 'later')).status).toBe(201);
    await age('later', 365);
    expect((await stack.send('GET', '/api/cron', {headers: CRON})).status).toBe(
      204,
    );
    expect((await stack.snapshot()).tokens).toEqual({'2': ['later']});
  });

  it('a prune that FCM fails answers 500 naming the task; the retry finishes it', async () => {
    expect((await add('1', 'stale')).status).toBe(201);
    await age('stale', 300);
    await stack.fcm.injectFault({
      mode: 'http500',
      project: stack.senderId,
      count: 1,
    });
    const failed = await stack.send('GET', '/api/cron', {headers: CRON});
    expect(failed.status).toBe(500);
    expect(failed.json).toEqual({
      message: 'Some scheduled tasks failed.',
      failed: ['prune-stale-tokens'],
    });
    expect((await stack.snapshot()).tokens).toEqual({'1': ['stale']});
    expect((await stack.send('GET', '/api/cron', {headers: CRON})).status).toBe(
      204,
    );
    const state = await stack.snapshot();
    expect(state.tokens).toEqual({});
    expect(violations(state)).toEqual([]);
  });

  it('repairs a device group that a failed request left pending', async () => {
    expect((await add('1', 'kept')).status).toBe(201);
    // FCM applies the add but its answer is lost: the group has a token Firestore does not.
    await stack.fcm.injectFault({
      mode: 'http500',
      afterApply: true,
      project: stack.senderId,
      count: 1,
    });
    expect((await add('1', 'lost-answer')).status).toBe(503);
    const broken = await stack.snapshot();
    expect(broken.groups[0]!.registration_ids).toEqual(['kept', 'lost-answer']);
    expect(broken.locks).toEqual(['1']);

    expect((await stack.send('GET', '/api/cron', {headers: CRON})).status).toBe(
      204,
    );
    const state = await stack.snapshot();
    expect(state.tokens).toEqual({'1': ['kept']});
    expect(state.groups.map(g => g.registration_ids)).toEqual([['kept']]);
    expect(violations(state)).toEqual([]);
    const run = (
      await stack.db
        .collection('cron_runs')
        .where('task', '==', 'repair-device-groups')
        .get()
    ).docs[0]!.data();
    expect(run).toMatchObject({
      outcome: 'succeeded',
      counts: {found: 1, repaired: 1, skipped: 0, failed: 0},
    });
  });

  it("the prune query's index is declared in firestore.indexes.json", () => {
    const spec = JSON.parse(
      readFileSync(
        path.resolve(__dirname, '../../../firestore.indexes.json'),
        'utf8',
      ),
    ) as {
      fieldOverrides: Array<{
        collectionGroup: string;
        fieldPath: string;
        indexes: Array<{order?: string; queryScope: string}>;
      }>;
    };
    const override = spec.fieldOverrides.find(
      o =>
        o.collectionGroup === PRUNE_QUERY_INDEX.collectionGroup &&
        o.fieldPath === PRUNE_QUERY_INDEX.fieldPath,
    );
    expect(override?.indexes).toContainEqual({
      order: PRUNE_QUERY_INDEX.order,
      queryScope: 'COLLECTION',
    });
  });
});
