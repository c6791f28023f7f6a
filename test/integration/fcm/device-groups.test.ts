/**
 * The FCM device-group client against the FCM emulator over HTTP: the documented
 * protocol, recovery where the remote state says how, and 503 for everything else.
 */
import {createFcmDeviceGroups} from '../../../shared/devices/fcm-groups/group-client';
import {createLogger} from '../../../shared/platform/logger';
import type {AppError} from '../../../shared/platform/errors';
import {fcmControl} from '../../../tools/fcm-emulator/control';
import {fcmEmulatorUrl, uniqueSenderId} from '../../support/emulators';

describe('FCM device-group client', () => {
  const senderId = uniqueSenderId();
  const fcm = fcmControl(fcmEmulatorUrl());
  const client = createFcmDeviceGroups({
    baseUrl: fcmEmulatorUrl(),
    senderId,
    // Far above a call's time on a loaded machine; the timeout case waits it out.
    timeoutMs: 5000,
    accessToken: async () => 'test-token',
    log: createLogger('ERROR'),
  });
  // A lease that never ends, for the tests that are not about the lease.
  const forever = new AbortController().signal;
  const groups = {
    add: (name: string, key: string | null, tokens: string[]) =>
      client.add(name, key, tokens, forever),
    remove: (name: string, key: string | null, tokens: string[]) =>
      client.remove(name, key, tokens, forever),
  };
  const members = async () =>
    (await fcm.groups(senderId)).map(g => [
      g.notification_key_name,
      g.registration_ids,
    ]);
  const keyOf = async (name: string) =>
    (await fcm.groups(senderId)).find(g => g.notification_key_name === name)
      ?.notification_key;

  beforeEach(async () => {
    await fcm.reset(senderId);
    await fcm.clearFaults(senderId);
  });

  it('creates a group on first use and adds to it with the key afterwards', async () => {
    const key = await groups.add('g', null, ['a']);
    expect(await groups.add('g', key, ['b'])).toBe(key);
    expect(await members()).toEqual([['g', ['a', 'b']]]);
    expect((await fcm.calls(senderId)).map(c => c.operation)).toEqual([
      'create',
      'add',
    ]);
  });

  it('stops a call when the lease it runs under ends, answering 503', async () => {
    await fcm.injectFault({mode: 'timeout', project: senderId});
    const lease = AbortSignal.timeout(100);
    const started = performance.now();
    await expect(client.add('g', null, ['a'], lease)).rejects.toMatchObject({
      status: 503,
    });
    expect(performance.now() - started).toBeLessThan(2500); // before its own 5 s timeout
    expect(await members()).toEqual([]);
  });

  it('sends the documented headers', async () => {
    await groups.add('g', null, ['a']);
    const [call] = await fcm.calls(senderId);
    expect(call).toMatchObject({method: 'POST', status: 200});
  });

  it('recovers from "already exists" by looking the key up and adding', async () => {
    const key = await groups.add('g', null, ['a']);
    expect(await groups.add('g', null, ['b'])).toBe(key);
    expect(await members()).toEqual([['g', ['a', 'b']]]);
  });

  it('recovers from "not found" (the group emptied) by creating it again', async () => {
    const old = await groups.add('g', null, ['a']);
    await groups.remove('g', old, ['a']);
    expect(await members()).toEqual([]);
    const key = await groups.add('g', old, ['b']);
    expect(key).not.toBe(old);
    expect(await keyOf('g')).toBe(key);
  });

  it('uses the current key when the stored one belongs to another group', async () => {
    const other = await groups.add('other', null, ['x']);
    const key = await groups.add('g', null, ['a']);
    expect(await groups.add('g', other, ['b'])).toBe(key);
    await groups.remove('g', other, ['a']);
    expect(await members()).toEqual([
      ['g', ['b']],
      ['other', ['x']],
    ]);
  });

  it('treats removing a missing group or a non-member as done', async () => {
    await expect(groups.remove('g', null, ['a'])).resolves.toBeUndefined();
    const key = await groups.add('g', null, ['a']);
    await expect(
      groups.remove('g', key, ['not-a-member']),
    ).resolves.toBeUndefined();
    expect(await members()).toEqual([['g', ['a']]]);
  });

  it.each([
    ['a 500', {mode: 'http500' as const}],
    ['a 503', {mode: 'http503' as const}],
    ['an unknown 400', {mode: 'http400' as const, error: 'quota exceeded'}],
    ['a timeout', {mode: 'timeout' as const}],
    ['a closed connection', {mode: 'close' as const}],
  ])('answers 503 with Retry-After for %s', async (_case, fault) => {
    await fcm.injectFault({...fault, project: senderId});
    const error = (await groups
      .add('g', null, ['a'])
      .catch((e: unknown) => e)) as AppError;
    expect(error).toMatchObject({
      status: 503,
      code: 'unavailable',
      headers: {'Retry-After': '5'},
    });
    expect(error.body).toEqual({
      message:
        'Firebase Cloud Messaging is temporarily unavailable. Please retry.',
    });
  });
});
