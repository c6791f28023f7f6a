/**
 * The Laravel importer against a real MariaDB loaded with fixtures.sql (every defect the
 * importer handles), the Firestore emulator and the FCM emulator: the report's counts, the
 * documents left behind, a second run, an interrupted run resumed, --reconcile, and a
 * migrated user registering a device with their old Laravel password.
 */
import {readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {mkdtempSync, rmSync} from 'node:fs';
import type {Timestamp} from 'firebase-admin/firestore';
import {emailId, tokenId} from '../../../shared/firestore/collections';
import {createFcmDeviceGroups} from '../../../shared/fcm/device-groups';
import {emulatorTokenSource} from '../../../shared/fcm/access-token';
import {createLogger} from '../../../shared/platform/logger';
import {parseImportArgs} from '../../../tools/import-laravel/args';
import type {ImportReport} from '../../../tools/import-laravel/report';
import {wallClockToDate} from '../../../tools/import-laravel/wall-clock';
import {
  basic,
  PREFIX,
  startDeviceStack,
  violations,
  type DeviceStack,
} from '../../support/device-stack';
import {fcmEmulatorUrl} from '../../support/emulators';
import {startMariaDb, type RunningMariaDb} from '../../support/mariadb';
import {describeWithMariaDb} from './describe-with-mariadb';
import {runImporter, startImporter} from './run-importer';

jest.setTimeout(180_000);

const FIXTURES = readFileSync(path.join(__dirname, 'fixtures.sql'), 'utf8');
const OUT = mkdtempSync(path.join(os.tmpdir(), 'import-laravel-'));
afterAll(() => rmSync(OUT, {recursive: true, force: true}));

describe('npm run import-laravel: arguments', () => {
  it('reports every bad flag at once and never the password', () => {
    const parsed = parseImportArgs([
      '--mysql',
      'mysql://u:hunter2@db:3306/',
      '--since-user-id',
      'x',
      '--time-zone',
      'Mars/Base',
      '--bogus',
      'stray',
    ]);
    expect(parsed.kind).toBe('usage');
    const problems = parsed.kind === 'usage' ? parsed.problems : [];
    expect(problems).toEqual([
      'unknown option --bogus',
      'unexpected argument "stray"',
      '--mysql must end with the database name (…/DB)',
      '--since-user-id must be a whole number (a user id)',
      '--time-zone must be an IANA time zone such as UTC or Europe/Paris, got "Mars/Base"',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('takes the password from LARAVEL_DB_PASSWORD when the URL has none', () => {
    const parsed = parseImportArgs(
      [
        '--mysql',
        'mysql://laravel@127.0.0.1/app',
        '--dry-run',
        '--since-user-id',
        '41',
      ],
      {LARAVEL_DB_PASSWORD: 'from-env'},
    );
    expect(parsed).toEqual({
      kind: 'run',
      args: {
        mysql: {
          host: '127.0.0.1',
          port: 3306,
          user: 'laravel',
          password: 'from-env',
          database: 'app',
        },
        dryRun: true,
        sinceUserId: 41n,
        timeZone: 'UTC',
        reconcile: false,
        reportPath: 'import-laravel-report.json',
        pageSize: 1000,
        progressEvery: 10000,
      },
    });
  });

  it('answers --help with the usage', () => {
    expect(parseImportArgs(['--help', '--bogus'])).toEqual({kind: 'help'});
  });

  it('reads wall-clock timestamps in the app time zone', () => {
    expect(
      wallClockToDate('2024-07-01 12:00:00', 'Europe/Paris')?.toISOString(),
    ).toBe('2024-07-01T10:00:00.000Z');
    expect(wallClockToDate('2024-01-01 12:00:00', 'UTC')?.toISOString()).toBe(
      '2024-01-01T12:00:00.000Z',
    );
    expect(wallClockToDate(null, 'UTC')).toBeNull();
  });
});

/** The counts a full run of fixtures.sql gives here (heidi's email is taken in Firestore). */
const FULL_COUNTS = {
  users: {
    read: 8,
    written: 6,
    unchanged: 0,
    skippedEmailTakenByLowerId: 1,
    skippedEmailOwnedInFirestore: 1,
    skippedMissingEmailOrPassword: 0,
  },
  tokens: {
    written: 28,
    unchanged: 0,
    duplicateRowsDropped: 3,
    overLimitDropped: 2,
    ofMissingUsers: 3,
    ofSkippedUsers: 1,
    ownedByAnotherUserInFirestore: 0,
    invalidRows: 1,
  },
  userEmails: {written: 6, unchanged: 0},
  nullTimestampsFilled: 3,
  notificationKeys: {
    fromColumn: 1,
    keptFromFirestore: 0,
    lookedUpByGroupName: 1,
    notFound: 4,
  },
  reconcile: {rebuilt: 0, failed: 0},
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

  const run = (name: string, ...extra: string[]) =>
    runImporter(
      [
        '--mysql',
        maria.url('laravel', false),
        '--report',
        path.join(OUT, `${name}.json`),
        ...extra,
      ],
      env,
    );
  const report = (name: string): ImportReport =>
    JSON.parse(readFileSync(path.join(OUT, `${name}.json`), 'utf8'));

  /** Every imported document with its update time, to show that a run changed nothing. */
  async function documents(): Promise<Record<string, string>> {
    const found: Record<string, string> = {};
    for (const collection of [
      'users',
      'fcm_registration_tokens',
      'user_emails',
    ]) {
      for (const doc of (await stack.db.collection(collection).get()).docs)
        found[`${collection}/${doc.id}`] = doc.updateTime
          .toDate()
          .toISOString();
    }
    return found;
  }

  beforeAll(async () => {
    [maria, stack] = await Promise.all([startMariaDb(), startDeviceStack()]);
    await maria.sql('CREATE DATABASE laravel');
    await maria.sql(FIXTURES, 'laravel');
    env = {
      LARAVEL_DB_PASSWORD: 'laravel-secret',
      GOOGLE_CLOUD_PROJECT: stack.projectId,
      FCM_SENDER_ID: stack.senderId,
      DEVICE_GROUP_PREFIX: PREFIX,
    };
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
        maria.url('laravel'),
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
    const bob = (await stack.db.collection('users').doc('2').get()).data()!;
    expect(bob).toMatchObject({email: 'bob@example.com', name: 'Bob'});
    expect(bob.password).toMatch(/^\$2y\$10\$/);
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

  it('a second run changes nothing and says so', async () => {
    const before = await documents();
    const again = await run('again');
    expect(again.code).toBe(0);
    const counts = report('again').counts;
    expect(counts.users).toMatchObject({written: 0, unchanged: 6});
    expect(counts.tokens).toMatchObject({written: 0, unchanged: 28});
    expect(counts.userEmails).toEqual({written: 0, unchanged: 6});
    expect(counts.nullTimestampsFilled).toBe(0);
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
    const reply = await stack.send(
      'POST',
      '/api/users/1/fcm_registration_tokens',
      {
        auth: basic('Alice@Example.com', 'alice-password'),
        body: {registration_id: 'alice-new-phone'},
      },
    );
    expect(reply.status).toBe(201);
    const state = await stack.snapshot();
    expect(state.tokens['1']).toEqual([
      'alice-new-phone',
      ...EXPECTED_TOKENS['1']!,
    ]);
    expect(violations(state)).toEqual([]);
    const wrong = await stack.send(
      'POST',
      '/api/users/1/fcm_registration_tokens',
      {
        auth: basic('alice@example.com', 'not-her-password'),
        body: {registration_id: 'alice-new-phone'},
      },
    );
    expect(wrong.status).toBe(401);
  });
});
