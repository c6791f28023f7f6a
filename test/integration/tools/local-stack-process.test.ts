/**
 * `npm start` as a person runs it, in a child process with its own emulators on free ports:
 * two stacks side by side, a taken port named, SIGTERM and SIGHUP to npm leaving nothing
 * behind, a dying emulator stopping the stack, and an explicit launcher path that is wrong.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {basic} from '../../support/device-stack';
import {describeWithFirestore} from '../../support/emulators';
import {
  buildOnce,
  cleanEnv,
  cleanUpAfterAll,
  commandLine,
  firestoreJvm,
  descendants,
  freePortBlock,
  isListening,
  npmRun,
  startStack,
  survivors,
  type Running,
} from './stack-process';

jest.setTimeout(300_000);

const leftovers = cleanUpAfterAll();
const track = (stack: Running) => leftovers.track(stack);

beforeAll(() => buildOnce());

describe('npm start: the command line', () => {
  it('answers --help with the usage and exit 0', async () => {
    const run = await npmRun(['start', '--', '--help'], cleanEnv());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm start \[-- --persist DIR\]/);
    expect(run.stdout).toContain('PORT+1');
    expect(run.stdout).toContain('DEVICE_GROUPS             fcm (default');
  });

  it('reports every bad flag and setting at once, with exit 2', async () => {
    const run = await npmRun(
      ['start', '--', '--bogus', '--persist'],
      cleanEnv({PORT: 'abc'}),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: unknown option --bogus\nerror: --persist needs a value\nerror: PORT must be a port number from 0 to 65532, got "abc"\n',
    );
  });

  it('refuses an explicit FIRESTORE_EMULATOR_BIN that does not exist instead of falling back', async () => {
    const port = await freePortBlock();
    const run = await npmRun(
      ['start'],
      cleanEnv({PORT: String(port), FIRESTORE_EMULATOR_BIN: '/nonexistent'}),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'npm start failed: FIRESTORE_EMULATOR_BIN=/nonexistent is not an executable file. Fix FIRESTORE_EMULATOR_BIN, or unset it',
    );
    expect(run.stderr).not.toContain('FALLBACK');
    expect(await isListening(port)).toBe(false);
  });
});

describeWithFirestore('npm start: processes and ports', () => {
  let portA: number;
  let portB: number;
  let a: Running;
  let b: Running;

  beforeAll(async () => {
    portA = await freePortBlock();
    do portB = await freePortBlock();
    while (Math.abs(portB - portA) < 3);
    const [first, second] = await Promise.allSettled([
      startStack(cleanEnv({PORT: String(portA)})),
      startStack(cleanEnv({PORT: String(portB)})),
    ]);
    // Track whichever started, so that afterAll stops it even when the other did not.
    for (const result of [first, second])
      if (result.status === 'fulfilled') track(result.value);
    if (first.status === 'rejected') throw first.reason;
    if (second.status === 'rejected') throw second.reason;
    [a, b] = [first.value, second.value];
  });

  it('runs two stacks side by side, each on PORT, PORT+1 and PORT+2', async () => {
    for (const [stack, port] of [
      [a, portA],
      [b, portB],
    ] as const) {
      expect(stack.stderr()).toContain(
        `Device registration API running at http://localhost:${port}\n`,
      );
      expect(stack.stderr()).toContain(
        `Firestore emulator: 127.0.0.1:${port + 1} (official)`,
      );
      expect(stack.stderr()).toContain(
        `FCM emulator:       http://127.0.0.1:${port + 2} (local)`,
      );
      expect(stack.stderr()).toContain(
        'Data: in memory, reset on each start (keep it with `npm start -- --persist DIR`)',
      );
      const index = await fetch(`http://localhost:${port}/`);
      expect(index.status).toBe(200);
      expect(await index.json()).toMatchObject({
        docs: `http://localhost:${port}/docs`,
      });
    }
  });

  it('names the taken ports and what is on them, and starts nothing', async () => {
    const run = await npmRun(['start'], cleanEnv({PORT: String(portA)}));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `port ${portA} (for the router) is in use — probably another \`npm start\` (its router)\n` +
        `  port ${portA + 1} (for the Firestore emulator) is in use — probably another \`npm start\` (Firestore or Pub/Sub emulator)\n` +
        `  port ${portA + 2} (for the FCM emulator) is in use — probably another \`npm start\` (FCM emulator)\n` +
        `  port ${portA + 3} (for the Pub/Sub emulator) is in use — probably another \`npm start\` (Firestore or Pub/Sub emulator)\n`,
    );
    expect(run.stderr).not.toContain('BindException');
    console.log(`a second npm start on taken ports failed after ${run.ms} ms`);
  });

  it('stops the whole stack when npm gets SIGTERM, leaving no process and no port behind', async () => {
    const pids = [a.child.pid!, ...descendants(a.child.pid!)];
    const emulator = pids.filter(pid =>
      commandLine(pid)?.includes(`--port=${portA + 1}`),
    );
    expect(emulator.length).toBeGreaterThan(0); // the launcher and its JVM
    a.child.kill('SIGTERM');
    await a.finished;
    expect(await survivors(pids)).toEqual([]);
    for (const port of [portA, portA + 1, portA + 2, portA + 3])
      expect(await isListening(port)).toBe(false);
    // The other stack is untouched.
    expect((await fetch(`http://localhost:${portB}/`)).status).toBe(200);
  });

  it('stops with a non-zero exit when its Firestore emulator dies under it', async () => {
    const pids = [b.child.pid!, ...descendants(b.child.pid!)];
    const jvm = firestoreJvm(pids);
    expect(jvm).toBeDefined();
    process.kill(jvm!, 'SIGKILL');
    const end = await b.finished;
    expect(end.code).not.toBe(0);
    expect(end.stderr).toContain(
      `Cloud Firestore emulator at 127.0.0.1:${portB + 1} exited unexpectedly (exit code 137)`,
    );
    expect(end.stderr).toContain('\nstopping…\n');
    expect(end.stderr).toMatch(/Stopped\.\n$/);
    expect(await survivors(pids)).toEqual([]);
    expect(await isListening(portB)).toBe(false);
  });
});

describeWithFirestore('npm start: SIGHUP', () => {
  it('stops the whole stack when npm alone gets SIGHUP', async () => {
    const port = await freePortBlock();
    const stack = await startStack(cleanEnv({PORT: String(port)}));
    const pids = track(stack);
    stack.child.kill('SIGHUP');
    await stack.finished;
    expect(await survivors(pids)).toEqual([]);
    for (const p of [port, port + 1, port + 2, port + 3])
      expect(await isListening(p)).toBe(false);
  });
});

describeWithFirestore('npm start -- --persist DIR', () => {
  const demo = basic('support@thinkbitsolutions.com', 's3cRe+');
  const mine = basic('mine@example.com', 'my password');
  const addDevice = (port: number, auth: string) =>
    fetch(`http://localhost:${port}/api/users/1/fcm_registration_tokens`, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', Authorization: auth},
      body: JSON.stringify({registration_id: 'kept-device'}),
    });

  it('keeps the data across restarts and seeds the demo user only when user 1 is missing', async () => {
    const dir = leftovers.tempDir('stack-data-');
    const port = await freePortBlock();
    const env = cleanEnv({PORT: String(port)});

    const first = await startStack(env, ['--persist', dir]);
    track(first);
    expect(first.stderr()).toContain(
      `Data: kept in ${dir}: loaded at start, saved when the stack stops\n`,
    );
    expect(first.stderr()).toContain(
      'Demo user: id 1, support@thinkbitsolutions.com / s3cRe+\n',
    );
    expect((await addDevice(port, demo)).status).toBe(201);
    // User 1 is taken over with other credentials, as a developer might do.
    const saved = await npmRun(
      [
        'run',
        'user',
        '--',
        'create',
        '--id',
        '1',
        '--email',
        'mine@example.com',
        '--cost',
        '4',
        '--password-stdin',
      ],
      cleanEnv({FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port + 1}`}),
      'my password\n',
    );
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);
    first.child.kill('SIGINT');
    expect((await first.finished).code).toBe(0);
    expect(
      fs.existsSync(
        path.join(dir, 'firestore', 'firestore.overall_export_metadata'),
      ),
    ).toBe(true);

    const second = await startStack(env, [`--persist=${dir}`]);
    track(second);
    expect(second.stderr()).toContain(
      'Demo user: not seeded, user 1 exists already and was kept as it is\n',
    );
    expect((await addDevice(port, demo)).status).toBe(401);
    // 200: the device registered before the restart is still there.
    expect((await addDevice(port, mine)).status).toBe(200);
    second.child.kill('SIGTERM');
    expect((await second.finished).code).toBe(0);
    // The second save replaced the first, leaving one export and no half-written one.
    expect(fs.readdirSync(dir).sort()).toEqual([
      'fcm-emulator.json',
      'firestore',
    ]);
  });

  it('refuses --persist with an emulator named by FIRESTORE_EMULATOR_HOST, whose data it cannot keep', async () => {
    const port = await freePortBlock();
    const run = await npmRun(
      ['start', '--', '--persist', os.tmpdir()],
      cleanEnv({PORT: String(port), FIRESTORE_EMULATOR_HOST: '127.0.0.1:1'}),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'npm start failed: --persist starts its own Firestore emulator, but FIRESTORE_EMULATOR_HOST=127.0.0.1:1 names one to use: unset it, or drop --persist.\n',
    );
  });
});
