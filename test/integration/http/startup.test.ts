/**
 * A function instance with an invalid configuration does not start, as production runs it:
 * the Functions Framework's own command loads the compiled entry module (package.json
 * `main`). It must exit with one ERROR line naming every problem, so that a deploy fails its
 * health check and the previous revision keeps serving; a valid configuration serves.
 */
import {spawn} from 'node:child_process';
import path from 'node:path';
import {findFreePort} from '../../../tools/firestore-emulator/free-port';
import {ROOT, buildOnce} from '../tools/stack-process';

const FRAMEWORK = path.join(
  ROOT,
  'node_modules/@google-cloud/functions-framework/build/src/main.js',
);

/** Starts `functions-framework --target=addDevice` with `env` only (no inherited settings). */
function startFunction(env: Record<string, string>, port: number) {
  const child = spawn(
    process.execPath,
    [FRAMEWORK, '--target=addDevice', `--port=${port}`],
    {
      cwd: ROOT,
      env: {PATH: process.env.PATH!, ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += String(chunk)));
  child.stderr.on('data', chunk => (stderr += String(chunk)));
  const exited = new Promise<number | null>(resolve =>
    child.once('exit', code => resolve(code)),
  );
  return {child, exited, output: () => ({stdout, stderr})};
}

describe('the configuration check at start', () => {
  beforeAll(() => buildOnce(), 120_000);

  it('exits 1 with one ERROR line naming every problem', async () => {
    const started = performance.now();
    const fn = startFunction(
      {
        DEVICE_GROUPS: 'fcm',
        LEASE_TTL_MS: '1000',
        LOG_LEVEL: 'LOUD',
        NOTIFY_OIDC_AUDIENCE: 'https://example.com/notify-user',
      },
      await findFreePort('127.0.0.1'),
    );
    expect(await fn.exited).toBe(1);
    const {stdout} = fn.output();
    const lines = stdout
      .split('\n')
      .filter(line => line.startsWith('{'))
      .map(line => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        severity: 'ERROR',
        '@type':
          'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent',
        message:
          'Invalid configuration: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got "LOUD"; ' +
          'FCM_SENDER_ID is required with DEVICE_GROUPS=fcm (the Firebase project number), unless FCM_EMULATOR_HOST names an FCM emulator (127.0.0.1:40022 for npm start); ' +
          'LEASE_TTL_MS must be at least 6 × FCM_TIMEOUT_MS + FIRESTORE_TIMEOUT_MS (40000), got 1000; ' +
          'NOTIFY_SERVICE_ACCOUNTS is required when NOTIFY_OIDC_AUDIENCE is set. The function does not start.',
        variables: [
          'LOG_LEVEL',
          'FCM_SENDER_ID',
          'LEASE_TTL_MS',
          'NOTIFY_SERVICE_ACCOUNTS',
        ],
      },
    ]);
    process.stdout.write(
      `an invalid configuration stopped the instance after ${Math.round(performance.now() - started)} ms\n`,
    );
  });

  it('serves with a valid configuration', async () => {
    const port = await findFreePort('127.0.0.1');
    const fn = startFunction(
      {DEVICE_GROUPS: 'firestore', GOOGLE_CLOUD_PROJECT: 'startup-check'},
      port,
    );
    let exited = false;
    void fn.exited.then(() => (exited = true));
    try {
      // Until it answers, exits, or 45 s pass (a loaded machine starts it slowly).
      const deadline = performance.now() + 45_000;
      let status = 0;
      while (status === 0 && !exited && performance.now() < deadline) {
        status = await fetch(
          `http://127.0.0.1:${port}/users/1/fcm_registration_tokens`,
          {method: 'GET'},
        ).then(
          r => r.status,
          () =>
            new Promise<number>(resolve => setTimeout(() => resolve(0), 100)),
        );
      }
      // Route and method come before any dependency: 405 needs no Firestore. A failure
      // shows what the instance printed.
      expect({status, stderr: fn.output().stderr}).toEqual({
        status: 405,
        stderr: '',
      });
    } finally {
      fn.child.kill('SIGTERM');
      await fn.exited;
    }
  });
});
