/**
 * What a batch records per user, through the real Pub/Sub and Firestore emulators and the
 * FCM emulator: each outcome counted apart, a user whose sends always fail, expiry, the
 * dead-letter topic, Idempotency-Key, the fcm backend's one send per user, and what the
 * requests refuse.
 */
import {tokenId} from '../../../shared/firestore/collections';
import {describeWithPubsub, fcmEmulatorHost} from '../../support/emulators';
import {
  buildOnce,
  countByToken,
  startBatchStack,
  type BatchStack,
} from './batch-stack';
import {idToken, OTHER_SENDER} from './notify-stack';

jest.setTimeout(180_000);

const MESSAGE = {notification: {title: 'Hello'}};

interface Created {
  id: string;
  users: number;
  status_url: string;
}

async function created(stack: BatchStack, body: object, headers = {}) {
  const reply = await stack.post(body, headers);
  expect(reply.status).toBe(202);
  return reply.body as Created;
}

describeWithPubsub('batch outcomes (firestore backend)', () => {
  let stack: BatchStack;

  beforeAll(async () => {
    buildOnce();
    stack = await startBatchStack({
      env: {DEVICE_GROUPS: 'firestore', NOTIFY_MAX_ATTEMPTS: '3'},
    });
  }, 180_000);
  afterAll(() => stack?.close());
  beforeEach(async () => {
    await stack.fcm.clearDeliveries(stack.senderId);
    await stack.fcm.clearSendFaults(stack.senderId);
  });

  it('counts each outcome apart, unknown users and users without devices included, and the counts add up', async () => {
    const tokens = await stack.seedUsers(
      ['s1', 's2', 's3', 'dead', 'other-project'],
      1,
    );
    await stack.seedUsers(['empty1', 'empty2'], 0);
    const dead = tokens.get('dead')![0]!;
    const mismatch = tokens.get('other-project')![0]!;
    await stack.fcm.injectSendFault(stack.senderId, {
      token: dead,
      error: 'UNREGISTERED',
    });
    await stack.fcm.injectSendFault(stack.senderId, {
      token: mismatch,
      error: 'SENDER_ID_MISMATCH',
    });
    const users = [
      's1',
      's2',
      's3',
      'dead',
      'other-project',
      'empty1',
      'empty2',
      'nobody',
      '404',
    ];
    const {id} = await created(stack, {users, message: MESSAGE});
    expect(await stack.waitDone(id)).toEqual({
      id,
      status: 'done',
      users: 9,
      sent: 3,
      failed: 1,
      removed: 1,
      no_devices: 2,
      unknown_users: 2,
      created_at: expect.stringMatching(/Z$/),
      finished_at: expect.stringMatching(/Z$/),
    });
    const recipients = await stack.recipients(id);
    const summary = Object.fromEntries(
      [...recipients].map(([user, r]) => [
        user,
        {outcome: r.outcome, devices: r.devices, attempts: r.attempts},
      ]),
    );
    expect(summary).toEqual({
      s1: {
        outcome: 'sent',
        devices: {[tokenId(tokens.get('s1')![0]!)]: 'sent'},
        attempts: 0,
      },
      s2: {
        outcome: 'sent',
        devices: {[tokenId(tokens.get('s2')![0]!)]: 'sent'},
        attempts: 0,
      },
      s3: {
        outcome: 'sent',
        devices: {[tokenId(tokens.get('s3')![0]!)]: 'sent'},
        attempts: 0,
      },
      dead: {
        outcome: 'removed',
        devices: {[tokenId(dead)]: 'removed'},
        attempts: 0,
      },
      'other-project': {
        outcome: 'failed',
        devices: {[tokenId(mismatch)]: 'sender-id-mismatch'},
        attempts: 0,
      },
      empty1: {outcome: 'no_devices', devices: {}, attempts: 0},
      empty2: {outcome: 'no_devices', devices: {}, attempts: 0},
      nobody: {outcome: 'unknown_user', devices: {}, attempts: 0},
      '404': {outcome: 'unknown_user', devices: {}, attempts: 0},
    });
    // The dead token is gone from Firestore, as notifyUser removes it.
    expect(
      (
        await stack.db
          .collection('fcm_registration_tokens')
          .doc(tokenId(dead))
          .get()
      ).exists,
    ).toBe(false);
    expect(
      (await stack.db.collection('users').doc('dead').get()).get('devices'),
    ).toEqual({});
    expect((await stack.deliveries()).map(d => d.token).sort()).toEqual(
      ['s1', 's2', 's3'].map(u => tokens.get(u)![0]!).sort(),
    );
    // Every claim is settled.
    const sends = await stack.db
      .collection('notification_batches')
      .doc(id)
      .collection('sends')
      .get();
    expect(sends.docs.map(d => d.get('state'))).toEqual(Array(5).fill('done'));
  });

  it('records a user whose sends always fail as failed after NOTIFY_MAX_ATTEMPTS sends, and the batch still reaches done', async () => {
    const tokens = await stack.seedUsers(['flaky', 'fine1', 'fine2'], 2);
    for (const token of tokens.get('flaky')!)
      await stack.fcm.injectSendFault(stack.senderId, {
        token,
        error: 'UNAVAILABLE',
        count: 10,
      });
    const {id} = await created(stack, {
      users: ['flaky', 'fine1', 'fine2'],
      message: MESSAGE,
    });
    expect(await stack.waitDone(id)).toMatchObject({
      status: 'done',
      users: 3,
      sent: 2,
      failed: 1,
    });
    expect((await stack.recipients(id)).get('flaky')).toMatchObject({
      outcome: 'failed',
      reason: 'retries exhausted',
      attempts: 3,
      devices: Object.fromEntries(
        tokens.get('flaky')!.map(t => [tokenId(t), 'unavailable']),
      ),
    });
    // Each device was tried exactly NOTIFY_MAX_ATTEMPTS times (NOTIFY_RETRY_BUDGET_MS is 0).
    expect(
      (await stack.fcm.sendFaults(stack.senderId)).map(f => f.remaining),
    ).toEqual([7, 7]);
    const counts = countByToken(await stack.deliveries());
    expect([...counts.values()]).toEqual([1, 1, 1, 1]);
  });

  it('records the users of a batch past its expiry as failed (expired), sending nothing', async () => {
    await stack.seedUsers(['late1', 'late2'], 1);
    // No instance takes the events until the batch has expired.
    await stack.fn.stop();
    const {id} = await created(stack, {
      users: ['late1', 'late2'],
      message: MESSAGE,
      expires_in: 1,
    });
    await new Promise(resolve => setTimeout(resolve, 1500));
    await stack.fn.restart();
    expect(await stack.waitDone(id)).toMatchObject({
      status: 'done',
      users: 2,
      sent: 0,
      failed: 2,
    });
    for (const r of (await stack.recipients(id)).values())
      expect(r).toMatchObject({
        outcome: 'failed',
        reason: 'expired',
        devices: {},
      });
    expect(await stack.deliveries()).toEqual([]);
  });

  it('answers a retry with the same Idempotency-Key with the same batch, and sends nothing more; another body with the key is a 422', async () => {
    const tokens = await stack.seedUsers(['k1', 'k2'], 2);
    const body = {users: ['k1', 'k2'], message: MESSAGE};
    const headers = {'Idempotency-Key': 'sunday-opening-1'};
    const first = await stack.post(body, headers);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const {id} = first.body as Created;
    expect(first.headers.get('location')).toBe(
      (first.body as Created).status_url,
    );
    await stack.waitDone(id);
    const again = await stack.post(body, headers);
    expect({
      status: again.status,
      body: again.body,
      replayed: again.headers.get('idempotent-replayed'),
    }).toEqual({
      status: 202,
      body: first.body,
      replayed: 'true',
    });
    const other = await stack.post({...body, users: ['k1']}, headers);
    expect(other).toMatchObject({
      status: 422,
      body: {
        message: 'The given data was invalid.',
        errors: {
          'Idempotency-Key': [
            'The Idempotency-Key was already used with another request body.',
          ],
        },
      },
    });
    // The key is the caller's: another allowed caller with the same key makes another batch.
    const theirs = await stack.post(body, {
      ...headers,
      Authorization: `Bearer ${idToken({email: OTHER_SENDER})}`,
    });
    expect(theirs.status).toBe(202);
    expect((theirs.body as Created).id).not.toBe(id);
    await stack.waitDone((theirs.body as Created).id);
    const counts = countByToken(await stack.deliveries());
    // Twice: once per batch (the key's and the other caller's), never more.
    expect([...tokens.values()].flat().map(t => counts.get(t))).toEqual([
      2, 2, 2, 2,
    ]);
  });
});

