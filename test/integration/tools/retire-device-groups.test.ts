/**
 * `npm run retire-device-groups`, run in-process against the Firestore emulator and our FCM
 * emulator: users register devices through the functions in `fcm` mode, then the command
 * retires their groups (the switch to `firestore`) or rebuilds them (the switch back).
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {run, type Io} from '../../../tools/retire-device-groups/run';
import {createProgress} from '../../../tools/cli/progress';
import {Tally, type Report} from '../../../tools/retire-device-groups/summary';
import {describeWithFirestore} from '../../support/emulators';
import {
  startDeviceStack,
  violations,
  type DeviceStack,
} from '../../support/device-stack';

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function runCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  stop?: AbortSignal,
): Promise<Captured> {
  let out = '';
  let err = '';
  const io: Io = {
    out: text => (out += text),
    err: text => (err += text),
    isTTY: false,
    stop,
  };
  const code = await run(argv, env, io);
  return {code, out, err};
}

describe('npm run retire-device-groups: usage', () => {
  it('answers --help with the usage and exit 0', async () => {
    const result = await runCommand(['--dry-run', '--help'], {});
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: npm run retire-device-groups -- /);
    expect(result.out).toContain('--since-user-id ID');
    expect(result.err).toBe('');
  });

  it('reports every bad flag at once, then the usage, with exit 2', async () => {
    const result = await runCommand(
      [
        '--concurrency',
        '0',
        '--since-user-id',
        'a/b',
        '--bogus',
        'stray',
        '--dry-run=yes',
        '--report',
      ],
      {},
    );
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err.split('\n\n')[0]!.split('\n')).toEqual([
      'unknown option --bogus',
      'unexpected argument "stray"',
      '--dry-run takes no value',
      '--report needs a value',
      '--since-user-id must be a user id (1-128 letters, digits, _ or -), got "a/b"',
      '--concurrency must be a whole number from 1 to 100, got "0"',
    ]);
    expect(result.err).toContain('Usage: npm run retire-device-groups');
  });

  it('names a bad environment variable with exit 2', async () => {
    const result = await runCommand([], {DEVICE_GROUPS: 'firebase'});
    expect(result).toEqual({code: 2, out: '', err: expect.any(String)});
    // The rest of the message is parseConfig's, whose wording is its own tests' business.
    expect(result.err).toMatch(
      /^Invalid configuration: DEVICE_GROUPS must be one of fcm, firestore, got "firebase"[;\n]/,
    );
  });
});

describe('npm run retire-device-groups: progress', () => {
  function drive(isTTY: boolean, users: number) {
    let written = '';
    const tally = new Tally();
    // As run.ts wires it: a line per 1000 users, labelled with the tally.
    const progress = createProgress({
      write: text => (written += text),
      isTTY,
      total: users,
      unit: 'users',
      every: 1000,
      redrawMs: 0,
    });
    for (let i = 1; i <= users; i++) {
      tally.add(
        String(i),
        i % 10 === 0
          ? {kind: 'failed', reason: 'x'}
          : {kind: 'retired', tokens: 1},
      );
      progress.update(tally.users, tally.line('retire'));
    }
    progress.done();
    return written;
  }

  it('writes a line per 1000 users when stderr is not a terminal', () => {
    expect(drive(false, 2500)).toBe(
      '1000 users · retired 900 · already retired 0 · no devices 0 · not found 0 · failed 100\n' +
        '2000 users · retired 1800 · already retired 0 · no devices 0 · not found 0 · failed 200\n',
    );
  });

  it('redraws a bar in place on a terminal and ends its line when done', () => {
    const written = drive(true, 4);
    const frames = written.split('\r\x1b[K').filter(Boolean);
    expect(frames).toHaveLength(5);
    expect(frames[4]).toBe(
      '[########################] 100% 4/4 · retired 4 · already retired 0 · no devices 0 · not found 0 · failed 0\n',
    );
  });
});

describeWithFirestore('npm run retire-device-groups', () => {
  let stack: DeviceStack;
  let reportDir: string;
  const TOKENS: Record<string, string[]> = {
    '1': ['token-1a', 'token-1b'],
    '2': ['token-2a'],
    '3': ['token-3a', 'token-3b', 'token-3c'],
  };

  beforeAll(async () => {
    stack = await startDeviceStack();
    reportDir = await mkdtemp(path.join(tmpdir(), 'retire-report-'));
  });
  afterAll(async () => {
    await stack.close();
    await rm(reportDir, {recursive: true, force: true});
  });
  beforeEach(async () => {
    await stack.reset();
    for (const [id, tokens] of Object.entries(TOKENS)) {
      const auth = await stack.seedUser(id, `user${id}@example.com`, 'pw');
      for (const token of tokens) await register(id, auth, token, 201);
    }
    // A user who never registered a device: no key, nothing to retire.
    await stack.seedUser('4', 'user4@example.com', 'pw');
  });

  async function register(
    id: string,
    auth: string,
    token: string,
    status: number,
  ) {
    const reply = await stack.send(
      'POST',
      `/api/users/${id}/fcm_registration_tokens`,
      {auth, body: {registration_id: token}},
    );
    expect(reply.status).toBe(status);
  }

  /** The environment of the command: the stack's, with the backend named. */
  const env = (deviceGroups: string) => ({
    ...process.env,
    DEVICE_GROUPS: deviceGroups,
  });

  async function retire(
    args: string[] = [],
    deviceGroups = 'firestore',
  ): Promise<Captured & {report: Report}> {
    const file = path.join(reportDir, `report-${Date.now()}.json`);
    const result = await runCommand(
      [...args, '--report', file],
      env(deviceGroups),
    );
    const report = JSON.parse(await readFile(file, 'utf8')) as Report;
    return {...result, report};
  }

  const counts = (c: Partial<Report['counts']>): Report['counts'] => ({
    retired: 0,
    'already-retired': 0,
    'no-devices': 0,
    'not-found': 0,
    rebuilt: 0,
    failed: 0,
    ...c,
  });

  it('retires every group: FCM holds none, every key is null, tokens and device lists are intact', async () => {
    const before = await stack.snapshot();
    expect(before.groups).toHaveLength(3);
    expect(Object.keys(before.keys).sort()).toEqual(['1', '2', '3']);

    const result = await retire();

    expect(result.code).toBe(0);
    const after = await stack.snapshot();
    expect(after.groups).toEqual([]);
    expect(after.keys).toEqual({});
    expect(after.tokens).toEqual(before.tokens);
    expect(after.devices).toEqual(before.devices);
    expect(after.tokens).toEqual(
      Object.fromEntries(
        Object.entries(TOKENS).map(([id, t]) => [id, [...t].sort()]),
      ),
    );
    const users = await stack.db.collection('users').get();
    for (const doc of users.docs) {
      if (doc.id !== '4') expect(doc.get('notification_key')).toBeNull();
    }
    expect(result.report).toMatchObject({
      mode: 'retire',
      dryRun: false,
      sinceUserId: null,
      lastUserId: '4',
      stopped: false,
      users: 4,
      counts: counts({retired: 3, 'already-retired': 1}),
      tokens: 6,
      failureReasons: {},
      failed: [],
    });
    expect(result.out).toBe(
      [
        'Retire FCM device groups',
        '  users checked           4',
        '  retired                 3   6 registration ids removed from their groups',
        '  already retired         1   no key stored',
        '  no devices              0   no token known: key cleared only',
        '  not found               0   no group by that name under DEVICE_GROUP_PREFIX: nothing removed, key kept',
        '  failed                  0',
        'Last user done: 4',
        '',
      ].join('\n'),
    );
  });

  it('changes nothing on a dry run (FCM is only asked whether the groups exist), and says what it would do', async () => {
    const before = await stack.snapshot();
    const calls = (await stack.fcm.calls(stack.senderId)).length;

    const result = await retire(['--dry-run']);

    expect(result.code).toBe(0);
    expect(await stack.snapshot()).toEqual(before);
    expect(
      (await stack.fcm.calls(stack.senderId))
        .slice(calls)
        .map(c => `${c.method} ${c.notification_key_name}`)
        .sort(),
    ).toEqual(['GET test_users-1', 'GET test_users-2', 'GET test_users-3']);
    expect(result.report.counts).toEqual(
      counts({retired: 3, 'already-retired': 1}),
    );
    expect(result.out).toContain('(dry run: nothing changed)');
    expect(result.out).toContain(
      '  would be retired        3   6 registration ids to remove from their groups',
    );
  });

  it('reports groups it cannot find under DEVICE_GROUP_PREFIX as not found, keeping their keys and members, with exit 1', async () => {
    const before = await stack.snapshot();
    const file = path.join(reportDir, 'wrong-prefix.json');

    const result = await runCommand(['--report', file], {
      ...env('firestore'),
      DEVICE_GROUP_PREFIX: 'wrong',
    });

    expect(result.code).toBe(1);
    const report = JSON.parse(await readFile(file, 'utf8')) as Report;
    expect(report.counts).toEqual(
      counts({'not-found': 3, 'already-retired': 1}),
    );
    expect(report.tokens).toBe(0);
    expect(await stack.snapshot()).toEqual(before);
    expect(result.out).toContain(
      '  not found               3   no group by that name under DEVICE_GROUP_PREFIX: nothing removed, key kept\n',
    );
    expect(result.out).toContain(
      "Groups not found: check that DEVICE_GROUP_PREFIX is the deployment's",
    );
    // With the right prefix, the same run retires them.
    const right = await retire();
    expect(right.code).toBe(0);
    expect(right.report.counts).toEqual(
      counts({retired: 3, 'already-retired': 1}),
    );
  });

  it('reports a second run as already retired and makes no FCM call', async () => {
    expect((await retire()).code).toBe(0);
    const calls = (await stack.fcm.calls(stack.senderId)).length;

    const again = await retire();

    expect(again.code).toBe(0);
    expect(again.report.counts).toEqual(counts({'already-retired': 4}));
    expect(await stack.fcm.calls(stack.senderId)).toHaveLength(calls);
  });

  it('counts an FCM failure as failed and keeps that key; a re-run finishes it', async () => {
    const before = await stack.snapshot();
    await stack.fcm.injectFault({
      mode: 'http503',
      project: stack.senderId,
      count: 1,
    });

    const first = await retire(['--concurrency', '1']);

    expect(first.code).toBe(1);
    expect(first.report.counts).toEqual(
      counts({retired: 2, 'already-retired': 1, failed: 1}),
    );
    expect(first.report.failureReasons).toEqual({
      'Firebase Cloud Messaging: FCM answered 503': 1,
    });
    expect(first.report.failed).toEqual([
      {userId: '1', reason: 'Firebase Cloud Messaging: FCM answered 503'},
    ]);
    expect(first.report.lastUserId).toBe('4');
    expect(first.out).toContain(
      '       1  Firebase Cloud Messaging: FCM answered 503',
    );
    expect(first.out).toContain('  failed users: 1\n');
    const middle = await stack.snapshot();
    expect(middle.keys).toEqual({'1': before.keys['1']});
    expect(middle.groups.map(g => g.notification_key_name)).toEqual([
      'test_users-1',
    ]);

    const second = await retire();

    expect(second.code).toBe(0);
    expect(second.report.counts).toEqual(
      counts({retired: 1, 'already-retired': 3}),
    );
    const after = await stack.snapshot();
    expect(after.groups).toEqual([]);
    expect(after.keys).toEqual({});
    expect(after.tokens).toEqual(before.tokens);
  });

  it('also removes a token left in the group by a failed operation pending on the lease', async () => {
    // FCM applies the add, then fails: the token is in the group but not in Firestore.
    await stack.fcm.injectFault({
      mode: 'http500',
      project: stack.senderId,
      afterApply: true,
    });
    await register('2', 'Basic ' + b64('user2@example.com:pw'), 'stray', 503);
    const lease = await stack.db
      .collection('device_group_locks')
      .doc('2')
      .get();
    expect(lease.get('pending')).toEqual([
      expect.objectContaining({op: 'add', registration_id: 'stray'}),
    ]);
    const group = (await stack.fcm.groups(stack.senderId)).find(
      g => g.notification_key_name === 'test_users-2',
    );
    expect(group?.registration_ids).toEqual(['stray', 'token-2a']);

    const result = await retire();

    expect(result.code).toBe(0);
    expect(await stack.fcm.groups(stack.senderId)).toEqual([]);
    expect(result.report.counts.retired).toBe(3);
  });

  it('clears a key whose user has no token left, as no devices', async () => {
    await stack.db
      .collection('users')
      .doc('4')
      .update({notification_key: 'APA91b-a-key-without-devices'});

    const result = await retire();

    expect(result.code).toBe(0);
    expect(result.report.counts).toEqual(counts({retired: 3, 'no-devices': 1}));
    expect((await stack.snapshot()).keys).toEqual({});
  });

  it('resumes after --since-user-id, leaving the users before it alone', async () => {
    const before = await stack.snapshot();

    const result = await retire(['--since-user-id', '2']);

    expect(result.code).toBe(0);
    expect(result.report).toMatchObject({
      sinceUserId: '2',
      lastUserId: '4',
      users: 2,
      counts: counts({retired: 1, 'already-retired': 1}),
    });
    const after = await stack.snapshot();
    expect(after.keys).toEqual({'1': before.keys['1'], '2': before.keys['2']});
    expect(after.groups.map(g => g.notification_key_name)).toEqual([
      'test_users-1',
      'test_users-2',
    ]);
  });

  it('stops before starting a user once asked to, and says where to resume', async () => {
    const before = await stack.snapshot();
    const stop = new AbortController();
    stop.abort();

    const result = await runCommand([], env('firestore'), stop.signal);

    expect(result.code).toBe(130);
    expect(await stack.snapshot()).toEqual(before);
    expect(result.out).toContain('Last user done: (none)\n');
    expect(result.out).toContain('Stopped before the first user was done.');
  });

  it('refuses to retire while DEVICE_GROUPS names the fcm backend, unless forced', async () => {
    const before = await stack.snapshot();

    const refused = await runCommand([], env('fcm'));

    expect(refused.code).toBe(2);
    expect(refused.out).toBe('');
    expect(refused.err).toBe(
      'Refusing to retire the FCM device groups: DEVICE_GROUPS is "fcm", and the fcm backend sends through those groups, so retiring them while it serves would break it. Deploy with DEVICE_GROUPS=firestore, then run this with DEVICE_GROUPS=firestore set (or pass --force).\n',
    );
    expect(await stack.snapshot()).toEqual(before);

    const forced = await runCommand(['--force'], env('fcm'));
    expect(forced.code).toBe(0);
    expect((await stack.snapshot()).groups).toEqual([]);
  });

  it('--rebuild recreates every group to match Firestore', async () => {
    expect((await retire()).code).toBe(0);
    expect((await stack.snapshot()).groups).toEqual([]);

    const refused = await runCommand(['--rebuild'], env('firestore'));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^Refusing to rebuild the FCM device groups/);

    const result = await retire(['--rebuild'], 'fcm');

    expect(result.code).toBe(0);
    expect(result.report).toMatchObject({
      mode: 'rebuild',
      lastUserId: '4',
      counts: counts({rebuilt: 3, 'no-devices': 1}),
      tokens: 6,
    });
    const state = await stack.snapshot();
    expect(violations(state)).toEqual([]);
    expect(
      state.groups.map(g => [g.notification_key_name, g.registration_ids]),
    ).toEqual(
      Object.entries(TOKENS).map(([id, t]) => [
        `test_users-${id}`,
        [...t].sort(),
      ]),
    );
    expect(Object.keys(state.keys).sort()).toEqual(['1', '2', '3']);
  });
});

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}
