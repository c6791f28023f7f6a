import type {DeliveryOutcome} from '../../../shared/notify';
import {judge} from '../../../tools/notify/verdict';

function result(...outcomes: DeliveryOutcome[]) {
  const sent = outcomes.filter(o => o === 'sent').length;
  return {
    sent,
    failed: outcomes.length - sent,
    removed: outcomes.filter(o => o === 'removed').length,
    results: outcomes.map((outcome, i) => ({token_id: `t${i}`, outcome})),
  };
}

const context = (deviceGroups: 'fcm' | 'firestore', hasKey = true) => ({
  userId: '7',
  deviceGroups,
  hasNotificationKey: () => Promise.resolve(hasKey),
});

describe('judge (npm run notify)', () => {
  it.each<
    [
      string,
      ReturnType<typeof result>,
      ReturnType<typeof context>,
      0 | 1,
      string | undefined,
    ]
  >([
    [
      'every device sent to',
      result('sent', 'sent'),
      context('fcm'),
      0,
      undefined,
    ],
    [
      'a user without devices',
      result(),
      context('firestore'),
      0,
      'User 7 has no devices: nothing to send.',
    ],
    [
      'some devices not reached',
      result('sent', 'removed', 'unavailable'),
      context('firestore'),
      1,
      "2 of user 7's 3 devices were not sent to: 1 removed (FCM said the token is dead), 1 not reached (FCM stayed unavailable through the retries).",
    ],
    [
      'nothing reached in firestore mode',
      result('removed', 'removed'),
      context('firestore'),
      1,
      "Nothing was sent to user 7's 2 devices: 2 removed (FCM said the token is dead).",
    ],
    [
      'fcm mode, devices but no group',
      result('failed'),
      context('fcm', false),
      1,
      'Nothing was sent: user 7 has 1 device but no FCM device group; their devices were most likely registered by a stack running DEVICE_GROUPS=firestore, while this command runs with DEVICE_GROUPS=fcm (the default). Run it with the backend the data was written with: DEVICE_GROUPS=firestore npm run notify -- ….',
    ],
  ])('%s', async (_name, r, c, code, note) => {
    expect(await judge(r, c)).toEqual(
      note === undefined ? {code} : {code, note},
    );
  });

  it('blames the group send in fcm mode when the user has a key', async () => {
    const verdict = await judge(result('failed', 'failed'), context('fcm'));
    expect(verdict.code).toBe(1);
    expect(verdict.note).toMatch(
      /^Nothing was sent to user 7's 2 devices: FCM refused the send to their notification key/,
    );
  });

  it('reads the key only when it matters', async () => {
    const hasNotificationKey = jest.fn(() => Promise.resolve(true));
    await judge(result('sent'), {...context('fcm'), hasNotificationKey});
    await judge(result('failed'), {
      ...context('firestore'),
      hasNotificationKey,
    });
    expect(hasNotificationKey).not.toHaveBeenCalled();
  });
});