describeWithPubsub('batch requests refused', () => {
  let stack: BatchStack;

  beforeAll(async () => {
    buildOnce();
    stack = await startBatchStack({env: {DEVICE_GROUPS: 'firestore'}});
  }, 180_000);
  afterAll(() => stack?.close());

  const batches = async () =>
    (await stack.db.collection('notification_batches').get()).size;
  let before: number;
  beforeEach(async () => {
    before = await batches();
  });
  const nothingRecorded = async () => expect(await batches()).toBe(before);

  it('answers 422 naming every problem of the body at once, and records nothing', async () => {
    const reply = await stack.post({
      users: ['1', '1', 'a/b', 2.5, 3],
      message: {data: {n: 1}, token: 'x'},
      expires_in: 0,
      priority: 'high',
    });
    expect(reply).toMatchObject({
      status: 422,
      body: {
        message: 'The given data was invalid.',
        errors: {
          priority: ['The priority field is not supported.'],
          'users.3': ['The users.3 must be a string or an integer.'],
          expires_in: ['The expires_in must be between 1 and 86400.'],
          'users.1': ['The users.1 field has a duplicate value.'],
          'users.2': ['The users.2 format is invalid.'],
          'message.token': ['The message.token field is prohibited.'],
          'message.data.n': ['The message.data.n must be a string.'],
        },
      },
    });
    await nothingRecorded();
  });

  it.each([
    ['no users', {message: MESSAGE}, {users: ['The users field is required.']}],
    [
      'no user',
      {users: [], message: MESSAGE},
      {users: ['The users must have at least 1 item.']},
    ],
    [
      '1001 users',
      {
        users: Array.from({length: 1001}, (_, i) => String(i)),
        message: MESSAGE,
      },
      {users: ['The users may not have more than 1000 items.']},
    ],
    [
      'users as text',
      {users: '1,2', message: MESSAGE},
      {users: ['The users must be an array.']},
    ],
    [
      'no message',
      {users: ['1']},
      {message: ['The message field is required.']},
    ],
    [
      'an empty message',
      {users: ['1'], message: {}},
      {
        'message.notification': [
          'The message.notification field is required when none of message.data / message.android / message.apns / message.webpush are present.',
        ],
      },
    ],
  ])('answers 422 for %s', async (_name, body, errors) => {
    const reply = await stack.post(body);
    expect(reply).toMatchObject({
      status: 422,
      body: {message: 'The given data was invalid.', errors},
    });
    expect(Object.keys((reply.body as {errors: object}).errors)).toEqual(
      Object.keys(errors),
    );
    await nothingRecorded();
  });

  it('answers 400 for a malformed Idempotency-Key, 401 without a token, 403 for another account; records nothing', async () => {
    const body = {users: ['1'], message: MESSAGE};
    expect(
      await stack.post(body, {'Idempotency-Key': 'k'.repeat(256)}),
    ).toMatchObject({
      status: 400,
      body: {
        message:
          'The Idempotency-Key header must be 1 to 255 printable ASCII characters.',
      },
    });
    expect(
      await stack.post(body, {Authorization: 'Bearer nope'}),
    ).toMatchObject({
      status: 401,
      body: {message: 'Request did not contain a valid HTTP header.'},
    });
    expect(
      await stack.post(body, {
        Authorization: `Bearer ${idToken({email: 'stranger@p1.iam.gserviceaccount.com'})}`,
      }),
    ).toMatchObject({
      status: 403,
      body: {message: 'Request did not come from an allowed service account.'},
    });
    await nothingRecorded();
  });

  it('answers 404 for an unknown or malformed batch id, and 405 with Allow for the other methods', async () => {
    expect(await stack.status('noSuchBatch')).toMatchObject({
      status: 404,
      body: {message: 'Not Found.'},
    });
    expect(await stack.status('a%2Fb')).toMatchObject({status: 404});
    const call = (method: string, path: string) =>
      fetch(`${stack.url}${path}`, {
        method,
        headers: {Authorization: `Bearer ${idToken()}`},
      });
    const put = await call('PUT', '/api/notifications');
    expect([put.status, put.headers.get('allow'), await put.json()]).toEqual([
      405,
      'POST',
      {message: 'The method is not supported for this route.'},
    ]);
    const post = await call('POST', '/notifications/abc');
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
  });
});

