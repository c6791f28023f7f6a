/**
 * `npm run notify -- --users-file` against `npm start`, as an operator runs it: the stack's
 * own Pub/Sub emulator pushes each user's message to its deliverNotification, the command
 * follows the batch with its progress lines, prints the final status as JSON, and exits 0
 * when every user was sent to or has no devices, 1 otherwise. A second run with the same
 * --idempotency-key sends nothing more, counted at the FCM emulator.
 */
import fs from 'node:fs';
import path from 'node:path';
import {fcmControl} from '../../../tools/fcm-emulator/control';
import {basic} from '../../support/device-stack';
import {describeWithPubsub} from '../../support/emulators';
import {
  buildOnce,
  cleanEnv,
  cleanUpAfterAll,
  freePortBlock,
  npmRun,
  startStack,
} from './stack-process';

jest.setTimeout(300_000);

const demo = basic('support@thinkbitsolutions.com', 's3cRe+');
const TOKENS = ['users-cli-phone', 'users-cli-tablet'];
const PROJECT = 'demo-device-registration';
const leftovers = cleanUpAfterAll();

beforeAll(() => buildOnce());

describeWithPubsub('npm run notify -- --users-file on npm start', () => {
  it('sends one batch through Pub/Sub, follows it, prints its status and exits by its outcome; a second run with the key sends nothing more', async () => {
    const port = await freePortBlock();
    const stack = await startStack(
      cleanEnv({PORT: String(port), DEVICE_GROUPS: 'firestore'}),
    );
    leftovers.track(stack);
    try {
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
      // User 2 exists without devices; user 999 does not exist.
      const created = await npmRun(
        [
          'run',
          'user',
          '--',
          'create',
          '--id',
          '2',
          '--email',
          'two@example.com',
          '--password-stdin',
        ],
        cleanEnv({
          FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port + 1}`,
          GOOGLE_CLOUD_PROJECT: PROJECT,
        }),
        'two-password\n',
      );
      expect(created.code).toBe(0);
      const dir = leftovers.tempDir('notify-users-');
      const known = path.join(dir, 'known.txt');
      fs.writeFileSync(known, '1\n2\n');
      const withUnknown = path.join(dir, 'with-unknown.txt');
      fs.writeFileSync(withUnknown, '1\n999\n');
      const fcm = fcmControl(`http://127.0.0.1:${port + 2}`);
      const notify = (file: string, key: string) =>
        npmRun(
          [
            'run',
            'notify',
            '--',
            '--users-file',
            file,
            '--title',
            'Hello',
            '--idempotency-key',
            key,
          ],
          cleanEnv({
            DEVICE_GROUPS: 'firestore',
            FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port + 1}`,
            FCM_EMULATOR_HOST: `127.0.0.1:${port + 2}`,
            PUBSUB_EMULATOR_HOST: `127.0.0.1:${port + 3}`,
            GOOGLE_CLOUD_PROJECT: PROJECT,
          }),
        );
      const delivered = async () =>
        (await fcm.deliveries('emulator')).map(d => d.token).sort();

      const first = await notify(known, 'launch');
      expect(first.code).toBe(0);
      const status = JSON.parse(first.stdout) as Record<string, unknown>;
      expect(status).toEqual({
        id: expect.any(String),
        status: 'done',
        users: 2,
        sent: 1,
        failed: 0,
        removed: 0,
        no_devices: 1,
        unknown_users: 0,
        created_at: expect.any(String),
        finished_at: expect.any(String),
      });
      // The batch, then the progress lines (a pipe, not a terminal: one line per step).
      expect(first.stderr).toMatch(
        new RegExp(`^batch ${status.id as string}: 2 users\\n`),
      );
      expect(first.stderr).toContain('2 users\n');
      expect(await delivered()).toEqual([...TOKENS].sort());

      const again = await notify(known, 'launch');
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual(status);
      expect(again.stderr).toContain(
        `batch ${status.id as string}: 2 users (made by an earlier run with the key launch-1: nothing is sent twice)\n`,
      );
      expect(await delivered()).toEqual([...TOKENS].sort());

      const partly = await notify(withUnknown, 'second');
      expect(partly.code).toBe(1);
      expect(JSON.parse(partly.stdout)).toMatchObject({
        status: 'done',
        users: 2,
        sent: 1,
        unknown_users: 1,
      });
      expect(partly.stderr).toContain(
        '1 of 2 users were not reached: 0 failed, 0 had only dead tokens (removed), 1 unknown.',
      );
      expect(await delivered()).toEqual([...TOKENS, ...TOKENS].sort());

      const bad = await notify(path.join(dir, 'missing.txt'), 'k');
      expect({code: bad.code, stdout: bad.stdout}).toEqual({
        code: 2,
        stdout: '',
      });
      expect(bad.stderr).toContain(
        `error: --users-file ${path.join(dir, 'missing.txt')} cannot be read (ENOENT)\n`,
      );
    } finally {
      stack.child.kill('SIGINT');
      expect((await stack.finished).code).toBe(0);
    }
  });
});
