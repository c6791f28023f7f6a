import {spawnSync} from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const FLAGS = [
  '--project',
  'my-proj-1',
  '--region',
  'europe-west1',
  '--fcm-sender-id',
  '123456789012',
];
/** Every variable deploy.sh reads: the tests start from none of them. */
const READ_ENV = [
  'GOOGLE_CLOUD_PROJECT',
  'REGION',
  'FCM_SENDER_ID',
  'DEVICES_RUNTIME_SERVICE_ACCOUNT',
  'CRON_RUNTIME_SERVICE_ACCOUNT',
  'SCHEDULER_SERVICE_ACCOUNT',
  'FUNCTIONS_SERVICE_ACCOUNT',
  'RUNTIME',
  'DEVICE_GROUPS',
  'DEVICE_GROUP_PREFIX',
  'TIME_ZONE',
  'CRON_URL',
  'NOTIFY_URL',
  'NOTIFY_CALLERS',
];

function deploy(
  args: string[],
  env: Record<string, string> = {},
  extraPath?: string,
) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !READ_ENV.includes(k)),
  );
  const PATH = extraPath
    ? `${extraPath}${path.delimiter}${process.env.PATH}`
    : process.env.PATH!;
  const result = spawnSync('bash', ['deploy.sh', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {...clean, PATH, ...env},
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    commands: result.stdout.split('\n').filter(l => l.startsWith('+ ')),
  };
}

const DEVICES_SA = 'devices-runtime@my-proj-1.iam.gserviceaccount.com';
const CRON_SA = 'cron-runtime@my-proj-1.iam.gserviceaccount.com';
const INVOKER_SA = 'cron-invoker@my-proj-1.iam.gserviceaccount.com';
const URL = 'https://europe-west1-my-proj-1.cloudfunctions.net/cron';
const COMMON =
  '--gen2 --runtime=nodejs22 --region=europe-west1 --project=my-proj-1 --source=. --trigger-http --quiet';
const ENV =
  'FCM_SENDER_ID=123456789012\\,DEVICE_GROUP_PREFIX=app\\,DEVICE_GROUPS=fcm\\,GOOGLE_CLOUD_PROJECT=my-proj-1';
const NOTIFY_URL =
  'https://europe-west1-my-proj-1.cloudfunctions.net/notify-user';
/** notifyUser's env, with ";" as gcloud's delimiter (printed shell-quoted). */
const NOTIFY_ENV = `\\^\\;\\^${ENV.replace(/\\,/g, '\\;')}`;
const NOTE = [
  '==> note: notify-user refuses every request (500): no caller is allowed. Deploy again with',
  '    --notify-callers EMAIL[,EMAIL...] (or NOTIFY_CALLERS) to allow the services that send.',
];
const SCHEDULER_ARGS = `--project my-proj-1 --region europe-west1 --url ${URL} --service-account ${INVOKER_SA} --time-zone Etc/UTC`;

