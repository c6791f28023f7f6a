/**
 * The operator's user commands, run as a person runs them (`npm run user -- …`), against the
 * functions and the emulators: list and show read what registrations wrote, never showing a
 * hash, a key or a whole token; delete goes through the devices backend so that FCM's group
 * and Firestore agree afterwards, refuses what would make them disagree, and finishes when
 * run again after it stopped half-way.
 */
import {Timestamp} from 'firebase-admin/firestore';
import {tokenId} from '../../../shared/firestore/collections';
import {
  describeWithFirestore,
  fcmEmulatorHost,
  firestoreEmulatorHost,
} from '../../support/emulators';
import {
  PREFIX,
  startDeviceStack,
  type DeviceStack,
} from '../../support/device-stack';
import {buildOnce, cleanEnv, npmRun} from './stack-process';

jest.setTimeout(180_000);

beforeAll(() => buildOnce());

describeWithFirestore('npm run user: list, show and delete', () => {
  let stack: DeviceStack;
  beforeAll(async () => {
    stack = await startDeviceStack();
  });
  afterAll(async () => stack.close());

  const env = (extra: Record<string, string> = {}) =>
    cleanEnv({
      FIRESTORE_EMULATOR_HOST: firestoreEmulatorHost(),
      FCM_EMULATOR_HOST: fcmEmulatorHost(),
      GOOGLE_CLOUD_PROJECT: stack.projectId,
      FCM_SENDER_ID: stack.senderId,
      DEVICE_GROUP_PREFIX: PREFIX,
      ...extra,
    });
  const user = (args: string[], extra: Record<string, string> = {}) =>
    npmRun(['run', 'user', '--', ...args], env(extra));

  const PASSWORD = 'long enough';
  async function createUser(id: string, email: string, name?: string) {
    const run = await npmRun(
      [
        'run',
        'user',
        '--',
        'create',
        '--id',
        id,
        '--email',
        email,
        '--cost',
        '4',
        '--password-stdin',
        ...(name ? ['--name', name] : []),
      ],
      env(),
      `${PASSWORD}\n`,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  }
  async function register(id: string, email: string, token: string) {
    const reply = await stack.send(
      'POST',
      `/api/users/${id}/fcm_registration_tokens`,
      {
        auth: `Basic ${Buffer.from(`${email}:${PASSWORD}`).toString('base64')}`,
        body: {registration_id: token},
      },
    );
    expect(reply.status).toBe(201);
  }
  const lastSeen = async (token: string) =>
    (
      (
        await stack.db
          .collection('fcm_registration_tokens')
          .doc(tokenId(token))
          .get()
      ).get('updated_at') as Timestamp
    )
      .toDate()
      .toISOString()
      .slice(0, 19)
      .replace('T', ' ') + ' UTC';

  const ALICE_TOKENS = [
    'alice-phone-0123456789abcdef',
    'alice-tablet-0123456789abcdef',
  ];

  beforeAll(async () => {
    await createUser('10', 'Alice@Example.com', 'Alice');
    await createUser('11', 'alan@example.com');
    await createUser('12', 'bob@example.com');
    for (const token of ALICE_TOKENS)
      await register('10', 'alice@example.com', token);
  });

  it('lists every user by id with devices and last seen, and by email prefix', async () => {
    const seen = await lastSeen(ALICE_TOKENS[1]!);
    const all = await user(['list']);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(
      [
        'ID  EMAIL              DEVICES  LAST SEEN                NAME',
        `10  alice@example.com  2        ${seen}  Alice`,
        '11  alan@example.com   0        -',
        '12  bob@example.com    0        -',
        '3 users.',
        '',
      ].join('\n'),
    );
    const al = await user(['list', '--email', 'AL']);
    expect(al.stdout).toBe(
      [
        'ID  EMAIL              DEVICES  LAST SEEN                NAME',
        '11  alan@example.com   0        -',
        `10  alice@example.com  2        ${seen}  Alice`,
        '2 users.',
        '',
      ].join('\n'),
    );
    const one = await user(['list', '--limit', '1']);
    expect(one.stdout).toContain(
      'More users follow: narrow the list with --email PREFIX, or raise --limit (now 1).\n',
    );
    expect((await user(['list', '--email', 'zed'])).stdout).toBe(
      'No user\'s email starts with "zed".\n',
    );
  });

  it('shows a user with their devices, never the hash, the key or a whole token', async () => {
    const run = await user(['show', '10']);
    expect(run.code).toBe(0);
    const rows = await Promise.all(
      [...ALICE_TOKENS].reverse().map(async t => {
        const seen = await lastSeen(t);
        return `    ${tokenId(t)}  ${seen}  ${seen}  ${t.slice(0, 12)}… (${t.length} characters)`;
      }),
    );
    expect(run.stdout).toBe(
      [
        'User 10',
        '  email             alice@example.com',
        '  name              Alice',
        '  password          set (a bcrypt hash, not shown)',
        '  FCM device group  notification key stored (not shown)',
        `  devices           2, last seen ${await lastSeen(ALICE_TOKENS[1]!)}`,
        '  login throttle    no failed logins in the kept windows',
        '    TOKEN ID                                     LAST SEEN                REGISTERED               TOKEN',
        ...rows,
        '',
      ].join('\n'),
    );
    const doc = (await stack.db.collection('users').doc('10').get()).data()!;
    expect(run.stdout).not.toContain(doc.password as string);
    expect(run.stdout).not.toContain(doc.notification_key as string);
    for (const token of ALICE_TOKENS) expect(run.stdout).not.toContain(token);

    const missing = await user(['show', '99']);
    expect({code: missing.code, stderr: missing.stderr}).toEqual({
      code: 1,
      stderr: 'No user 99.\n',
    });
  });

  it("shows a user's login throttle counters, and unthrottle clears them", async () => {
    const guess = () =>
      stack.send('DELETE', '/api/users/10/fcm_registration_tokens', {
        auth: `Basic ${Buffer.from('alice@example.com:wrong guess').toString('base64')}`,
        body: {registration_id: 'any-token'},
        headers: {'X-Forwarded-For': '203.0.113.50'},
      });
    for (let i = 0; i < 10; i++) expect((await guess()).status).toBe(401);
    expect((await guess()).status).toBe(429);
    const shown = await user(['show', '10']);
    expect(shown.stdout).toContain(
      '  login throttle    failed logins of this email below (clear with `npm run user -- unthrottle EMAIL`)\n',
    );
    expect(shown.stdout).toMatch(
      /\n {4}WINDOW +ALL CLIENTS +FROM ADDRESSES \(HOW MANY\) +FROM REGISTERED DEVICES \(HOW MANY\)\n {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +10 +10 \(1\) +0 \(0\)\n/,
    );
    const cleared = await user(['unthrottle', 'Alice@Example.com']);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(
      /^Cleared \d+ login throttle counters of alice@example\.com; its owner can sign in from any device now\.\n$/,
    );
    // The address may try again: its own counter for this email is gone.
    expect((await guess()).status).toBe(401);
    expect(await user(['unthrottle', 'nobody@example.com'])).toMatchObject({
      code: 0,
      stdout:
        'No login throttle counters for nobody@example.com: nothing to clear.\n',
    });
    expect((await user(['unthrottle', 'not-an-email'])).code).toBe(2);
  });

  it('refuses, changing nothing, a delete that would leave the devices in their FCM group', async () => {
    const before = await stack.snapshot();
    const firestore = await user(['delete', '10'], {
      DEVICE_GROUPS: 'firestore',
    });
    expect(firestore.code).toBe(1);
    expect(firestore.stderr).toBe(
      'User 10 has an FCM device group (a notification key is stored), which DEVICE_GROUPS=firestore does not touch: run the delete with DEVICE_GROUPS=fcm (and FCM_EMULATOR_HOST or FCM_SENDER_ID) so that their devices leave the group too. Nothing was changed.\n',
    );
    const prefix = await user(['delete', '10'], {DEVICE_GROUP_PREFIX: 'other'});
    expect(prefix.code).toBe(1);
    expect(prefix.stderr).toContain(
      'FCM has no group named other_users-10, although user 10 has a notification key stored: either DEVICE_GROUP_PREFIX (now "other") is not the functions\' value',
    );
    expect(await stack.snapshot()).toEqual(before);
  });

  it('deletes the user, their tokens through the backend, their group and their email entry', async () => {
    const run = await user(['delete', '10']);
    expect({code: run.code, stderr: run.stderr}).toEqual({code: 0, stderr: ''});
    expect(run.stdout).toBe(
      [
        'Deleting user 10 (DEVICE_GROUPS=fcm):',
        '  1. user document: deleted; the user can no longer log in',
        '  2. tokens: 2 tokens removed',
        '  3. device group: gone',
        '  4. email entry: deleted (alice@example.com is free again)',
        'User 10 is deleted.',
        '',
      ].join('\n'),
    );
    const after = await stack.snapshot();
    expect(after.tokens['10']).toBeUndefined();
    expect(after.keys['10']).toBeUndefined();
    expect(after.locks).toEqual([]);
    expect(
      after.groups.find(g => g.notification_key_name === `${PREFIX}_users-10`),
    ).toBeUndefined();
    expect((await stack.db.collection('users').doc('10').get()).exists).toBe(
      false,
    );
    const emails = await stack.db
      .collection('user_emails')
      .where('user_id', '==', '10')
      .get();
    expect(emails.empty).toBe(true);
    // The login is gone, and the email can be taken again.
    const reply = await stack.send(
      'POST',
      '/api/users/10/fcm_registration_tokens',
      {
        auth: `Basic ${Buffer.from(`alice@example.com:${PASSWORD}`).toString('base64')}`,
        body: {registration_id: 'late-device'},
      },
    );
    expect(reply.status).toBe(401);
    await createUser('13', 'alice@example.com');

    const again = await user(['delete', '10']);
    expect(again.stdout).toBe(
      'Nothing of user 10 is left: nothing to delete.\n',
    );
    expect(again.code).toBe(0);
  });

  it('finishes, when run again, a delete that stopped half-way', async () => {
    // Bob's devices were registered by the firestore backend: no group, so the only FCM
    // calls are the removals' group lookups, and an FCM outage stops the delete there.
    const tokens = [
      'bob-phone-0123456789abcdef',
      'bob-tablet-0123456789abcdef',
    ];
    const at = Timestamp.now();
    const batch = stack.db.batch();
    for (const token of tokens) {
      batch.set(
        stack.db.collection('fcm_registration_tokens').doc(tokenId(token)),
        {
          user_id: '12',
          registration_id: token,
          created_at: at,
          updated_at: at,
        },
      );
      batch.set(
        stack.db.collection('users').doc('12'),
        {devices: {[tokenId(token)]: {registration_id: token, updated_at: at}}},
        {merge: true},
      );
    }
    await batch.commit();
    await stack.fcm.injectFault({
      mode: 'http503',
      count: 20,
      project: stack.senderId,
    });
    const stopped = await user(['delete', '12']);
    await stack.fcm.clearFaults(stack.senderId);
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toBe(
      [
        'Deleting user 12 (DEVICE_GROUPS=fcm):',
        '  1. user document: deleted; the user can no longer log in',
        '  2. tokens: 0 of 2 removed',
        '',
      ].join('\n'),
    );
    expect(stopped.stderr).toMatch(
      /Removing token \S+ failed \(.*\)\. Run the same command again to finish\.\n$/,
    );
    expect((await stack.snapshot()).tokens['12']).toEqual(tokens);
    const shown = await user(['show', '12']);
    expect(shown.stderr).toBe(
      'No user 12, but 2 token documents still name it (a delete that stopped half-way?): `npm run user -- delete 12` finishes it.\n',
    );

    const finished = await user(['delete', '12']);
    // The removal FCM refused left its lease pending: the next removal settles it first.
    expect({code: finished.code, stderr: finished.stderr}).toEqual({
      code: 0,
      stderr:
        '{"severity":"WARNING","message":"reconciling a device group left pending by a failed operation","userId":"12","pending":1}\n',
    });
    expect(finished.stdout).toBe(
      [
        'Deleting user 12 (DEVICE_GROUPS=fcm):',
        '  1. user document: already gone',
        '  2. tokens: 2 tokens removed',
        '  3. device group: gone',
        '  4. email entry: deleted (bob@example.com is free again)',
        'User 12 is deleted.',
        '',
      ].join('\n'),
    );
    const after = await stack.snapshot();
    expect(after.tokens['12']).toBeUndefined();
    expect(after.locks).toEqual([]);
    expect((await stack.db.collection('users').doc('12').get()).exists).toBe(
      false,
    );
  });
});
