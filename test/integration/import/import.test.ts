/**
 * The Laravel importer against a real MariaDB loaded with fixtures.sql (every defect the
 * importer handles), the Firestore emulator and the FCM emulator, with the local stack's
 * demo user in place: the report's counts, the documents left behind, a second run, an
 * interrupted run resumed, --reconcile, a migrated user registering a device with their
 * old Laravel password, and a re-import while both apps serve (API calls and the user
 * command between two imports, Laravel changing too).
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Timestamp} from 'firebase-admin/firestore';
import {emailId, tokenId} from '../../../shared/firestore/collections';
import {createFcmDeviceGroups} from '../../../shared/devices/fcm-groups/group-client';
import {emulatorTokenSource} from '../../../shared/fcm/access-token';
import {createLogger} from '../../../shared/platform/logger';
import type {ImportReport} from '../../../tools/import-laravel/report';
import {DEMO_USER, seedDemoUser} from '../../../tools/local-stack/seed';
import {
  basic,
  PREFIX,
  startDeviceStack,
  violations,
  type DeviceStack,
} from '../../support/device-stack';
import {fcmEmulatorUrl} from '../../support/emulators';
import {
  MARIADB_PASSWORD,
  startMariaDb,
  type RunningMariaDb,
} from '../../support/mariadb';
import {tombstones} from '../../support/tombstones';
import {describeWithMariaDb} from './describe-with-mariadb';
import {
  USER_COMMAND,
  runImporter,
  runUserCommand,
  startCommand,
  startImporter,
} from './run-command';

jest.setTimeout(180_000);

const FIXTURES = readFileSync(path.join(__dirname, 'fixtures.sql'), 'utf8');
const OUT = mkdtempSync(path.join(os.tmpdir(), 'import-laravel-'));
afterAll(() => rmSync(OUT, {recursive: true, force: true}));

/** The counts a full run of fixtures.sql gives here (user 1 is the demo user, heidi's email is taken). */
const FULL_COUNTS = {
  users: {
    read: 8,
    created: 5,
    updated: 0,
    replaced: 1,
    recorded: 0,
    unchanged: 0,
    keptChangedInNewApp: 0,
    keptDeletedInNewApp: 0,
    skippedIdTakenInNewApp: 0,
    skippedEmailTakenByLowerId: 1,
    skippedEmailOwnedInFirestore: 1,
    skippedMissingEmailOrPassword: 0,
  },
  tokens: {
    created: 28,
    updated: 0,
    recorded: 0,
    unchanged: 0,
    removedInLaravel: 0,
    keptChangedInNewApp: 0,
    keptRemovedInNewApp: 0,
    keptAddedInNewApp: 0,
    ownedByAnotherUserInFirestore: 0,
    duplicateRowsDropped: 3,
    overLimitDropped: 2,
    ofMissingUsers: 3,
    ofSkippedUsers: 1,
    invalidRows: 1,
  },
  ghostEntriesRemoved: 0,
  userEmails: {written: 6, unchanged: 0, freed: 1},
  nullTimestampsFilled: 3,
  notificationKeys: {
    fromColumn: 1,
    keptFromFirestore: 0,
    lookedUpByGroupName: 1,
    notFound: 4,
  },
  reconcile: {rebuilt: 0, failed: 0},
  documentsWritten: 0,
  transactionRetries: 0,
};

const CAROL = Array.from(
  {length: 20},
  (_, i) => `carol-${String(i + 3).padStart(2, '0')}`,
);
/** Registration ids per user id once imported. */
const EXPECTED_TOKENS: Record<string, string[]> = {
  '1': ['alice-phone', 'alice-tablet', 'shared-token'],
  '2': ['bob-laptop', 'bob-phone'],
  '3': CAROL,
  '4': ['dave-phone'],
  '6': ['frank-phone'],
  '7': ['grace-phone'],
};