/** A device group per user in the FCM emulator, stored as the fcm backend stores it. */
async function seedGroups(stack: BatchStack, ids: string[], members: number) {
  const keys = new Map<string, {key: string; tokens: string[]}>();
  for (const id of ids) {
    const tokens = Array.from(
      {length: members},
      (_, i) => `group-${id}-${i}-${'y'.repeat(30)}`,
    );
    const res = await fetch(`http://${fcmEmulatorHost()}/fcm/notification`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer test',
        access_token_auth: 'true',
        project_id: stack.senderId,
      },
      body: JSON.stringify({
        operation: 'create',
        notification_key_name: `test_users-${id}`,
        registration_ids: tokens,
      }),
    });
    const {notification_key: key} = (await res.json()) as {
      notification_key: string;
    };
    await stack.seedUsers([id], 0);
    const now = new Date();
    await stack.db
      .collection('users')
      .doc(id)
      .set(
        {
          notification_key: key,
          devices: Object.fromEntries(
            tokens.map(t => [
              tokenId(t),
              {registration_id: t, updated_at: now},
            ]),
          ),
        },
        {merge: true},
      );
    keys.set(id, {key, tokens});
  }
  return keys;
}

describeWithPubsub('a batch on the fcm backend', () => {
  let stack: BatchStack;

  beforeAll(async () => {
    buildOnce();
    stack = await startBatchStack({env: {DEVICE_GROUPS: 'fcm'}});
  }, 180_000);
  afterAll(() => stack?.close());

  it("sends once per user, to the user's notification key", async () => {
    const ids = Array.from({length: 20}, (_, i) => `g${i}`);
    const groups = await seedGroups(stack, ids, 3);
    const {id} = await created(stack, {users: ids, message: MESSAGE});
    expect(await stack.waitDone(id)).toMatchObject({
      status: 'done',
      users: 20,
      sent: 20,
    });
    const deliveries = await stack.deliveries();
    // One v1 send per key (its members share the send's name), reaching every member once.
    const sendsByKey = new Map<string, Set<string>>();
    for (const d of deliveries)
      (
        sendsByKey.get(d.notification_key!) ??
        sendsByKey.set(d.notification_key!, new Set()).get(d.notification_key!)!
      ).add(d.name);
    expect(new Set([...groups.values()].map(g => g.key))).toEqual(
      new Set(sendsByKey.keys()),
    );
    expect([...sendsByKey.values()].map(names => names.size)).toEqual(
      Array(20).fill(1),
    );
    expect(new Set(countByToken(deliveries).values())).toEqual(new Set([1]));
    expect(deliveries).toHaveLength(60);
    // One claim per user: the key's.
    const sends = await stack.db
      .collection('notification_batches')
      .doc(id)
      .collection('sends')
      .get();
    expect(sends.docs.map(d => d.id).sort()).toEqual(
      ids.map(u => `${u}_${tokenId(groups.get(u)!.key)}`).sort(),
    );
  });
});

