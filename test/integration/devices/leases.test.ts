/**
 * The per-user lease: a live one makes other requests wait (and answer 503 when the wait
 * budget runs out); one left by a crashed holder expires and is reconciled.
 */
import {FieldValue, Timestamp} from 'firebase-admin/firestore';
import {tokenId} from '../../../shared/firestore/collections';
import {createFcmDeviceGroups} from '../../../shared/fcm/device-groups';
import {createLogger} from '../../../shared/platform/logger';
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
    await groups.add(`${PREFIX}_users-1`, key, ['ghost']);
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
});
