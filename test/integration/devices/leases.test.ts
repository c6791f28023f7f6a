/**
 * The per-user lease: a live one makes other requests wait (and answer 503 when the wait
 * budget runs out); one left by a crashed holder expires and is reconciled.
 */
import {FieldValue, Timestamp} from 'firebase-admin/firestore';
import {tokenId} from '../../../shared/firestore/collections';
import {createFcmDeviceGroups} from '../../../shared/devices/fcm-groups/group-client';
import {createLogger} from '../../../shared/platform/logger';
import {unavailable} from '../../../shared/platform/errors';
import {createDb} from '../../../shared/firestore/db';
import type {DeviceGroups} from '../../../shared/devices/fcm-groups/group-client';
import {UserLeases} from '../../../shared/devices/fcm-groups/leases';
import {FcmGroupDevices} from '../../../shared/devices/fcm-groups/fcm-group-devices';
import {describeWithFirestore, fcmEmulatorUrl} from '../../support/emulators';
import {
  PREFIX,
  startDeviceStack,
  violations,
  type DeviceStack,
} from '../../support/device-stack';

const PATH = '/api/users/1/fcm_registration_tokens';

describeWithFirestore('per-user leases', () => {
  let stack: DeviceStack;
  let auth: string;

  beforeAll(async () => {
    stack = await startDeviceStack({
      LOCK_WAIT_MS: '1500',
      LOCK_TTL_MS: '60000',
    });
  });
  afterAll(async () => stack.close());
  beforeEach(async () => {
    await stack.reset();
    auth = await stack.seedUser('1', 'one@example.com', 'pw');
  });

  const add = (token: string) =>
    stack.send('POST', PATH, {auth, body: {registration_id: token}});
  const lockRef = () => stack.db.collection('device_group_locks').doc('1');

  it('a request waits for a live lease and answers 503 busy when it is not released in time', async () => {
    await lockRef().set({
      holder: 'another-instance',
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: 60000,
      pending: [],
    });
    const started = Date.now();
    const reply = await add('waiting');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.json).toEqual({
      message:
        "Too many concurrent changes to this user's devices. Please retry.",
    });
    const state = await stack.snapshot();
    expect(state.tokens).toEqual({});
    expect(state.groups).toEqual([]);
  });

  it('a request proceeds as soon as the holder releases', async () => {
    await lockRef().set({
      holder: 'another-instance',
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: 60000,
      pending: [],
    });
    setTimeout(() => void lockRef().delete(), 300);
    expect((await add('after-release')).status).toBe(201);
    expect(violations(await stack.snapshot())).toEqual([]);
  });

  it('a repeat registration takes no lease, but waits for one held on the user', async () => {
    expect((await add('again')).status).toBe(201);
    // Free: refreshed in one transaction, and no lease document is ever written.
    expect((await add('again')).status).toBe(200);
    expect((await lockRef().get()).exists).toBe(false);
    // Held (by another instance that may be evicting this very token): the refresh
    // waits for the holder, and reads what it committed.
    await lockRef().set({
      holder: 'another-instance',
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: 60000,
      pending: [],
    });
    const released = new Promise<number>(resolve =>
      setTimeout(
        () =>
          void lockRef()
            .delete()
            .then(() => resolve(Date.now())),
        400,
      ),
    );
    const reply = await add('again');
    expect(reply.status).toBe(200);
    expect(Date.now()).toBeGreaterThanOrEqual(await released);
    expect(violations(await stack.snapshot())).toEqual([]);
  });

  it("a crashed holder's expired lease is taken over and its half-done change reconciled", async () => {
    // State left by a holder that added "ghost" to the group, then died before its batch.
    expect((await add('kept')).status).toBe(201);
    const groups = createFcmDeviceGroups({
      baseUrl: fcmEmulatorUrl(),
      senderId: stack.senderId,
      timeoutMs: 1000,
      accessToken: async () => 'test',
      log: createLogger('ERROR'),
    });
    const key = (await stack.snapshot()).keys['1']!;
    await groups.add(
      `${PREFIX}_users-1`,
      key,
      ['ghost'],
      new AbortController().signal,
    );
    await lockRef().set({
      holder: 'crashed-instance',
      acquired_at: Timestamp.fromMillis(Date.now() - 120_000),
      ttl_ms: 60000,
      pending: [
        {op: 'add', token_id: tokenId('ghost'), registration_id: 'ghost'},
      ],
    });
    expect((await stack.snapshot()).groups[0]!.registration_ids).toEqual([
      'ghost',
      'kept',
    ]);

    expect((await add('new')).status).toBe(201);
    const state = await stack.snapshot();
    expect(state.tokens).toEqual({'1': ['kept', 'new']});
    expect(violations(state)).toEqual([]);
  });

  /** A registry built by hand, to give its lease and FCM calls timings no valid configuration allows. */
  function registryWith(
    lease: {ttlMs: number; commitMarginMs: number},
    fcmTimeoutMs: number,
    wrap: (groups: DeviceGroups) => DeviceGroups = g => g,
  ) {
    const db = createDb(async () => stack.db, 5000);
    const log = createLogger('ERROR');
    const groups = createFcmDeviceGroups({
      baseUrl: fcmEmulatorUrl(),
      senderId: stack.senderId,
      timeoutMs: fcmTimeoutMs,
      accessToken: async () => 'test',
      log,
    });
    return new FcmGroupDevices({
      db,
      groups: wrap(groups),
      leases: new UserLeases(db, {
        ...lease,
        waitMs: 5000,
        maxWaiters: 8,
        maxPending: 50,
      }),
      groupPrefix: PREFIX,
      maxDevices: 20,
      clock: () => new Date(),
      log,
    });
  }

  it('100 parallel requests of one user while the lease is held: at most the cap wait, the rest get 503 at once', async () => {
    await lockRef().set({
      holder: 'another-instance',
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: 60000,
      pending: [],
    });
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({length: 100}, async (_, i) => {
        const reply = await add(`burst-${i}`);
        return {...reply, ms: performance.now() - started};
      }),
    );
    const overCap =
      "Too many requests are waiting to change this user's devices. Please retry.";
    const waitedOut =
      "Too many concurrent changes to this user's devices. Please retry.";
    const refused = replies.filter(
      r => (r.json as {message?: string}).message === overCap,
    );
    const waited = replies.filter(
      r => (r.json as {message?: string}).message === waitedOut,
    );
    for (const reply of replies) {
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('5');
    }
    expect(refused.length + waited.length).toBe(100);
    // At most LOCK_MAX_WAITERS (8) wait at once, each for LOCK_WAIT_MS (1.5 s); a slot
    // freed by one that gave up takes a late arrival, so how many waited depends on how
    // fast the requests arrive (the exact count is checked on UserLeases itself, below).
    expect(waited.length).toBeGreaterThanOrEqual(8);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    const median = (xs: number[]) =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    process.stdout.write(
      `100 parallel adds of one user under a held lease: ${refused.length} refused at once ` +
        `(median ${median(refused.map(r => r.ms)).toFixed(0)} ms), ${waited.length} waited ` +
        `(median ${median(waited.map(r => r.ms)).toFixed(0)} ms)\n`,
    );
    const state = await stack.snapshot();
    expect(state.tokens).toEqual({});
    expect(state.groups).toEqual([]);
  });

  it('UserLeases: of 100 acquisitions while the lease is held, exactly the cap wait and the rest are refused at once', async () => {
    await lockRef().set({
      holder: 'another-instance',
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: 60000,
      pending: [],
    });
    const db = createDb(async () => stack.db, 10_000);
    const leases = new UserLeases(db, {
      ttlMs: 60000,
      waitMs: 60000,
      maxWaiters: 8,
      commitMarginMs: 10_000,
      maxPending: 50,
    });
    const attempts = Array.from({length: 100}, () =>
      leases.acquire('1', null).then(
        async lease => {
          await leases.release(lease); // the next waiter's turn
          return {kind: 'held' as const, lease};
        },
        (err: {status?: number; message?: string}) => ({
          kind: 'refused' as const,
          err,
        }),
      ),
    );
    // While the lease is still held, 92 are refused; the other 8 are still waiting.
    const settled: Array<Awaited<(typeof attempts)[number]>> = [];
    attempts.forEach(a => void a.then(r => settled.push(r)));
    for (let i = 0; i < 600 && settled.length < 92; i++)
      await new Promise(resolve => setTimeout(resolve, 50));
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(settled.length).toBe(92);
    for (const r of settled) {
      expect(r.kind).toBe('refused');
      if (r.kind === 'refused') {
        expect(r.err.status).toBe(503);
        expect(r.err.message).toBe(
          "Too many requests are waiting to change this user's devices. Please retry.",
        );
      }
    }
    // Released: the 8 waiters take the lease one after another.
    await lockRef().delete();
    const results = await Promise.all(attempts);
    expect(results.filter(r => r.kind === 'held')).toHaveLength(8);
    expect((await lockRef().get()).exists).toBe(false);
  });

  it('an FCM call is cut at its lease deadline, and the next holder removes what it may have left', async () => {
    expect((await add('kept')).status).toBe(201);
    // FCM applies the add but never answers: a call that would outlive the lease.
    await stack.fcm.injectFault({
      mode: 'timeout',
      afterApply: true,
      project: stack.senderId,
    });
    const registry = registryWith({ttlMs: 3000, commitMarginMs: 500}, 30_000);
    const started = performance.now();
    await expect(registry.add('1', 'late')).rejects.toMatchObject({
      status: 503,
    });
    // Cut at the lease's deadline (2500 ms), not at the call's own timeout (30 s).
    expect(performance.now() - started).toBeLessThan(10_000);
    expect((await stack.snapshot()).groups[0]!.registration_ids).toEqual([
      'kept',
      'late',
    ]);
    expect((await add('next')).status).toBe(201);
    const state = await stack.snapshot();
    expect(state.tokens).toEqual({'1': ['kept', 'next']});
    expect(violations(state)).toEqual([]);
  });

  it('a repaired lease keeps only the operation in flight pending', async () => {
    expect((await add('kept')).status).toBe(201);
    await lockRef().set({
      holder: null,
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: 60000,
      pending: ['a', 'b', 'c'].map(t => ({
        op: 'add',
        token_id: tokenId(t),
        registration_id: t,
      })),
    });
    // The repair succeeds; then the add itself fails.
    const failingAdd = (groups: DeviceGroups): DeviceGroups => ({
      remove: groups.remove,
      add: async (name, key, tokens, signal) => {
        if (tokens.includes('fails')) throw unavailable('FCM');
        return groups.add(name, key, tokens, signal);
      },
    });
    const registry = registryWith(
      {ttlMs: 60000, commitMarginMs: 5000},
      5000,
      failingAdd,
    );
    await expect(registry.add('1', 'fails')).rejects.toMatchObject({
      status: 503,
    });
    const lease = (await lockRef().get()).data()!;
    expect(lease.holder).toBeNull();
    expect(lease.pending).toEqual([
      {op: 'add', token_id: tokenId('fails'), registration_id: 'fails'},
    ]);
  });

  it("a repair whose lease is taken over mid-way writes nothing over the new holder's devices", async () => {
    expect((await add('kept')).status).toBe(201);
    // An earlier holder failed, leaving a pending operation to repair.
    await lockRef().set({
      holder: null,
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: 60000,
      pending: [
        {op: 'add', token_id: tokenId('stray'), registration_id: 'stray'},
      ],
    });
    // The repairer stalls in FCM until its lease has been taken over by another holder,
    // which writes the user's devices map meanwhile.
    const newHolderMap = {
      devices: {
        [tokenId('kept')]: {
          registration_id: 'kept',
          updated_at: Timestamp.fromMillis(1),
        },
      },
      notification_key: 'the-new-holders-key',
    };
    const stalling = (groups: DeviceGroups): DeviceGroups => ({
      remove: groups.remove,
      add: async (name, key, tokens, signal) => {
        const answer = await groups.add(name, key, tokens, signal);
        await lockRef().set({
          holder: 'the-new-holder',
          acquired_at: FieldValue.serverTimestamp(),
          ttl_ms: 60000,
          pending: [],
        });
        await stack.db
          .collection('users')
          .doc('1')
          .set(newHolderMap, {merge: true});
        return answer;
      },
    });
    const registry = registryWith(
      {ttlMs: 60000, commitMarginMs: 5000},
      5000,
      stalling,
    );
    await expect(registry.repair('1')).rejects.toMatchObject({
      status: 503,
      body: {
        message:
          "Another request took over this user's devices during a repair. Please retry.",
      },
    });
    // The new holder's write stands, and its lease is untouched.
    const user = (await stack.db.collection('users').doc('1').get()).data()!;
    expect(user.notification_key).toBe('the-new-holders-key');
    expect(user.devices).toEqual(newHolderMap.devices);
    expect((await lockRef().get()).get('holder')).toBe('the-new-holder');
  });

  it('a lease at its cap of pending operations refuses new changes until a repair', async () => {
    const pending = Array.from({length: 50}, (_, i) => ({
      op: 'add',
      token_id: tokenId(`g${i}`),
      registration_id: `g${i}`,
    }));
    await lockRef().set({
      holder: null,
      acquired_at: FieldValue.serverTimestamp(),
      ttl_ms: 60000,
      pending,
    });
    const reply = await add('one-more');
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.json).toEqual({
      message:
        "Earlier changes to this user's devices are waiting for a repair. Please retry.",
    });
    expect((await lockRef().get()).get('pending')).toEqual(pending);
    expect(
      await registryWith({ttlMs: 60000, commitMarginMs: 5000}, 5000).repair(
        '1',
      ),
    ).toBe(true);
    expect((await add('one-more')).status).toBe(201);
    expect(violations(await stack.snapshot())).toEqual([]);
  });
});