describeWithPubsub('a batch message that reaches the dead-letter topic', () => {
  let stack: BatchStack;

  beforeAll(async () => {
    buildOnce();
    // Five deliveries, then the dead-letter topic; a quota wait longer than those takes.
    stack = await startBatchStack({
      env: {DEVICE_GROUPS: 'firestore', NOTIFY_QUOTA_RETRY_MS: '600000'},
      maxDeliveryAttempts: 5,
    });
  }, 180_000);
  afterAll(() => stack?.close());

  it('is recorded failed (dead-lettered) without sending, and the batch reaches done', async () => {
    const tokens = await stack.seedUsers(['waiting', 'fine'], 1);
    await stack.fcm.injectSendFault(stack.senderId, {
      token: tokens.get('waiting')![0]!,
      error: 'QUOTA_EXCEEDED',
      count: 1,
      retryAfterSeconds: 0,
    });
    const {id} = await created(stack, {
      users: ['waiting', 'fine'],
      message: MESSAGE,
    });
    expect(await stack.waitDone(id, 120_000)).toMatchObject({
      status: 'done',
      sent: 1,
      failed: 1,
    });
    expect((await stack.recipients(id)).get('waiting')).toMatchObject({
      outcome: 'failed',
      reason: 'dead-lettered',
      attempts: 1,
    });
    expect((await stack.deliveries()).map(d => d.token)).toEqual(
      tokens.get('fine'),
    );
    // Its one send was answered QUOTA_EXCEEDED, and its claim released: never sent since.
    expect(await stack.fcm.sendFaults(stack.senderId)).toEqual([]);
  });
});
