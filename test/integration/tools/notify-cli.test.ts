/**
 * `npm run notify` against `npm start`, in the two cases where it used to report success
 * for messages no device got: a command whose DEVICE_GROUPS differs from the stack's, and a
 * notification key whose FCM group is gone. Its counts are what FCM accepted, its exit
 * status says whether every device was reached, and stderr says why not.
 */
import fs from 'node:fs';
import path from 'node:path';
import {tokenId} from '../../../shared/firestore/collections';
import {fcmControl} from '../../../tools/fcm-emulator/control';
import {basic} from '../../support/device-stack';
import {describeWithFirestore} from '../../support/emulators';
import {
  buildOnce,
  cleanEnv,
  cleanUpAfterAll,
  freePortBlock,
  npmRun,
  startStack,
  type Running,
} from './stack-process';

jest.setTimeout(300_000);

const demo = basic('support@thinkbitsolutions.com', 's3cRe+');
const TOKENS = ['notify-cli-phone', 'notify-cli-tablet'];
const leftovers = cleanUpAfterAll();

beforeAll(() => buildOnce());

async function start(
  port: number,
  env: Record<string, string>,
  args: string[] = [],
): Promise<Running> {
  const stack = await startStack(cleanEnv({PORT: String(port), ...env}), args);
  leftovers.track(stack);
  return stack;
}

async function stop(stack: Running): Promise<void> {
  stack.child.kill('SIGINT');
  expect((await stack.finished).code).toBe(0);
}

async function registerAll(port: number): Promise<void> {
  for (const token of TOKENS) {
    const res = await fetch(
      `http://localhost:${port}/api/users/1/fcm_registration_tokens`,
      {
        method: 'POST',
        headers: {'Content-Type': 'application/json', Authorization: demo},
        body: JSON.stringify({registration_id: token}),
      },
    );
    expect(res.status).toBe(201);
  }
}

function notify(port: number, env: Record<string, string> = {}) {
  return npmRun(
    ['run', 'notify', '--', '--user', '1', '--title', 'Hello'],
    cleanEnv({
      FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port + 1}`,
      FCM_EMULATOR_HOST: `127.0.0.1:${port + 2}`,
      GOOGLE_CLOUD_PROJECT: 'demo-device-registration',
      ...env,
    }),
  );
}

const results = (outcome: string) =>
  [...TOKENS]
    .map(t => ({token_id: tokenId(t), outcome}))
    .sort((a, b) => a.token_id.localeCompare(b.token_id));

function parsed(stdout: string) {
  const body = JSON.parse(stdout) as {
    sent: number;
    failed: number;
    removed: number;
    results: Array<{token_id: string; outcome: string}>;
  };
  body.results.sort((a, b) => a.token_id.localeCompare(b.token_id));
  return body;
}

describeWithFirestore('npm run notify: honest counts and exit status', () => {
  it('fails, saying why, when the stack runs DEVICE_GROUPS=firestore and the command does not', async () => {
    const port = await freePortBlock();
    const stack = await start(port, {DEVICE_GROUPS: 'firestore'});
    try {
      await registerAll(port);
      const fcm = fcmControl(`http://127.0.0.1:${port + 2}`);

      const wrong = await notify(port);
      expect(wrong.code).toBe(1);
      expect(parsed(wrong.stdout)).toEqual({
        sent: 0,
        failed: 2,
        removed: 0,
        results: results('failed'),
      });
      expect(wrong.stderr).toContain(
        'Nothing was sent: user 1 has 2 devices but no FCM device group; their devices were most likely registered by a stack running DEVICE_GROUPS=firestore, while this command runs with DEVICE_GROUPS=fcm (the default). ' +
          'Run it with the backend the data was written with: DEVICE_GROUPS=firestore npm run notify -- ….\n',
      );
      expect(await fcm.deliveries('emulator')).toEqual([]);

      const right = await notify(port, {DEVICE_GROUPS: 'firestore'});
      expect({code: right.code, stderr: right.stderr}).toEqual({
        code: 0,
        stderr: '',
      });
      expect(parsed(right.stdout)).toEqual({
        sent: 2,
        failed: 0,
        removed: 0,
        results: results('sent'),
      });
      expect(
        (await fcm.deliveries('emulator')).map(d => d.token).sort(),
      ).toEqual([...TOKENS].sort());
    } finally {
      await stop(stack);
    }
  });

  it('counts only what FCM accepted after a --persist restart in fcm mode, with and without the saved groups', async () => {
    const dir = leftovers.tempDir('notify-cli-');
    const port = await freePortBlock();
    const fcm = fcmControl(`http://127.0.0.1:${port + 2}`);

    const first = await start(port, {}, ['--persist', dir]);
    await registerAll(port);
    await stop(first);

    // The groups were saved with the Firestore data: the stored key still names a live group.
    const second = await start(port, {}, ['--persist', dir]);
    try {
      const run = await notify(port);
      expect({code: run.code, stderr: run.stderr}).toEqual({
        code: 0,
        stderr: '',
      });
      expect(parsed(run.stdout)).toMatchObject({sent: 2, failed: 0});
      const delivered = await fcm.deliveries('emulator');
      expect(delivered.map(d => d.token).sort()).toEqual([...TOKENS].sort());
    } finally {
      await stop(second);
    }

    // Data saved before the groups were kept (or an FCM emulator restarted on its own): the
    // key in Firestore names no group. FCM answers UNREGISTERED and nothing counts as sent.
    fs.rmSync(path.join(dir, 'fcm-emulator.json'));
    const third = await start(port, {}, ['--persist', dir]);
    try {
      const run = await notify(port);
      expect(run.code).toBe(1);
      expect(parsed(run.stdout)).toEqual({
        sent: 0,
        failed: 2,
        removed: 0,
        results: results('failed'),
      });
      expect(run.stderr).toContain('"code":"UNREGISTERED"');
      expect(run.stderr).toContain(
        "Nothing was sent to user 1's 2 devices: FCM refused the send to their notification key (its answer is in the WARNING line above).",
      );
      expect(await fcm.deliveries('emulator')).toEqual([]);
    } finally {
      await stop(third);
    }
  });
});
