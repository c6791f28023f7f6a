/**
 * Sending to a user's devices in `firestore` mode (one v1 send per token), against the
 * Firestore emulator and the FCM emulator: every FCM fault, token hygiene, a dead token
 * that registers again during the send, Idempotency-Key, and a user at 500 devices.
 */
import {tokenId} from '../../../shared/firestore/collections';
import {main} from '../../../tools/notify/main';
import {describeWithFirestore, uniqueProjectId} from '../../support/emulators';
import {tombstones} from '../../support/tombstones';
import {startNotifyStack, type NotifyStack} from './notify-stack';

const MESSAGE = {
  notification: {title: 'Hello', body: 'World'},
  data: {order: '42'},
};

/** The expected `results`: devices seeded together share `updated_at`, so they come in token-id order. */
const results = (tokens: string[], outcomes: string[]) =>
  tokens
    .map((t, i) => ({token_id: tokenId(t), outcome: outcomes[i]}))
    .sort((a, b) => a.token_id.localeCompare(b.token_id));

describeWithFirestore('notifyUser, firestore backend', () => {
  let stack: NotifyStack;

  beforeAll(async () => {
    stack = await startNotifyStack(uniqueProjectId(), {
      DEVICE_GROUPS: 'firestore',
      MAX_DEVICES_PER_USER: '500',
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.reset());

  const deliveredTo = async () =>
    (await stack.fcm.deliveries(stack.senderId)).map(d => d.token).sort();
  const fault = (token: string, error: string, extra: object = {}) =>
    stack.fcm.injectSendFault(stack.senderId, {
      token,
      error: error as never,
      ...extra,
    });

  it('answers zeros for a user without devices', async () => {
    await stack.seedUser('1');
    const reply = await stack.notify('1', MESSAGE);
    expect(reply).toMatchObject({
      status: 200,
      body: {sent: 0, failed: 0, removed: 0, results: []},
    });
    expect(await deliveredTo()).toEqual([]);
  });

  it('answers 404 for an unknown user, and sends nothing', async () => {
    const reply = await stack.notify('404', MESSAGE);
    expect(reply).toMatchObject({status: 404, body: {message: 'Not Found.'}});
  });

  it('sends the message to each device, without a target of its own', async () => {
    const tokens = await stack.seedDevices('1', 3);
    const reply = await stack.notify('1', MESSAGE);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      sent: 3,
      failed: 0,
      removed: 0,
      results: results(tokens, ['sent', 'sent', 'sent']),
    });
    const deliveries = await stack.fcm.deliveries(stack.senderId);
    expect(deliveries.map(d => d.token).sort()).toEqual(tokens);
    expect(deliveries[0]!.message).toEqual(MESSAGE);
  });

  it.each([['UNREGISTERED'], ['INVALID_ARGUMENT']])(
    'removes a token FCM answers %s for, and keeps the others',
    async error => {
      const [dead, alive] = await stack.seedDevices('1', 2);
      await fault(dead!, error);
      const reply = await stack.notify('1', MESSAGE);
      expect(reply.body).toEqual({
        sent: 1,
        failed: 1,
        removed: 1,
        results: results([dead!, alive!], ['removed', 'sent']),
      });
      expect(await stack.tokensOf('1')).toEqual([alive]);
      expect(await stack.devicesOf('1')).toEqual([alive]);
    },
  );

  it('keeps a token FCM answers SENDER_ID_MISMATCH for, and logs it at ERROR', async () => {
    const [wrong, alive] = await stack.seedDevices('1', 2);
    await fault(wrong!, 'SENDER_ID_MISMATCH');
    const reply = await stack.notify('1', MESSAGE);
    expect(reply.body).toEqual({
      sent: 1,
      failed: 1,
      removed: 0,
      results: results([wrong!, alive!], ['sender-id-mismatch', 'sent']),
    });
    expect(await stack.tokensOf('1')).toEqual([wrong, alive].sort());
    const errors = stack.logs.filter(l => l.severity === 'ERROR');
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'SENDER_ID_MISMATCH',
        tokenId: tokenId(wrong!),
      }),
    ]);
    expect(JSON.stringify(stack.logs)).not.toContain(wrong);
  });

  it.each([
    ['UNAVAILABLE', {retryAfterSeconds: 1}],
    ['INTERNAL', {}],
  ])('retries %s and delivers', async (error, extra) => {
    const [token] = await stack.seedDevices('1', 1);
    await fault(token!, error, {count: 2, ...extra});
    const started = Date.now();
    const reply = await stack.notify('1', MESSAGE);
    const elapsed = Date.now() - started;
    expect(reply.body).toEqual({
      sent: 1,
      failed: 0,
      removed: 0,
      results: results([token!], ['sent']),
    });
    expect(await deliveredTo()).toEqual([token]);
    expect(await stack.fcm.sendFaults(stack.senderId)).toEqual([]);
    // Retry-After is honoured: two waits of at least a second each.
    if (error === 'UNAVAILABLE') expect(elapsed).toBeGreaterThanOrEqual(2000);
  });

  it('gives up on UNAVAILABLE when the retry budget is spent, and keeps the token', async () => {
    const [token] = await stack.seedDevices('1', 1);
    await fault(token!, 'UNAVAILABLE', {retryAfterSeconds: 2});
    const reply = await stack.notify('1', MESSAGE);
    expect(reply.body).toEqual({
      sent: 0,
      failed: 1,
      removed: 0,
      results: results([token!], ['unavailable']),
    });
    expect(await stack.tokensOf('1')).toEqual([token]);
  });

  it('answers 503 with Retry-After on QUOTA_EXCEEDED, without retrying', async () => {
    const [limited, alive] = await stack.seedDevices('1', 2);
    await fault(limited!, 'QUOTA_EXCEEDED', {count: 2, retryAfterSeconds: 30});
    const reply = await stack.notify('1', MESSAGE);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('30');
    expect(reply.body).toEqual({
      message: 'Firebase Cloud Messaging quota exceeded. Please retry later.',
      sent: 1,
      failed: 1,
      removed: 0,
      results: results([limited!, alive!], ['quota-exceeded', 'sent']),
    });
    const [left] = await stack.fcm.sendFaults(stack.senderId);
    expect(left!.remaining).toBe(1); // one attempt, no retry
  });

  it('removes a dead token but keeps one that registers again during the send', async () => {
    const [dead, revived, alive] = await stack.seedDevices(
      '1',
      3,
      new Date(Date.now() - 60_000),
    );
    await fault(dead!, 'UNREGISTERED');
    // The revived token's first answer makes the sender wait (Retry-After, 3 s: room for
    // the registration on a loaded machine); the device registers it again meanwhile, then
    // FCM calls it dead.
    await fault(revived!, 'UNAVAILABLE', {count: 1, retryAfterSeconds: 3});
    await fault(revived!, 'UNREGISTERED');
    const sending = stack.notify('1', MESSAGE);
    for (;;) {
      const pending = await stack.fcm.sendFaults(stack.senderId);
      if (!pending.some(f => f.error === 'UNAVAILABLE')) break;
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    await stack.runtime.devices.add('1', revived!);
    const reply = await sending;
    expect(reply.body).toEqual({
      sent: 1,
      failed: 2,
      removed: 1,
      results: expect.arrayContaining(
        results(
          [dead!, revived!, alive!],
          ['removed', 'kept-refreshed', 'sent'],
        ),
      ),
    });
    expect(await stack.tokensOf('1')).toEqual([alive, revived].sort());
    expect(await stack.devicesOf('1')).toEqual([alive, revived].sort());
    expect(await tombstones(stack.db)).toEqual({
      [tokenId(dead!)]: '1:unregistered',
    });
  });

  describe('Idempotency-Key', () => {
    const key = {'Idempotency-Key': 'order-42-shipped'};

    it('answers a repeated request with the first result, without sending again', async () => {
      const [dead, alive] = await stack.seedDevices('1', 2);
      await fault(dead!, 'UNREGISTERED');
      const first = await stack.notify('1', MESSAGE, key);
      const again = await stack.notify('1', MESSAGE, key);
      expect(first.status).toBe(200);
      expect(again).toMatchObject({status: 200, body: first.body});
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(await deliveredTo()).toEqual([alive]);
      const stored = await stack.db.collection('notification_requests').get();
      expect(stored.size).toBe(1);
      const record = stored.docs[0]!;
      expect(record.get('state')).toBe('done');
      expect(
        record.get('expires_at').toMillis() -
          record.get('claimed_at').toMillis(),
      ).toBe(24 * 60 * 60 * 1000);
    });

    it('sends once when two retries race', async () => {
      const [token] = await stack.seedDevices('1', 1);
      const replies = await Promise.all([
        stack.notify('1', MESSAGE, key),
        stack.notify('1', MESSAGE, key),
      ]);
      expect(replies.map(r => r.status).sort()).toEqual(
        expect.arrayContaining([200]),
      );
      for (const reply of replies) {
        if (reply.status !== 200) {
          expect(reply.status).toBe(409);
          expect(reply.headers.get('retry-after')).toBe('5');
        }
      }
      expect(await deliveredTo()).toEqual([token]);
    });

    it('sends again for another user, and refuses another body with 422', async () => {
      await stack.seedDevices('1', 1);
      await stack.seedDevices('2', 1);
      expect((await stack.notify('1', MESSAGE, key)).body).toMatchObject({
        sent: 1,
      });
      expect((await stack.notify('2', MESSAGE, key)).body).toMatchObject({
        sent: 1,
      });
      const other = await stack.notify('1', {data: {order: '43'}}, key);
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
      expect((await stack.fcm.deliveries(stack.senderId)).length).toBe(2);
    });

    it('after a quota 503, the retry sends only to the devices not reached yet', async () => {
      const [limited, alive] = await stack.seedDevices('1', 2);
      await fault(limited!, 'QUOTA_EXCEEDED', {count: 1, retryAfterSeconds: 1});
      const first = await stack.notify('1', MESSAGE, key);
      expect(first.status).toBe(503);
      expect(first.body).toMatchObject({sent: 1, failed: 1});
      const retry = await stack.notify('1', MESSAGE, key);
      expect(retry).toMatchObject({
        status: 200,
        body: {
          sent: 2,
          failed: 0,
          removed: 0,
          results: results([limited!, alive!], ['sent', 'sent']),
        },
      });
      // Each device got the message exactly once.
      expect(await deliveredTo()).toEqual([limited, alive].sort());
      const replay = await stack.notify('1', MESSAGE, key);
      expect(replay.body).toEqual(retry.body);
      expect(await deliveredTo()).toEqual([limited, alive].sort());
    });

    it('after a 503 without the key, a retry sends again (the key is what prevents it)', async () => {
      const [token] = await stack.seedDevices('1', 1);
      await fault(token!, 'QUOTA_EXCEEDED', {count: 1, retryAfterSeconds: 1});
      expect((await stack.notify('1', MESSAGE)).status).toBe(503);
      expect((await stack.notify('1', MESSAGE)).body).toMatchObject({sent: 1});
      expect(await deliveredTo()).toEqual([token]);
    });
  });

  it('npm run notify sends through the same path, and prints the result', async () => {
    const [dead, alive] = await stack.seedDevices('1', 2);
    await fault(dead!, 'UNREGISTERED');
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ['--user', '1', '--title', 'Hi', '--data', 'order=42'],
      {
        env: {},
        out: t => out.push(t),
        err: t => err.push(t),
        runtime: () => stack.runtime,
      },
    );
    expect({code, err: err.join('')}).toEqual({
      code: 1,
      err: "1 of user 1's 2 devices were not sent to: 1 removed (FCM said the token is dead).\n",
    });
    expect(JSON.parse(out.join(''))).toEqual({
      sent: 1,
      failed: 1,
      removed: 1,
      results: results([dead!, alive!], ['removed', 'sent']),
    });
    const [delivery] = await stack.fcm.deliveries(stack.senderId);
    expect(delivery!.message).toEqual({
      notification: {title: 'Hi'},
      data: {order: '42'},
    });
    expect(await stack.tokensOf('1')).toEqual([alive]);
  });

  it('sends to a user at 500 devices', async () => {
    const tokens = await stack.seedDevices('big', 500);
    const started = performance.now();
    const reply = await stack.notify('big', MESSAGE);
    const ms = performance.now() - started;
    process.stdout.write(
      `notify to 500 devices (firestore backend): ${ms.toFixed(0)} ms\n`,
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({sent: 500, failed: 0, removed: 0});
    expect(await deliveredTo()).toEqual(tokens);
  });
});
