/**
 * deploy.sh's app settings: the env file, what a deployed function keeps, and the check
 * with the app's own parser before anything is deployed. gcloud is the fake of fake-cli.ts,
 * which remembers what each `functions deploy` set.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {ConfigError, parseConfig} from '../../../../shared/platform/config';
import {
  READY,
  buildOnce,
  deploy,
  envFile,
  fakeCli,
  type FakeCli,
} from './fake-cli';

/** parseConfig's message for `env`, as deploy.sh prints it (later lines indented). */
function refused(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.replace(/\n/g, '\n  ');
    throw err;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

const FLAGS = [
  '--project=my-proj-1',
  '--region=europe-west1',
  '--device-groups=firestore',
];
const FUNCTIONS = ['add-device', 'remove-device', 'cron', 'notify-user'];

/** The variables a run printed for one function, as `NAME=value (source)` lines. */
function printedEnv(stdout: string, fn: string): string[] {
  const start = stdout.indexOf(`==> environment of ${fn} `);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = stdout.slice(start).split('\n').slice(1);
  return lines.slice(
    0,
    lines.findIndex(l => !l.startsWith('  ')),
  );
}

describe('deploy.sh app settings', () => {
  let cli: FakeCli;
  let dir: string;
  beforeAll(buildOnce, 300_000);
  beforeEach(() => {
    cli = fakeCli();
    dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-env-'));
  });
  afterEach(() => {
    cli.remove();
    rmSync(dir, {recursive: true, force: true});
  });

  it('a redeploy keeps a setting that an earlier deploy set', () => {
    const prod = envFile(
      dir,
      'prod.env',
      '# set by the operator\nBCRYPT_COST=12\nexport FORWARDED_FOR_HOPS="2"\n',
    );
    // Behind an external load balancer: FORWARDED_FOR_HOPS=2 goes with its ingress.
    const LB = [...FLAGS, '--devices-ingress', 'internal-and-gclb'];
    const first = deploy([...LB, '--env-file', prod], cli);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    for (const fn of FUNCTIONS)
      expect(cli.state().functions[fn]!.env).toMatchObject({
        BCRYPT_COST: '12',
        FORWARDED_FOR_HOPS: '2',
      });

    // The next deployment, without the env file: the dry run shows the settings kept.
    const dryRun = deploy(['--dry-run', ...LB], cli);
    expect(dryRun.stderr).toBe('');
    expect(dryRun.status).toBe(0);
    expect(printedEnv(dryRun.stdout, 'add-device')).toEqual([
      '  BCRYPT_COST=12  (deployed)',
      '  DEVICE_GROUPS=firestore  (flags)',
      '  FORWARDED_FOR_HOPS=2  (deployed)',
      '  GOOGLE_CLOUD_PROJECT=my-proj-1  (flags)',
    ]);
    expect(printedEnv(dryRun.stdout, 'cron')).toEqual([
      '  BCRYPT_COST=12  (deployed)',
      '  CRON_OIDC_AUDIENCE=https://europe-west1-my-proj-1.cloudfunctions.net/cron  (flags)',
      '  CRON_SERVICE_ACCOUNT=cron-invoker@my-proj-1.iam.gserviceaccount.com  (flags)',
      '  DEVICE_GROUPS=firestore  (flags)',
      '  FORWARDED_FOR_HOPS=2  (deployed)',
      '  GOOGLE_CLOUD_PROJECT=my-proj-1  (flags)',
    ]);

    // And the real run deploys them again.
    const second = deploy(LB, cli);
    expect(second.status).toBe(0);
    for (const fn of FUNCTIONS)
      expect(cli.state().functions[fn]!.env).toMatchObject({
        BCRYPT_COST: '12',
        FORWARDED_FOR_HOPS: '2',
      });
  });

  it.each([
    [
      'FORWARDED_FOR_HOPS=2\n',
      [],
      'deploy.sh: FORWARDED_FOR_HOPS=2 needs --devices-ingress internal-and-gclb: with the function URLs open, a client would choose the address it is counted under; nothing was changed\n',
    ],
    [
      'BCRYPT_COST=12\n',
      ['--devices-ingress', 'internal-and-gclb'],
      'deploy.sh: --devices-ingress internal-and-gclb needs FORWARDED_FOR_HOPS=2 (in the env file): behind the load balancer, the last X-Forwarded-For entry is the load balancer itself; nothing was changed\n',
    ],
  ])(
    'refuses %j with %j: the client address would be forged, or be the load balancer',
    (settings, flags, message) => {
      const prod = envFile(dir, 'prod.env', settings);
      for (const run of [['--dry-run'], []]) {
        const {status, stderr} = deploy(
          [...run, ...FLAGS, ...flags, '--env-file', prod],
          cli,
        );
        expect(status).toBe(1);
        expect(stderr).toBe(message);
      }
      expect(cli.state().functions).toEqual(READY.functions);
    },
  );

  it('the env file overrides what is deployed, flags override both, and NAME= removes a setting', () => {
    const state = structuredClone(READY);
    state.functions['add-device'] = {
      env: {
        BCRYPT_COST: '12',
        LOG_LEVEL: 'DEBUG',
        AUTH_REALM: 'Old realm',
        DEVICE_GROUPS: 'fcm',
        FCM_SENDER_ID: '123456789012',
        LOG_EXECUTION_ID: 'true',
        SENTRY_TOKEN: 'abc-very-secret',
      },
    };
    cli.setState(state);
    const prod = envFile(
      dir,
      'prod.env',
      'LOG_LEVEL=WARNING\nAUTH_REALM="Device registration"\nBCRYPT_COST=\n',
    );
    const {status, stdout, stderr} = deploy(
      ['--dry-run', ...FLAGS, '--env-file', prod],
      cli,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(printedEnv(stdout, 'add-device')).toEqual([
      '  AUTH_REALM="Device registration"  (prod.env)',
      '  DEVICE_GROUPS=firestore  (flags)',
      '  FCM_SENDER_ID=123456789012  (deployed)',
      '  GOOGLE_CLOUD_PROJECT=my-proj-1  (flags)',
      '  LOG_EXECUTION_ID=****  (deployed; not read by the app, kept)',
      '  LOG_LEVEL=WARNING  (prod.env)',
      // A name that a secret would have: never printed.
      '  SENTRY_TOKEN=****  (deployed; not read by the app, kept)',
      '  BCRYPT_COST removed  (prod.env)',
    ]);
    expect(stdout).not.toContain('abc-very-secret');
    expect(stdout).toContain(
      '==> environment of add-device (deployed, then prod.env, then flags; the later wins)',
    );

    const real = deploy([...FLAGS, '--env-file', prod], cli);
    expect(real.status).toBe(0);
    expect(cli.state().functions['add-device']!.env).toEqual({
      AUTH_REALM: 'Device registration',
      DEVICE_GROUPS: 'firestore',
      FCM_SENDER_ID: '123456789012',
      GOOGLE_CLOUD_PROJECT: 'my-proj-1',
      LOG_EXECUTION_ID: 'true',
      LOG_LEVEL: 'WARNING',
      SENTRY_TOKEN: 'abc-very-secret',
    });
  });

  it('a configuration the functions would refuse is not deployed: every problem of every function is named', () => {
    const state = structuredClone(READY);
    state.functions.cron = {
      env: {FCM_EMULATOR_HOST: '127.0.0.1:40022', DEVICE_GROUPS: 'firestore'},
    };
    cli.setState(state);
    const prod = envFile(dir, 'prod.env', 'LOCK_TTL_MS=1000\n');
    // What each function's own parser says of its environment: deploy.sh prints that.
    const devicesEnv = {
      DEVICE_GROUPS: 'firestore',
      GOOGLE_CLOUD_PROJECT: 'my-proj-1',
      LOCK_TTL_MS: '1000',
    };
    const cronEnv = {
      ...devicesEnv,
      FCM_EMULATOR_HOST: '127.0.0.1:40022',
      CRON_OIDC_AUDIENCE:
        'https://europe-west1-my-proj-1.cloudfunctions.net/cron',
      CRON_SERVICE_ACCOUNT: 'cron-invoker@my-proj-1.iam.gserviceaccount.com',
    };
    for (const dryRun of [['--dry-run'], []]) {
      const {status, stderr} = deploy(
        [...dryRun, ...FLAGS, '--env-file', prod],
        cli,
      );
      expect(stderr).toBe(
        [
          `deploy.sh: add-device: ${refused(devicesEnv)}`,
          `deploy.sh: remove-device: ${refused(devicesEnv)}`,
          'deploy.sh: cron: FCM_EMULATOR_HOST points FCM at a local emulator (deployed): remove it with a line "FCM_EMULATOR_HOST=" in the env file',
          `deploy.sh: cron: ${refused(cronEnv)}`,
          `deploy.sh: notify-user: ${refused(devicesEnv)}`,
          ...[
            'notify-users',
            'deliver-notification',
            'deliver-notification-dead-letter',
          ].map(
            fn =>
              `deploy.sh: ${fn}: ${refused({...devicesEnv, NOTIFY_TOPIC: 'notifications'})}`,
          ),
          "deploy.sh: the functions' environment is refused (above); nothing was changed",
          '',
        ].join('\n'),
      );
      expect(status).toBe(1);
    }
    // Nothing changed: no deploy, no rules release, no enabled API, no Scheduler job.
    const changes = cli
      .calls()
      .map(c => c.join(' '))
      .filter(c =>
        / deploy | enable |add-invoker-policy-binding|release-rules|scheduler/.test(
          c,
        ),
      );
    expect(changes).toEqual([]);
  });

  it('refuses, in the env file, a line it cannot read, a setting a flag owns, a local-only setting and an unknown name', () => {
    const prod = envFile(
      dir,
      'prod.env',
      [
        'LOG_LEVEL=INFO # chatty',
        'just words',
        'DEVICE_GROUPS=fcm',
        'FIRESTORE_EMULATOR_HOST=127.0.0.1:8080',
        'BCRYPT_COSTS=12',
        'AUTH_REALM="unterminated',
        'LOG_LEVEL=DEBUG',
        // Removing a local-only setting is how one gets rid of it: allowed.
        'FCM_EMULATOR_HOST=',
      ].join('\n'),
    );
    const {status, stderr} = deploy(
      ['--dry-run', ...FLAGS, '--env-file', prod],
      cli,
    );
    expect(stderr).toBe(
      [
        'deploy.sh: prod.env: line 1: LOG_LEVEL: a comment after a value is not supported (put it on its own line, or quote the value)',
        'deploy.sh: prod.env: line 2: expected NAME=VALUE, got "just words"',
        'deploy.sh: prod.env: line 6: AUTH_REALM: a quoted value must end with its quote on the same line',
        "deploy.sh: the functions' environment is refused (above); nothing was changed",
        '',
      ].join('\n'),
    );
    expect(status).toBe(1);

    const readable = envFile(
      dir,
      'readable.env',
      [
        'DEVICE_GROUPS=fcm',
        'FIRESTORE_EMULATOR_HOST=127.0.0.1:8080',
        'BCRYPT_COSTS=12',
        'FCM_EMULATOR_HOST=',
      ].join('\n'),
    );
    const second = deploy(['--dry-run', ...FLAGS, '--env-file', readable], cli);
    expect(second.stderr).toBe(
      [
        'deploy.sh: readable.env: DEVICE_GROUPS is set with deploy.sh --device-groups, not in the env file (only DEVICE_GROUPS= to remove it)',
        'deploy.sh: readable.env: FIRESTORE_EMULATOR_HOST points Firestore at a local emulator: never deployed',
        "deploy.sh: readable.env: BCRYPT_COSTS is not a setting of this app (README's Configuration table and docs/cron.md list them)",
        "deploy.sh: the functions' environment is refused (above); nothing was changed",
        '',
      ].join('\n'),
    );
    expect(second.status).toBe(1);
  });

  it('keeps notifyUser’s allow-list and audience when a redeploy does not name the callers', () => {
    const callers = '--notify-callers=orders@my-proj-1.iam.gserviceaccount.com';
    const url = '--notify-url=https://notify-user-abc.a.run.app';
    expect(deploy([...FLAGS, callers, url], cli).status).toBe(0);
    const {status, stdout} = deploy(['--dry-run', ...FLAGS], cli);
    expect(status).toBe(0);
    expect(printedEnv(stdout, 'notify-user')).toEqual([
      '  DEVICE_GROUPS=firestore  (flags)',
      '  GOOGLE_CLOUD_PROJECT=my-proj-1  (flags)',
      '  NOTIFY_OIDC_AUDIENCE=https://notify-user-abc.a.run.app  (deployed)',
      '  NOTIFY_SERVICE_ACCOUNTS=orders@my-proj-1.iam.gserviceaccount.com  (deployed)',
    ]);
    expect(stdout).not.toContain('==> note');
    // New callers without --notify-url keep the audience the callers already ask for.
    const more = deploy(
      [
        '--dry-run',
        ...FLAGS,
        '--notify-callers=orders@my-proj-1.iam.gserviceaccount.com,shop@my-proj-1.iam.gserviceaccount.com',
      ],
      cli,
    );
    expect(printedEnv(more.stdout, 'notify-user')).toContain(
      '  NOTIFY_OIDC_AUDIENCE=https://notify-user-abc.a.run.app  (deployed)',
    );
    // Closing it again: NAME= in the env file removes both.
    const closed = envFile(
      dir,
      'closed.env',
      'NOTIFY_SERVICE_ACCOUNTS=\nNOTIFY_OIDC_AUDIENCE=\n',
    );
    const close = deploy(['--dry-run', ...FLAGS, '--env-file', closed], cli);
    expect(close.status).toBe(0);
    expect(printedEnv(close.stdout, 'notify-user')).toEqual([
      '  DEVICE_GROUPS=firestore  (flags)',
      '  GOOGLE_CLOUD_PROJECT=my-proj-1  (flags)',
      '  NOTIFY_SERVICE_ACCOUNTS removed  (closed.env)',
      '  NOTIFY_OIDC_AUDIENCE removed  (closed.env)',
    ]);
    expect(close.stdout).toContain(
      '==> note: notify-user refuses every request',
    );
  });
});
