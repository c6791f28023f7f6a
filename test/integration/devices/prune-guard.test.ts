/**
 * Pruning removes a token only if it is still stale under the user's lease, so a device
 * that registers again while cron runs keeps its token.
 */
import {parseConfig} from '../../../shared/platform/config';
import {createLogger} from '../../../shared/platform/logger';
import {createRuntime} from '../../../shared/runtime';
import {describeWithFirestore, fcmEmulatorHost} from '../../support/emulators';
import {
  startDeviceStack,
  violations,
  type DeviceStack,
} from '../../support/device-stack';

describeWithFirestore('removal guarded by staleness', () => {
  let stack: DeviceStack;
  let auth: string;
  beforeAll(async () => {
    stack = await startDeviceStack();
    auth = await stack.seedUser('1', 'one@example.com', 'pw');
  });
  afterAll(async () => stack.close());

  it('keeps a token refreshed after the cutoff and removes one older than it', async () => {
    const runtime = createRuntime(
      parseConfig({
        GOOGLE_CLOUD_PROJECT: stack.projectId,
        FCM_SENDER_ID: stack.senderId,
        FCM_EMULATOR_HOST: fcmEmulatorHost(),
        DEVICE_GROUP_PREFIX: 'test',
      }),
      createLogger('ERROR'),
    );
    const path = '/api/users/1/fcm_registration_tokens';
    await stack.send('POST', path, {auth, body: {registration_id: 'fresh'}});
    await stack.send('POST', path, {auth, body: {registration_id: 'stale'}});
    await stack.db
      .collection('fcm_registration_tokens')
      .where('registration_id', '==', 'stale')
      .get()
      .then(q =>
        q.docs[0]!.ref.update({updated_at: new Date('2020-01-01T00:00:00Z')}),
      );
    const cutoff = new Date(Date.now() - 60_000);
    expect(
      await runtime.devices.remove('1', 'fresh', {onlyIfUpdatedBefore: cutoff}),
    ).toBe(false);
    expect(
      await runtime.devices.remove('1', 'stale', {onlyIfUpdatedBefore: cutoff}),
    ).toBe(true);
    const state = await stack.snapshot();
    expect(state.tokens).toEqual({'1': ['fresh']});
    expect(violations(state)).toEqual([]);
  });
});
