/**
 * `npm run user` as a person runs it: help, mistakes, clear failures within seconds when there
 * is no Firestore to reach, and a saved user that can then authenticate.
 */
import bcrypt from 'bcryptjs';
import {
  describeWithFirestore,
  firestoreEmulatorHost,
} from '../../support/emulators';
import {
  basic,
  startDeviceStack,
  type DeviceStack,
} from '../../support/device-stack';
import {buildOnce, cleanEnv, freePortBlock, npmRun} from './stack-process';

jest.setTimeout(120_000);

beforeAll(() => buildOnce());

describe('npm run user: the command line', () => {
  it('answers --help with the full usage and exit 0', async () => {
    const run = await npmRun(['run', 'user', '--', '--help'], cleanEnv());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run user -- create --id ID/);
    expect(run.stdout).toContain('npm run user -- list [--email PREFIX]');
    expect(run.stdout).toContain('npm run user -- show ID');
    expect(run.stdout).toContain('npm run user -- delete ID');
    expect(run.stdout).toContain('--password-stdin');
    expect(run.stdout).toContain('FIRESTORE_EMULATOR_HOST');
  });

  it('reports every mistake at once with exit 2, refusing --password with the reason', async () => {
    const run = await npmRun(
      [
        'run',
        'user',
        '--',
        'create',
        '--id=a/b',
        '--password',
        'x',
        '--cost',
        '99',
      ],
      cleanEnv(),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: --password is not accepted: a password on the command line is visible to other users (ps) and stays in your shell history. Type it at the prompt, or pipe it with --password-stdin.\n' +
        'error: --id must be 1-128 letters, digits, _ or -, got "a/b"\n' +
        'error: --email is required\n' +
        'error: --cost must be a whole number from 4 to 15, got "99"\n',
    );
  });

  it('names the variables to set when no Firestore is named', async () => {
    const run = await npmRun(
      [
        'run',
        'user',
        '--',
        'create',
        '--id',
        '2',
        '--email',
        'a@b.c',
        '--password-stdin',
      ],
      cleanEnv(),
      'secret\n',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'No Firestore to write to: set FIRESTORE_EMULATOR_HOST=127.0.0.1:40021 to use the local stack ' +
        '(start it with `npm start`), or GOOGLE_CLOUD_PROJECT=<project id> to use a real project ' +
        '(with application default credentials: `gcloud auth application-default login`).\n',
    );
  });

  it('fails within seconds, saying to start the stack, when the emulator is stopped', async () => {
    const port = await freePortBlock();
    const run = await npmRun(
      [
        'run',
        'user',
        '--',
        'create',
        '--id',
        '2',
        '--email',
        'a@b.c',
        '--password-stdin',
      ],
      cleanEnv({FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`}),
      'secret\n',
    );
    console.log(
      `npm run user with a stopped emulator failed after ${run.ms} ms`,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `The Firestore emulator that FIRESTORE_EMULATOR_HOST=127.0.0.1:${port} names does not answer (connection refused): ` +
        'start the local stack with `npm start` in another terminal, or point FIRESTORE_EMULATOR_HOST at a running emulator.\n',
    );
    // Generous bound: the point is "seconds, not a hang"; the printed time is the measurement.
    expect(run.ms).toBeLessThan(30_000);
  });
});

describeWithFirestore('npm run user: the saved user', () => {
  let stack: DeviceStack;
  let projectId: string;
  beforeAll(async () => {
    stack = await startDeviceStack();
    projectId = stack.projectId;
  });
  afterAll(async () => stack.close());

  const create = (id: string, email: string, password: string) =>
    npmRun(
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
      ],
      cleanEnv({
        FIRESTORE_EMULATOR_HOST: firestoreEmulatorHost(),
        GOOGLE_CLOUD_PROJECT: projectId,
      }),
      `${password}\n`,
    );

  it('refuses to read a password from a stdin that is not a terminal without --password-stdin', async () => {
    const run = await npmRun(
      ['run', 'user', '--', 'create', '--id', '2', '--email', 'a@b.c'],
      cleanEnv({FIRESTORE_EMULATOR_HOST: firestoreEmulatorHost()}),
      'secret\n',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'No user saved: stdin is not a terminal, so there is no prompt: pipe the password with --password-stdin.\n',
    );
  });

  it('saves a user from --password-stdin who can then register a device; an update replaces the password', async () => {
    const first = await create('7', 'Seven@Example.com', 'first pass');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      `user 7 <seven@example.com> saved in the emulator at ${firestoreEmulatorHost()}, project ${projectId}\n`,
    );
    const path = '/api/users/7/fcm_registration_tokens';
    const body = {registration_id: 'device-7'};
    const send = (user: string, password: string) =>
      stack.send('POST', path, {auth: basic(user, password), body});
    expect((await send('seven@example.com', 'first pass')).status).toBe(201);

    expect((await create('7', 'seven@example.com', 'second pass')).code).toBe(
      0,
    );
    expect((await send('seven@example.com', 'first pass')).status).toBe(401);
    expect((await send('SEVEN@example.com', 'second pass')).status).toBe(200);
    const saved = (await stack.db.collection('users').doc('7').get()).data()!;
    expect(saved.email).toBe('seven@example.com');
    expect(await bcrypt.compare('second pass', saved.password as string)).toBe(
      true,
    );
  });

  it('refuses a taken email, and leaves it free for its owner to update at once', async () => {
    expect((await create('11', 'taken@example.com', 'owner pass')).code).toBe(
      0,
    );
    const refused = await create('12', 'taken@example.com', 'other pass');
    expect({code: refused.code, stderr: refused.stderr}).toEqual({
      code: 1,
      stderr: 'The email taken@example.com is already taken.\n',
    });
    expect((await stack.db.collection('users').doc('12').get()).exists).toBe(
      false,
    );
    // The refused create's transaction let go of the email: a refusal used to leave its
    // lock held in the emulator for a minute, and this update timed out.
    const update = await create('11', 'taken@example.com', 'new owner pass');
    expect({code: update.code, stderr: update.stderr}).toEqual({
      code: 0,
      stderr: '',
    });
  });

  it("refuses a password under 8 characters, Laravel's default rule, and saves nothing", async () => {
    const run = await create('9', 'nine@example.com', 's3cRe+');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "No user saved: the password has 6 characters; it needs at least 8 (Laravel's default rule).\n",
    );
    expect((await stack.db.collection('users').doc('9').get()).exists).toBe(
      false,
    );
  });

  it('verifies Laravel $2y$ hashes as they are', async () => {
    const laravel = (await bcrypt.hash('from-laravel', 4)).replace(
      /^\$2b\$/,
      '$2y$',
    );
    await stack.db
      .collection('users')
      .doc('8')
      .set({email: 'eight@example.com', password: laravel});
    const reply = await stack.send(
      'POST',
      '/api/users/8/fcm_registration_tokens',
      {
        auth: basic('eight@example.com', 'from-laravel'),
        body: {registration_id: 'device-8'},
      },
    );
    expect(reply.status).toBe(201);
  });
});