describeWithMariaDb('npm run import-laravel', () => {
  let maria: RunningMariaDb;
  let stack: DeviceStack;
  let frankKey: string;
  let env: Record<string, string>;

  /** Runs the importer; nothing it prints may hold the database password. */
  async function run(name: string, ...extra: string[]) {
    const result = await runImporter(
      [
        '--mysql',
        maria.url('laravel', false),
        '--report',
        path.join(OUT, `${name}.json`),
        ...extra,
      ],
      env,
    );
    expect(result.stdout + result.stderr).not.toContain(MARIADB_PASSWORD);
    return result;
  }
  const report = (name: string): ImportReport =>
    JSON.parse(readFileSync(path.join(OUT, `${name}.json`), 'utf8'));

  /** Every document the importer or the API may write, with its update time. */
  async function documents(): Promise<Record<string, string>> {
    const found: Record<string, string> = {};
    for (const collection of [
      'users',
      'fcm_registration_tokens',
      'user_emails',
      'device_tombstones',
    ]) {
      for (const doc of (await stack.db.collection(collection).get()).docs)
        found[`${collection}/${doc.id}`] = doc.updateTime
          .toDate()
          .toISOString();
    }
    return found;
  }
  const userDoc = async (id: string) =>
    (await stack.db.collection('users').doc(id).get()).data();
  const emailOwner = async (email: string) =>
    (await stack.db.collection('user_emails').doc(emailId(email)).get()).get(
      'user_id',
    ) as string | undefined;
  const devicesPath = (id: string) =>
    `/api/users/${id}/fcm_registration_tokens`;

  beforeAll(async () => {
    [maria, stack] = await Promise.all([startMariaDb(), startDeviceStack()]);
    await maria.sql('CREATE DATABASE laravel');
    await maria.sql(FIXTURES, 'laravel');
    env = {
      LARAVEL_DB_PASSWORD: MARIADB_PASSWORD,
      GOOGLE_CLOUD_PROJECT: stack.projectId,
      FCM_SENDER_ID: stack.senderId,
      DEVICE_GROUP_PREFIX: PREFIX,
    };
    // What `npm start` seeds: the demo user 1, whom Laravel's user 1 replaces.
    expect(await seedDemoUser(stack.projectId)).toEqual({kind: 'created'});
    // The Laravel app made frank's group but left the column empty: the key is looked up.
    const groups = createFcmDeviceGroups({
      baseUrl: fcmEmulatorUrl(),
      senderId: stack.senderId,
      timeoutMs: 5000,
      accessToken: emulatorTokenSource,
      log: createLogger('ERROR'),
    });
    frankKey = await groups.add(
      `${PREFIX}_users-6`,
      null,
      ['frank-phone'],
      new AbortController().signal,
    );
    // Someone took heidi's email in the new app already: heidi is skipped.
    await stack.db
      .collection('users')
      .doc('42')
      .set({email: 'heidi@example.com', password: 'x'});
    await stack.db
      .collection('user_emails')
      .doc(emailId('heidi@example.com'))
      .set({user_id: '42', email: 'heidi@example.com'});
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), maria?.stop()]);
  });

  it('refuses a password in the --mysql URL, naming LARAVEL_DB_PASSWORD and the prompt, and prints it nowhere', async () => {
    const before = await documents();
    const result = await runImporter(
      [
        '--mysql',
        maria.url('laravel'),
        '--report',
        path.join(OUT, 'refused.json'),
      ],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^error: --mysql must not hold a password: .*LARAVEL_DB_PASSWORD.*prompt\n/,
    );
    expect(result.stdout + result.stderr).not.toContain(MARIADB_PASSWORD);
    expect(() => report('refused')).toThrow(/ENOENT/);
    expect(await documents()).toEqual(before);
  });

  it('--dry-run writes nothing and prints the report a real run would', async () => {
    const before = await documents();
    const result = await run('dry', '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('DRY RUN: nothing was written');
    const dry = report('dry');
    expect(dry.counts).toEqual(FULL_COUNTS);
    expect(dry.skippedUsers).toEqual([
      {id: '5', reason: 'email-taken-by-lower-id', owner: '1'},
      {id: '9', reason: 'email-owned-in-firestore', owner: '42'},
    ]);
    expect(await documents()).toEqual(before);
    expect(await stack.fcm.groups(stack.senderId)).toHaveLength(1);
  });

  it('an import killed mid-way finishes correctly when resumed with --since-user-id', async () => {
    const first = startImporter(
      [
        '--mysql',
        maria.url('laravel', false),
        '--report',
        path.join(OUT, 'killed.json'),
        '--page-size',
        '1',
        '--progress-every',
        '1',
      ],
      env,
    );
    const line = await first.waitFor(/last user written (\d+)/);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const resumedAfter = line[1]!;
    expect(Number(resumedAfter)).toBeLessThan(9);

    const resumed = await run('resumed', '--since-user-id', resumedAfter);
    expect(resumed.code).toBe(0);
    expect(report('resumed')).toMatchObject({
      status: 'completed',
      lastUserWritten: '9',
    });

    const state = await stack.snapshot();
    expect(state.tokens).toEqual(EXPECTED_TOKENS);
    expect(state.devices).toEqual(EXPECTED_TOKENS);
    expect(state.keys).toEqual({
      '4': 'laravel-notification-key-of-dave',
      '6': frankKey,
    });
    const users = await stack.db.collection('users').get();
    expect(users.docs.map(d => d.id).sort()).toEqual([
      '1',
      '2',
      '3',
      '4',
      '42',
      '6',
      '7',
    ]);
    const bob = (await userDoc('2'))!;
    expect(bob).toMatchObject({email: 'bob@example.com', name: 'Bob'});
    expect(bob.password).toMatch(/^\$2y\$10\$/);
    expect(bob.imported.hash).toMatch(/^[\w-]{43}$/);
    expect(bob.imported.laravel_updated_at.toDate().toISOString()).toBe(
      '2023-12-02T10:00:00.000Z',
    );
    // The demo user was replaced, and its email went with it.
    expect(await userDoc('1')).toMatchObject({
      email: 'alice@example.com',
      name: 'Alice',
    });
    expect(await emailOwner(DEMO_USER.email)).toBeUndefined();
    const emails = await stack.db.collection('user_emails').get();
    expect(
      emails.docs
        .map(d => d.data())
        .sort((a, b) => a.user_id.localeCompare(b.user_id)),
    ).toEqual(
      [
        '1:alice',
        '2:bob',
        '3:carol',
        '4:dave',
        '42:heidi',
        '6:frank',
        '7:grace',
      ].map(s => {
        const [id, name] = s.split(':');
        return {user_id: id, email: `${name}@example.com`};
      }),
    );
    const token = async (id: string) =>
      (
        await stack.db
          .collection('fcm_registration_tokens')
          .doc(tokenId(id))
          .get()
      ).data()!;
    const phone = await token('alice-phone');
    expect((phone.created_at as Timestamp).toDate().toISOString()).toBe(
      '2024-01-10T08:00:00.000Z',
    );
    expect((phone.updated_at as Timestamp).toDate().toISOString()).toBe(
      '2024-03-10T08:00:00.000Z',
    );
    expect(phone.user_id).toBe('1');
    expect(phone.imported.hash).toMatch(/^[\w-]{43}$/);
    expect((await token('shared-token')).user_id).toBe('1');
    expect((await token('bob-laptop')).updated_at.toDate().toISOString()).toBe(
      '2024-04-04T08:00:00.000Z',
    );
    // NULL timestamps became the time of the run that wrote them.
    const tablet = await token('alice-tablet');
    expect(tablet.created_at.toMillis()).toBe(tablet.updated_at.toMillis());
    expect(tablet.created_at.toMillis()).toBeGreaterThan(
      Date.parse('2025-01-01'),
    );
  });

  it('a second run with nothing changed writes nothing and says so', async () => {
    const before = await documents();
    const again = await run('again');
    expect(again.code).toBe(0);
    const counts = report('again').counts;
    expect(counts.users).toMatchObject({
      created: 0,
      updated: 0,
      replaced: 0,
      unchanged: 6,
    });
    expect(counts.tokens).toMatchObject({created: 0, unchanged: 28});
    expect(counts.userEmails).toEqual({written: 0, unchanged: 6, freed: 0});
    expect(counts.nullTimestampsFilled).toBe(0);
    expect(counts.documentsWritten).toBe(0);
    expect(await documents()).toEqual(before);
  });

  it('--reconcile makes every FCM group match what was imported', async () => {
    const result = await run('reconcile', '--reconcile');
    expect(result.code).toBe(0);
    expect(report('reconcile').counts.reconcile).toEqual({
      rebuilt: 6,
      failed: 0,
    });
    const state = await stack.snapshot();
    expect(violations(state)).toEqual([]);
    expect(
      Object.fromEntries(
        state.groups.map(g => [g.notification_key_name, g.registration_ids]),
      ),
    ).toEqual(
      Object.fromEntries(
        Object.entries(EXPECTED_TOKENS).map(([id, tokens]) => [
          `${PREFIX}_users-${id}`,
          tokens,
        ]),
      ),
    );
  });

  it('a migrated user registers a device with their old Laravel ($2y$) password', async () => {
    const reply = await stack.send('POST', devicesPath('1'), {
      auth: basic('Alice@Example.com', 'alice-password'),
      body: {registration_id: 'alice-new-phone'},
    });
    expect(reply.status).toBe(201);
    const state = await stack.snapshot();
    expect(state.tokens['1']).toEqual([
      'alice-new-phone',
      ...EXPECTED_TOKENS['1']!,
    ]);
    expect(violations(state)).toEqual([]);
    const wrong = await stack.send('POST', devicesPath('1'), {
      auth: basic('alice@example.com', 'not-her-password'),
      body: {registration_id: 'alice-new-phone'},
    });
    expect(wrong.status).toBe(401);
  });

  describe('a re-import while both apps serve', () => {
    const alice = basic('alice@example.com', 'alice-password');
    const carolOld = basic('carol@example.com', 'alice-password');
    const carolNew = basic('carol@example.com', 'carol-new-password');

    it('keeps every change the new app made, brings over what Laravel changed, and counts each kept change', async () => {
      // The new app: alice signs a phone out; carol's password is reset with the user
      // command, then carol registers a phone (at 20 devices: carol-03 is evicted).
      expect(
        (
          await stack.send('DELETE', devicesPath('1'), {
            auth: alice,
            body: {registration_id: 'alice-phone'},
          })
        ).status,
      ).toBe(204);
      const reset = await runUserCommand(
        ['--id', '3', '--email', 'carol@example.com', '--cost', '4'],
        'carol-new-password',
      );
      expect(reset).toMatchObject({code: 0, stderr: ''});
      expect(
        (
          await stack.send('POST', devicesPath('3'), {
            auth: carolNew,
            body: {registration_id: 'carol-new-phone'},
          })
        ).status,
      ).toBe(201);
      // The Laravel app meanwhile: bob registers a tablet, dave changes his email, grace
      // signs her phone out, carol changes her name (the new app's password stands).
      await maria.sql(
        `INSERT INTO fcm_registration_tokens (user_id, registration_id, created_at, updated_at)
           VALUES (2, 'bob-tablet', '2024-06-01 08:00:00', '2024-06-01 08:00:00');
         UPDATE users SET email = 'dave@new.example.com', updated_at = '2024-06-02 08:00:00' WHERE id = 4;
         DELETE FROM fcm_registration_tokens WHERE registration_id = 'grace-phone';
         UPDATE users SET name = 'Caroline', updated_at = '2024-06-03 08:00:00' WHERE id = 3;`,
        'laravel',
      );

      const result = await run('live', '--reconcile');

      expect(result.code).toBe(0);
      const counts = report('live').counts;
      expect(counts.users).toMatchObject({
        updated: 1, // dave
        unchanged: 4,
        keptChangedInNewApp: 1, // carol
        created: 0,
        replaced: 0,
      });
      expect(counts.tokens).toMatchObject({
        created: 1, // bob-tablet
        updated: 0,
        unchanged: 28 - 3, // all but alice-phone, carol-03 and grace-phone
        removedInLaravel: 1, // grace-phone
        keptRemovedInNewApp: 2, // alice-phone, carol-03
        keptAddedInNewApp: 2, // alice-new-phone, carol-new-phone
        keptChangedInNewApp: 0,
      });
      expect(counts.userEmails).toEqual({written: 1, unchanged: 4, freed: 1});
      expect(counts.reconcile).toEqual({rebuilt: 6, failed: 0});
      expect(result.stdout).toContain(
        'kept (changed in the new app) 1, kept deleted (deleted in the new app) 0\n',
      );
      expect(result.stdout).toContain(
        'kept (changed in the new app) 0, kept removed (removed in the new app) 2, kept (added in the new app) 2,',
      );

      const state = await stack.snapshot();
      expect(state.tokens).toEqual({
        '1': ['alice-new-phone', 'alice-tablet', 'shared-token'],
        '2': ['bob-laptop', 'bob-phone', 'bob-tablet'],
        '3': [...CAROL.slice(1), 'carol-new-phone'].sort(),
        '4': ['dave-phone'],
        '6': ['frank-phone'],
      });
      expect(state.devices).toEqual(state.tokens);
      expect(violations(state)).toEqual([]);
      expect(await tombstones(stack.db)).toEqual({
        [tokenId('alice-phone')]: '1:removed',
        [tokenId('carol-03')]: '3:evicted',
      });
      // Carol's reset password stands, and so does her name; dave's new email came over.
      for (const [auth, status] of [
        [carolOld, 401],
        [carolNew, 200],
      ] as const)
        expect(
          (
            await stack.send('POST', devicesPath('3'), {
              auth,
              body: {registration_id: 'carol-new-phone'},
            })
          ).status,
        ).toBe(status);
      expect(await userDoc('3')).toMatchObject({name: 'Carol'});
      expect(await userDoc('4')).toMatchObject({email: 'dave@new.example.com'});
      expect(await emailOwner('dave@new.example.com')).toBe('4');
      expect(await emailOwner('dave@example.com')).toBeUndefined();
    });

    it('a further import with nothing changed on either side writes nothing, and still reports the kept changes', async () => {
      const before = await documents();
      const again = await run('live-again');
      expect(again.code).toBe(0);
      const counts = report('live-again').counts;
      expect(counts.documentsWritten).toBe(0);
      expect(counts.users).toMatchObject({
        unchanged: 5,
        keptChangedInNewApp: 1,
      });
      expect(counts.tokens).toMatchObject({
        created: 0,
        updated: 0,
        removedInLaravel: 0,
        keptRemovedInNewApp: 2,
        // carol-new-phone was registered again (refreshed) by the status check above
        keptAddedInNewApp: 2,
      });
      expect(await documents()).toEqual(before);
    });

    it('never recreates a user deleted in the new app, nor a Laravel-only device signed out there', async () => {
      // Laravel: bob registers a watch, which no import has brought over yet.
      await maria.sql(
        `INSERT INTO fcm_registration_tokens (user_id, registration_id, created_at, updated_at)
           VALUES (2, 'bob-watch', '2024-06-05 08:00:00', '2024-06-05 08:00:00');`,
        'laravel',
      );
      // The new app: bob signs the watch out (a token Firestore never held: 204, and a
      // tombstone), and an operator deletes frank.
      expect(
        (
          await stack.send('DELETE', devicesPath('2'), {
            auth: basic('bob@example.com', 'bob-password'),
            body: {registration_id: 'bob-watch'},
          })
        ).status,
      ).toBe(204);
      const deleted = await startCommand(USER_COMMAND, ['delete', '6']).done;
      expect(deleted).toMatchObject({code: 0});

      const result = await run('after-deletes');

      expect(result.code).toBe(0);
      const counts = report('after-deletes').counts;
      expect(counts.users).toMatchObject({keptDeletedInNewApp: 1, created: 0});
      expect(counts.tokens).toMatchObject({created: 0, keptRemovedInNewApp: 3});
      expect(result.stdout).toContain(
        'kept deleted (deleted in the new app) 1\n',
      );
      expect(await userDoc('6')).toBeUndefined();
      const state = await stack.snapshot();
      expect(state.tokens['2']).toEqual([
        'bob-laptop',
        'bob-phone',
        'bob-tablet',
      ]);
      expect(state.tokens['6']).toBeUndefined();
      expect(violations(state)).toEqual([]);
      expect(await tombstones(stack.db)).toMatchObject({
        [tokenId('bob-watch')]: '2:removed',
        [tokenId('frank-phone')]: '6:user-deleted',
      });
    });
  });
});
