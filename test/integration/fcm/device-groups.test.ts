/**
 * The FCM device-group client against the FCM emulator over HTTP: the documented
 * protocol, recovery where the remote state says how, and 503 for everything else.
 */
import {createFcmDeviceGroups} from '../../../shared/fcm/device-groups';
import {createLogger} from '../../../shared/platform/logger';
import type {AppError} from '../../../shared/platform/errors';
import {fcmControl} from '../../../tools/fcm-emulator/control';
import {fcmEmulatorUrl, uniqueSenderId} from '../../support/emulators';

describe('FCM device-group client', () => {
  const senderId = uniqueSenderId();
  const fcm = fcmControl(fcmEmulatorUrl());
  const groups = createFcmDeviceGroups({
    baseUrl: fcmEmulatorUrl(),
    senderId,
    timeoutMs: 500,
    accessToken: async () => 'test-token',
    log: createLogger('ERROR'),
  });
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
