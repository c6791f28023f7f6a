/**
 * A batch of 1,000 users × 2 devices through the real Pub/Sub and Firestore emulators and
 * the FCM emulator (firestore backend): every device gets the message exactly once, counted
 * at the FCM emulator, and the status adds up, also when a message is published twice,
 * when FCM answers QUOTA_EXCEEDED to a tenth of the sends for a while, and when an
 * invocation dies between its sends and their record.
 */
import {
  startFcmEmulator,
  type FcmEmulator,
} from '../../../tools/fcm-emulator/server';
import {describeWithPubsub} from '../../support/emulators';
import {
  TOPIC,
  buildOnce,
  countByToken,
  startBatchStack,
  type BatchStack,
} from './batch-stack';

jest.setTimeout(180_000);

const USERS = Array.from({length: 1000}, (_, i) => String(i + 1));
const MESSAGE = {notification: {title: 'Open on Sunday', body: '10 to 16'}};

interface Created {
  id: string;
  users: number;
  status_url: string;
}

/** Every token of `tokens`, and how many times FCM got a message for it. */
function receipts(tokens: Map<string, string[]>, counts: Map<string, number>) {
  return [...tokens.values()].flat().map(t => counts.get(t) ?? 0);
}

describeWithPubsub('a batch of 1,000 users × 2 devices', () => {
  let stack: BatchStack;
  let tokens: Map<string, string[]>;

  beforeAll(async () => {
    buildOnce();
    stack = await startBatchStack({env: {DEVICE_GROUPS: 'firestore'}});
    tokens = await stack.seedUsers(USERS, 2);
  }, 180_000);
  afterAll(() => stack?.close());
  beforeEach(async () => {
    await stack.fcm.clearDeliveries(stack.senderId);
    await stack.fcm.clearSendFaultRate(stack.senderId);
  });

  async function send(): Promise<Created> {
    const reply = await stack.post({users: USERS, message: MESSAGE});
    expect(reply.status).toBe(202);
    return reply.body as Created;
  }

  it('reaches every device exactly once, and the status adds up to the users', async () => {
    const created = await send();
    expect(created).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9]{20}$/),
      users: 1000,
      status_url: `https://europe-west1-p1.cloudfunctions.net/notifyUser/notifications/${created.id}`,
    });
    const status = await stack.waitDone(created.id);
    expect(status).toEqual({
      id: created.id,
      status: 'done',
      users: 1000,
      sent: 1000,
      failed: 0,
      removed: 0,
      no_devices: 0,
      unknown_users: 0,
      created_at: expect.any(String),
      finished_at: expect.any(String),
    });
    const deliveries = await stack.deliveries();
    expect(deliveries).toHaveLength(2000);
    expect(new Set(receipts(tokens, countByToken(deliveries)))).toEqual(
      new Set([1]),
    );
    expect(deliveries[0]!.message).toEqual(MESSAGE);
    const recipients = await stack.recipients(created.id);
    expect(recipients.size).toBe(1000);
    expect(
      [...recipients.values()].every(
        r =>
          r.outcome === 'sent' &&
          Object.values(r.devices as object).every(o => o === 'sent'),
      ),
    ).toBe(true);
  });

  it('reaches every device exactly once when messages are published twice', async () => {
    const created = await send();
    // A duplicate of a hundred users' messages, as Pub/Sub may deliver (at least once).
    for (const user of USERS.slice(0, 100))
      await stack.publish(TOPIC, {batch: created.id, user});
    const status = await stack.waitDone(created.id);
    expect(status).toMatchObject({status: 'done', users: 1000, sent: 1000});
    // The duplicates were delivered too (and skipped): wait until the subscription is idle.
    await new Promise(resolve => setTimeout(resolve, 3000));
    const deliveries = await stack.deliveries();
    expect(deliveries).toHaveLength(2000);
    expect(new Set(receipts(tokens, countByToken(deliveries)))).toEqual(
      new Set([1]),
    );
  });

  it('reaches every device exactly once when FCM answers QUOTA_EXCEEDED to a tenth of the sends for a while', async () => {
    await stack.fcm.setSendFaultRate(stack.senderId, {
      error: 'QUOTA_EXCEEDED',
      oneIn: 10,
      durationMs: 5000,
      retryAfterSeconds: 0,
    });
    const created = await send();
    const status = await stack.waitDone(created.id);
    expect(status).toMatchObject({
      status: 'done',
      users: 1000,
      sent: 1000,
      failed: 0,
    });
    const deliveries = await stack.deliveries();
    expect(deliveries).toHaveLength(2000);
    expect(new Set(receipts(tokens, countByToken(deliveries)))).toEqual(
      new Set([1]),
    );
    // The quota did hit: those users took more than one attempt, and waited it out. (How
    // many depends on how many sends fit in the fault's 5 s on a busy machine.)
    const retried = [...(await stack.recipients(created.id)).values()].filter(
      r => (r.attempts as number) > 0,
    );
    expect(retried.length).toBeGreaterThan(0);
    for (const r of retried)
      expect(
        (r.finished_at as {toMillis(): number}).toMillis() -
          (r.retry_not_before as {toMillis(): number}).toMillis(),
      ).toBeGreaterThanOrEqual(0);
  });
});