describe('deploy.sh', () => {
  it('--dry-run prints every command, in order, and runs none', () => {
    const {status, commands, stderr, stdout} = deploy(['--dry-run', ...FLAGS]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(commands).toEqual([
      '+ npm run --silent gcp-build',
      `+ npm run --silent scheduler -- ${SCHEDULER_ARGS} --dry-run`,
      `+ gcloud functions deploy add-device ${COMMON} --entry-point=addDevice --allow-unauthenticated --service-account=${DEVICES_SA} --concurrency=16 --cpu=1 --memory=512Mi --max-instances=20 --set-env-vars=${ENV}`,
      `+ gcloud functions deploy remove-device ${COMMON} --entry-point=removeDevice --allow-unauthenticated --service-account=${DEVICES_SA} --concurrency=16 --cpu=1 --memory=512Mi --max-instances=20 --set-env-vars=${ENV}`,
      `+ gcloud functions deploy cron ${COMMON} --entry-point=cron --no-allow-unauthenticated --timeout=540s --service-account=${CRON_SA} --concurrency=1 --cpu=1 --memory=512Mi --max-instances=3 --set-env-vars=${ENV}\\,CRON_OIDC_AUDIENCE=${URL}\\,CRON_SERVICE_ACCOUNT=${INVOKER_SA}`,
      `+ gcloud functions add-invoker-policy-binding cron --region=europe-west1 --project=my-proj-1 --member=serviceAccount:${INVOKER_SA}`,
      // No --notify-callers: deployed without an allow-list, so it refuses every request.
      `+ gcloud functions deploy notify-user ${COMMON} --entry-point=notifyUser --no-allow-unauthenticated --service-account=${DEVICES_SA} --concurrency=16 --cpu=1 --memory=512Mi --max-instances=20 --set-env-vars=${NOTIFY_ENV}`,
      '+ gcloud firestore indexes composite create --project=my-proj-1 --collection-group=fcm_registration_tokens --query-scope=collection --field-config=field-path=user_id\\,order=ascending --field-config=field-path=updated_at\\,order=ascending --async',
      '+ gcloud firestore indexes fields update updated_at --project=my-proj-1 --collection-group=fcm_registration_tokens --index=order=ascending --index=order=descending --index=array-config=contains --async --quiet',
      '+ gcloud firestore fields ttls update expire_at --project=my-proj-1 --collection-group=cron_runs --enable-ttl --async --quiet',
      '+ gcloud firestore fields ttls update expires_at --project=my-proj-1 --collection-group=login_failures --enable-ttl --async --quiet',
      '+ gcloud firestore fields ttls update expires_at --project=my-proj-1 --collection-group=notification_requests --enable-ttl --async --quiet',
      `+ npm run --silent scheduler -- ${SCHEDULER_ARGS}`,
      ...['add-device', 'remove-device', 'cron', 'notify-user'].map(
        fn =>
          `+ gcloud functions describe ${fn} --gen2 --region=europe-west1 --project=my-proj-1 --format=value\\(serviceConfig.uri\\)`,
      ),
    ]);
    expect(stdout.trim().split('\n').slice(-3, -1)).toEqual(NOTE);
  });

  it('--notify-callers allows each caller: on the allow-list with the audience, and as invoker', () => {
    const callers =
      'sender@my-proj-1.iam.gserviceaccount.com,,shop@other-proj.iam.gserviceaccount.com';
    const {status, commands, stderr, stdout} = deploy([
      '--dry-run',
      ...FLAGS,
      `--notify-callers=${callers}`,
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const at = commands.findIndex(c =>
      c.startsWith('+ gcloud functions deploy notify-user '),
    );
    expect(commands.slice(at, at + 3)).toEqual([
      `+ gcloud functions deploy notify-user ${COMMON} --entry-point=notifyUser --no-allow-unauthenticated --service-account=${DEVICES_SA} --concurrency=16 --cpu=1 --memory=512Mi --max-instances=20 --set-env-vars=${NOTIFY_ENV}\\;NOTIFY_OIDC_AUDIENCE=${NOTIFY_URL}\\;NOTIFY_SERVICE_ACCOUNTS=sender@my-proj-1.iam.gserviceaccount.com\\,shop@other-proj.iam.gserviceaccount.com`,
      '+ gcloud functions add-invoker-policy-binding notify-user --region=europe-west1 --project=my-proj-1 --member=serviceAccount:sender@my-proj-1.iam.gserviceaccount.com',
      '+ gcloud functions add-invoker-policy-binding notify-user --region=europe-west1 --project=my-proj-1 --member=serviceAccount:shop@other-proj.iam.gserviceaccount.com',
    ]);
    expect(stdout).not.toContain('==> note');
  });

  it('takes every option as --name=value or --name value alike', () => {
    const options = {
      project: 'my-proj-1',
      region: 'europe-west1',
      'fcm-sender-id': '123456789012',
      'devices-runtime-service-account': 'd@my-proj-1.iam.gserviceaccount.com',
      'cron-runtime-service-account': 'c@my-proj-1.iam.gserviceaccount.com',
      'scheduler-service-account': 's@my-proj-1.iam.gserviceaccount.com',
      runtime: 'nodejs24',
      'device-groups': 'firestore',
      'device-group-prefix': 'shop',
      'time-zone': 'Europe/Amsterdam',
      'cron-url': 'https://cron-abc.a.run.app',
      'devices-concurrency': '8',
      'devices-cpu': '2',
      'devices-memory': '1Gi',
      'devices-max-instances': '40',
      'cron-concurrency': '1',
      'cron-cpu': '0.5',
      'cron-memory': '256Mi',
      'cron-max-instances': '2',
      'notify-url': 'https://notify-user-abc.a.run.app',
      'notify-callers': 's@my-proj-1.iam.gserviceaccount.com',
    };
    const spaced = deploy([
      '--dry-run',
      ...Object.entries(options).flatMap(([k, v]) => [`--${k}`, v]),
    ]);
    const joined = deploy([
      '--dry-run',
      ...Object.entries(options).map(([k, v]) => `--${k}=${v}`),
    ]);
    expect(spaced.stderr).toBe('');
    expect(spaced.status).toBe(0);
    expect(joined).toEqual(spaced);
    const [addDevice, , cron] = spaced.commands.slice(2, 5);
    expect(addDevice).toContain(
      '--runtime=nodejs24 --region=europe-west1 --project=my-proj-1',
    );
    expect(addDevice).toContain(
      '--service-account=d@my-proj-1.iam.gserviceaccount.com --concurrency=8 --cpu=2 --memory=1Gi --max-instances=40 --set-env-vars=FCM_SENDER_ID=123456789012\\,DEVICE_GROUP_PREFIX=shop\\,DEVICE_GROUPS=firestore\\,',
    );
    expect(cron).toContain(
      '--service-account=c@my-proj-1.iam.gserviceaccount.com --concurrency=1 --cpu=0.5 --memory=256Mi --max-instances=2 ',
    );
    expect(cron).toContain(
      'CRON_OIDC_AUDIENCE=https://cron-abc.a.run.app\\,CRON_SERVICE_ACCOUNT=s@my-proj-1.iam.gserviceaccount.com',
    );
    expect(spaced.commands[6]).toContain(
      '--service-account=d@my-proj-1.iam.gserviceaccount.com --concurrency=8 --cpu=2 --memory=1Gi --max-instances=40 ',
    );
    expect(spaced.commands[6]).toContain(
      'NOTIFY_OIDC_AUDIENCE=https://notify-user-abc.a.run.app\\;NOTIFY_SERVICE_ACCOUNTS=s@my-proj-1.iam.gserviceaccount.com',
    );
    expect(spaced.commands).toContain(
      '+ npm run --silent scheduler -- --project my-proj-1 --region europe-west1 --url https://cron-abc.a.run.app --service-account s@my-proj-1.iam.gserviceaccount.com --time-zone Europe/Amsterdam',
    );
  });

  it('takes its settings from the environment too, and flags win', () => {
    const {status, commands} = deploy(
      ['--dry-run', ...FLAGS.slice(2), '--runtime', 'nodejs24'],
      {
        GOOGLE_CLOUD_PROJECT: 'other-proj',
        REGION: 'us-central1',
        RUNTIME: 'nodejs20',
        DEVICE_GROUPS: 'firestore',
        DEVICES_RUNTIME_SERVICE_ACCOUNT:
          'api@other-proj.iam.gserviceaccount.com',
        CRON_URL: 'https://cron-abc.a.run.app',
        NOTIFY_URL: 'https://notify-user-abc.a.run.app',
        NOTIFY_CALLERS: 's@other-proj.iam.gserviceaccount.com',
      },
    );
    expect(status).toBe(0);
    expect(commands[2]).toContain(
      '--runtime=nodejs24 --region=europe-west1 --project=other-proj',
    );
    expect(commands[2]).toContain(
      '--service-account=api@other-proj.iam.gserviceaccount.com',
    );
    expect(commands[2]).toContain('DEVICE_GROUPS=firestore');
    expect(commands[4]).toContain(
      '--service-account=cron-runtime@other-proj.iam.gserviceaccount.com',
    );
    expect(commands[4]).toContain(
      'CRON_OIDC_AUDIENCE=https://cron-abc.a.run.app',
    );
    expect(commands[6]).toContain(
      'NOTIFY_OIDC_AUDIENCE=https://notify-user-abc.a.run.app\\;NOTIFY_SERVICE_ACCOUNTS=s@other-proj.iam.gserviceaccount.com',
    );
  });

  it.each([
    [
      'no settings at all',
      [] as string[],
      {},
      [
        'missing --project (or GOOGLE_CLOUD_PROJECT)',
        'missing --region (or REGION)',
        'missing --fcm-sender-id (or FCM_SENDER_ID)',
      ],
    ],
    [
      'a project ID as the sender id',
      [...FLAGS, '--fcm-sender-id', 'my-project'],
      {},
      [
        '--fcm-sender-id must be the Firebase project number (digits only; Firebase console > Project settings > Cloud Messaging > Sender ID), not the project ID, got "my-project"',
      ],
    ],
    [
      'every kind of mistake at once',
      [
        '--project=My Project',
        '--region',
        '--fcm-sender-id=12a',
        '--runtime',
        'python312',
        '--device-groups=redis',
        '--devices-cpu',
        '0.5',
        '--cron-memory=1G',
        '--cron-max-instances=5000',
        '--cron-runtime-service-account',
        'cron',
        '--force',
        'yes',
        '--dry-run=no',
        '--notify-url=http://notify',
        '--notify-callers',
        'me@example.com,s@p.iam.gserviceaccount.com',
        '--service-account=api@p.iam.gserviceaccount.com',
        'stray',
      ],
      {FUNCTIONS_SERVICE_ACCOUNT: 'api@p.iam.gserviceaccount.com'},
      [
        'FUNCTIONS_SERVICE_ACCOUNT is no longer read: each function now has its own identity; use --devices-runtime-service-account and --cron-runtime-service-account (see --help)',
        '--region needs a value',
        'unknown option: --force',
        '--dry-run takes no value',
        '--service-account is gone: use --devices-runtime-service-account and --cron-runtime-service-account (see --help)',
        'unexpected argument: stray',
        '--project must be a project ID (6-30 lowercase letters, digits and hyphens), got "My Project"',
        '--fcm-sender-id must be the Firebase project number (digits only; Firebase console > Project settings > Cloud Messaging > Sender ID), not the project ID, got "12a"',
        '--cron-runtime-service-account must be a service account email, got "cron"',
        '--runtime must be a Node.js runtime such as nodejs22, got "python312"',
        '--device-groups must be fcm or firestore, got "redis"',
        '--notify-url must be an https URL (no spaces or semicolons), got "http://notify"',
        '--notify-callers must be service account emails (…gserviceaccount.com) separated by commas, got "me@example.com"',
        '--devices-concurrency 16 needs --devices-cpu 1 or more (2nd gen serves concurrent requests only with a whole vCPU), got 0.5',
        '--cron-memory must be a size such as 512Mi or 1Gi, got "1G"',
        '--cron-max-instances must be a whole number from 1 to 1000, got "5000"',
      ],
    ],
  ])(
    '%s: names every problem at once, exits 2 and runs nothing',
    (_name, args, env, problems) => {
      const {status, stderr, stdout} = deploy(['--dry-run', ...args], env);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        [
          ...problems.map(p => `deploy.sh: ${p}`),
          'Run ./deploy.sh --help for every option.',
          '',
        ].join('\n'),
      );
      expect(status).toBe(2);
    },
  );

  it('--help prints the full usage, naming every option, and exits 0', () => {
    const {status, stdout, stderr} = deploy(['--help']);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: \.\/deploy\.sh /);
    // Every option the parser knows (the keys of its `opt` table) is documented.
    const script = readFileSync(path.join(root, 'deploy.sh'), 'utf8');
    const table = script.slice(script.indexOf('declare -A opt=('));
    const known = [
      ...table.slice(0, table.indexOf('\n)')).matchAll(/\[([a-z-]+)\]=/g),
    ].map(m => `--${m[1]}`);
    expect(known.length).toBeGreaterThan(15);
    for (const flag of [...known, '--print-iam-setup', '--dry-run', '--help'])
      expect(stdout).toContain(`${flag} `);
  });

  it('--print-iam-setup prints the service accounts and project roles as commands, for --project alone', () => {
    const {status, stdout, stderr} = deploy([
      '--print-iam-setup',
      '--project=my-proj-1',
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const commands = stdout.split('\n').filter(l => l && !l.startsWith('#'));
    const binding = (sa: string, role: string) =>
      `gcloud projects add-iam-policy-binding my-proj-1 --member=serviceAccount:${sa} --role=${role} --condition=None`;
    expect(commands).toEqual([
      'gcloud iam service-accounts create devices-runtime --project=my-proj-1 --display-name=device\\ registration:\\ devices-runtime',
      'gcloud iam service-accounts create cron-runtime --project=my-proj-1 --display-name=device\\ registration:\\ cron-runtime',
      'gcloud iam service-accounts create cron-invoker --project=my-proj-1 --display-name=device\\ registration:\\ cron-invoker',
      binding(DEVICES_SA, 'roles/datastore.user'),
      binding(DEVICES_SA, 'roles/firebasecloudmessaging.admin'),
      binding(CRON_SA, 'roles/datastore.user'),
      binding(CRON_SA, 'roles/firebasecloudmessaging.admin'),
    ]);
    // Callers of notify-user get no project role either: run.invoker on that function alone.
    // The invoker gets no project role: deploy.sh grants it run.invoker on cron alone.
    expect(stdout).not.toContain(`serviceAccount:${INVOKER_SA} --role`);

    const firestore = deploy([
      '--print-iam-setup',
      '--project=my-proj-1',
      '--device-groups=firestore',
      '--devices-runtime-service-account=api@shared-proj.iam.gserviceaccount.com',
    ]);
    expect(firestore.status).toBe(0);
    // notify-user (devices account) sends over FCM HTTP v1 in both modes; cron needs FCM only
    // for FCM device groups.
    expect(firestore.stdout).toContain(
      binding(
        'api@shared-proj.iam.gserviceaccount.com',
        'roles/firebasecloudmessaging.admin',
      ),
    );
    expect(firestore.stdout).not.toContain(
      binding(CRON_SA, 'roles/firebasecloudmessaging.admin'),
    );
    expect(firestore.stdout).toContain(
      '# api@shared-proj.iam.gserviceaccount.com is not an account of my-proj-1: create it where it belongs.',
    );
    expect(firestore.stdout).toContain(
      binding(
        'api@shared-proj.iam.gserviceaccount.com',
        'roles/datastore.user',
      ),
    );
  });

  describe('without --dry-run (gcloud and npm replaced by recorders on PATH)', () => {
    let bin: string;
    beforeAll(() => {
      bin = mkdtempSync(path.join(os.tmpdir(), 'deploy-sh-'));
      // A stand-in for the real CLIs, which need a Google Cloud project: it records the
      // call and answers `functions describe` with the URL gcloud would print.
      const recorder = `#!/usr/bin/env bash
printf '%s\\n' "$(basename "$0") $*" >> "${bin}/calls"
if [ "$1 $2" = "functions describe" ]; then echo "https://$3-xyz-ew.a.run.app"; fi
`;
      for (const name of ['gcloud', 'npm']) {
        writeFileSync(path.join(bin, name), recorder);
        chmodSync(path.join(bin, name), 0o755);
      }
    });
    afterAll(() => rmSync(bin, {recursive: true, force: true}));

    it('prints each deployed function URL at the end', () => {
      const {status, stdout, stderr} = deploy(FLAGS, {}, bin);
      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect(stdout.trim().split('\n').slice(-8)).toEqual([
        '==> function URLs',
        'add-device: https://add-device-xyz-ew.a.run.app',
        'remove-device: https://remove-device-xyz-ew.a.run.app',
        'cron: https://cron-xyz-ew.a.run.app',
        'notify-user: https://notify-user-xyz-ew.a.run.app',
        ...NOTE,
        `==> done: cron runs every minute at ${URL}`,
      ]);
      const calls = readFileSync(path.join(bin, 'calls'), 'utf8');
      expect(calls).toContain(
        'gcloud functions describe cron --gen2 --region=europe-west1 --project=my-proj-1 --format=value(serviceConfig.uri)',
      );
    });
  });

  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  if (!shellcheck)
    process.stderr.write(
      '[SKIPPED: shellcheck is not installed] deploy.sh passes shellcheck\n',
    );
  (shellcheck ? it : it.skip)(
    `passes shellcheck${shellcheck ? '' : ' [SKIPPED: shellcheck is not installed]'}`,
    () => {
      const result = spawnSync('shellcheck', ['deploy.sh', '.ci/run'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
