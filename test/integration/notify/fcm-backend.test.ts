/**
 * Sending in `fcm` mode: one v1 send with the user's notification key as the target,
 * which the FCM emulator delivers to every member of the group.
 */
import {tokenId} from '../../../shared/firestore/collections';
import {describeWithFirestore, uniqueProjectId} from '../../support/emulators';
import {startNotifyStack, type NotifyStack} from './notify-stack';

const MESSAGE = {notification: {title: 'Hello'}, data: {k: 'v'}};

describeWithFirestore('notifyUser, fcm backend', () => {
  let stack: NotifyStack;

  beforeAll(async () => {
    stack = await startNotifyStack(uniqueProjectId(), {DEVICE_GROUPS: 'fcm'});
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.reset());

  const register = async (userId: string, count: number) => {
    await stack.seedUser(userId);
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const token = `group-${userId}-${i}-${'y'.repeat(40)}`;
      await stack.runtime.devices.add(userId, token);
      tokens.push(token);
    }
    return tokens;
  };

  it('sends once to the notification key of a user at 20 devices', async () => {
    const tokens = await register('1', 20);
    const started = performance.now();
    const reply = await stack.notify('1', MESSAGE);
    process.stdout.write(
      `notify to 20 devices (fcm backend): ${(performance.now() - started).toFixed(0)} ms\n`,
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      sent: 20,
      failed: 0,
      removed: 0,
      results: tokens.map(t => ({token_id: tokenId(t), outcome: 'sent'})),
    });
    const deliveries = await stack.fcm.deliveries(stack.senderId);
    expect(deliveries.map(d => d.token).sort()).toEqual([...tokens].sort());
    const [group] = await stack.fcm.groups(stack.senderId);
    expect(new Set(deliveries.map(d => d.notification_key))).toEqual(
      new Set([group!.notification_key]),
    );
    expect(new Set(deliveries.map(d => d.name)).size).toBe(1); // one send
  });

  it('answers zeros for a user without devices', async () => {
    await stack.seedUser('2');
    expect((await stack.notify('2', MESSAGE)).body).toEqual({
      sent: 0,
      failed: 0,
      removed: 0,
      results: [],
    });
  });

  it('answers every device failed, and warns, for a user with devices but no group (data of the firestore backend)', async () => {
    const tokens = await stack.seedDevices('4', 2);
    const reply = await stack.notify('4', MESSAGE);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      sent: 0,
      failed: 2,
      removed: 0,
      results: tokens.map(t => ({token_id: tokenId(t), outcome: 'failed'})),
    });
    expect(stack.logs).toContainEqual(
      expect.objectContaining({
        severity: 'WARNING',
        message: 'user has devices but no notification key: nothing sent',
        userId: '4',
      }),
    );
    expect(await stack.fcm.deliveries(stack.senderId)).toEqual([]);
  });

  it('answers every device failed when FCM no longer knows the notification key', async () => {
    const tokens = await register('5', 2);
    // The group is lost (an FCM emulator restarted without its data); Firestore keeps the key.
    await stack.fcm.reset(stack.senderId);
    const reply = await stack.notify('5', MESSAGE);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      sent: 0,
      failed: 2,
      removed: 0,
      results: tokens.map(t => ({token_id: tokenId(t), outcome: 'failed'})),
    });
    expect(stack.logs).toContainEqual(
      expect.objectContaining({
        severity: 'WARNING',
        message:
          "FCM does not know the user's notification key: the device group is gone (the next registration of one of the user's devices creates it again)",
        code: 'UNREGISTERED',
      }),
    );
    expect(await stack.fcm.deliveries(stack.senderId)).toEqual([]);
  });

  it('answers 503 with Retry-After when the group send hits the quota', async () => {
    await register('3', 2);
    const [group] = await stack.fcm.groups(stack.senderId);
    await stack.fcm.injectSendFault(stack.senderId, {
      token: group!.notification_key,
      error: 'QUOTA_EXCEEDED',
      count: 1,
    });
    const reply = await stack.notify('3', MESSAGE);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('60');
    expect(reply.body).toMatchObject({sent: 0, failed: 2, removed: 0});
    expect(await stack.fcm.deliveries(stack.senderId)).toEqual([]);
  });
});