describeWithPubsub(
  'a batch whose deliverNotification dies between sending and recording',
  () => {
    let fcm: FcmEmulator;
    let stack: BatchStack;
    let tokens: Map<string, string[]>;
    const VICTIM = '500';
    let killedAt: number | undefined;

    beforeAll(async () => {
      buildOnce();
      // An FCM emulator of this file's own, to kill the function the moment FCM has both of
      // the victim's messages and before the function hears back.
      const seen = new Set<string>();
      fcm = await startFcmEmulator({
        port: 0,
        onDelivery: delivery => {
          if (!tokens?.get(VICTIM)?.includes(delivery.token)) return;
          seen.add(delivery.token);
          if (seen.size === 2 && killedAt === undefined) {
            killedAt = Date.now();
            stack.fn.kill();
          }
        },
      });
      stack = await startBatchStack({
        env: {DEVICE_GROUPS: 'firestore'},
        fcmHost: fcm.host,
      });
      tokens = await stack.seedUsers(USERS, 2);
    }, 180_000);
    afterAll(async () => {
      await stack?.close();
      await fcm?.close();
    });

    it('sends to no device twice: the devices of the interrupted delivery count failed (interrupted), every other user is reached once', async () => {
      const reply = await stack.post({users: USERS, message: MESSAGE});
      expect(reply.status).toBe(202);
      const {id} = reply.body as Created;
      const waitUntil = Date.now() + 90_000;
      while (killedAt === undefined) {
        if (Date.now() > waitUntil)
          throw new Error(
            `the victim's messages did not both reach FCM: ${(await stack.deliveries()).length} deliveries, ${JSON.stringify((await stack.status(id)).body)}`,
          );
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      // The instance is gone; a new one takes the redeliveries.
      await stack.fn.restart();
      const status = await stack.waitDone(id);
      const counts = countByToken(await stack.deliveries());
      expect(Math.max(...counts.values())).toBe(1);
      // The victim's messages reached FCM once each; its outcome was never recorded by the
      // invocation that sent them, so the redelivery found the claims and did not send again.
      expect(tokens.get(VICTIM)!.map(t => counts.get(t))).toEqual([1, 1]);
      const recipients = await stack.recipients(id);
      expect(recipients.get(VICTIM)).toMatchObject({
        outcome: 'failed',
        reason: 'interrupted',
        devices: expect.any(Object),
      });
      expect(Object.values(recipients.get(VICTIM)!.devices as object)).toEqual([
        'interrupted',
        'interrupted',
      ]);
      // Every user was finished once; users recorded `sent` got each device exactly once.
      expect(recipients.size).toBe(1000);
      const interrupted = [...recipients].filter(
        ([, r]) => r.outcome !== 'sent',
      );
      // At most the victim and the one other delivery the emulator pushes alongside.
      expect(interrupted.length).toBeLessThanOrEqual(2);
      for (const [user, r] of interrupted)
        expect({user, reason: r.reason}).toEqual({user, reason: 'interrupted'});
      for (const [user, r] of recipients)
        if (r.outcome === 'sent')
          expect({
            user,
            counts: tokens.get(user)!.map(t => counts.get(t)),
          }).toEqual({
            user,
            counts: [1, 1],
          });
      expect(status).toMatchObject({
        status: 'done',
        users: 1000,
        sent: 1000 - interrupted.length,
        failed: interrupted.length,
        removed: 0,
        no_devices: 0,
        unknown_users: 0,
      });
    });
  },
);
